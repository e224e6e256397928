"""Fixtures of the Dask tests: one LocalCluster per test module (2 worker
processes x 1 thread, so every fit crosses process boundaries through a real
scheduler) and a counter of the graphs clients send it."""

import pytest
from distributed import Client, LocalCluster

from .seeded_data import GraphCounter


@pytest.fixture(scope="module")
def cluster():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        yield cluster


@pytest.fixture
def graph_counter(cluster):
    counter = GraphCounter()
    cluster.scheduler.add_plugin(counter)
    yield counter
    cluster.scheduler.remove_plugin(name=counter.name)
