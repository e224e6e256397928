"""The Dask fit under stress: batches fed to partial_fit, a worker killed in
the middle of an iteration, and a pass over many blocks done in a few tasks.
"""

import os
import signal

import dask
import numpy as np
import pytest
from distributed import Client
from distributed.diagnostics.plugin import SchedulerPlugin

from logitron import LogisticRegression

from .seeded_data import CHUNK, N_SAMPLES, make_data


def test_partial_fit_on_dask_batches_equals_numpy_batches(cluster):
    X, y, weight = make_data(n_classes=3, seed=9)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    on_dask = LogisticRegression(learning_rate=0.3)
    in_memory = LogisticRegression(learning_rate=0.3)
    for start in range(0, N_SAMPLES, 2 * CHUNK):
        rows = slice(start, start + 2 * CHUNK)
        on_dask.partial_fit(
            X[rows], y[rows], classes=[0, 1, 2], sample_weight=weight[rows],
            total_weight=N_SAMPLES,
        )
        in_memory.partial_fit(
            X_np[rows], y_np[rows], classes=[0, 1, 2], sample_weight=weight_np[rows],
            total_weight=N_SAMPLES,
        )
    np.testing.assert_allclose(on_dask.coef_, in_memory.coef_, rtol=0, atol=1e-12)
    assert on_dask.n_iter_[0] == in_memory.n_iter_[0] == 2


class KillWorkerOnce(SchedulerPlugin):
    """Kills (SIGKILL) the worker process that starts a block of the fit's
    ``graph``-th graph: a worker lost in the middle of an iteration."""

    name = "kill-worker-once"

    def __init__(self, scheduler, graph):
        self.scheduler = scheduler
        self.graph = graph
        self.graphs = 0
        self.killed = None
        self.removed = []

    def update_graph(self, scheduler, **kwargs):
        self.graphs += 1

    def transition(self, key, start, finish, *args, **kwargs):
        if (
            self.killed is None
            and self.graphs >= self.graph
            and finish == "processing"
            and str(key).startswith("evaluate-")
        ):
            worker = self.scheduler.tasks[key].processing_on
            self.killed = worker.address
            os.kill(worker.pid, signal.SIGKILL)

    def remove_worker(self, scheduler, worker, **kwargs):
        self.removed.append(worker)


def test_a_worker_killed_mid_fit_changes_nothing(cluster):
    X, y, weight = make_data(n_classes=3, seed=10)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    expected = LogisticRegression().fit(X_np, y_np, sample_weight=weight_np)
    killer = KillWorkerOnce(cluster.scheduler, graph=4)  # the third iteration's graph
    cluster.scheduler.add_plugin(killer)
    try:
        model = LogisticRegression().fit(X, y, sample_weight=weight)
    finally:
        cluster.scheduler.remove_plugin(name=killer.name)
    assert killer.killed is not None
    assert killer.killed in killer.removed
    assert model.n_iter_[0] > 3
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, rtol=0, atol=1e-8)
    # The nanny restarts the worker; leave the cluster as we found it.
    Client.current().wait_for_workers(2, timeout=60)


class TaskCounter(SchedulerPlugin):
    """Counts the finished tasks whose key starts with ``prefix``."""

    name = "task-counter"

    def __init__(self, prefix):
        self.prefix = prefix
        self.tasks = 0

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory" and str(key).strip("('").startswith(self.prefix):
            self.tasks += 1


@pytest.mark.parametrize("persisted", [True, False], ids=["persisted", "from-source"])
def test_a_pass_over_many_blocks_is_a_few_tasks(cluster, persisted):
    # 32 blocks: a pass is one task per worker thread for persisted blocks
    # (each runs where its blocks are), two per thread for blocks read from
    # their source (each task reads its blocks itself), not one per block.
    from logitron.dask.block_groups import BlockGroups, InlineBlock
    from logitron.dask.inputs import training_problem

    X, y, weight = make_data(n_classes=3, seed=31, chunk=500, n_samples=16_000)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    if persisted:
        X, y, weight = dask.persist(X, y, weight)
    expected = LogisticRegression(solver="lbfgs").fit(X_np, y_np, sample_weight=weight_np)
    objective, _ = training_problem(LogisticRegression(), X, y, weight)
    groups = BlockGroups.of(objective.blocks)
    assert sum(len(sources) for sources in groups.sources) == 32
    client = Client.current()
    if persisted:
        assert groups.n_groups == 2
        who_has = client.who_has()
        for sources in groups.sources:
            assert len({who_has[block[0].key][0] for block in sources}) == 1  # type: ignore[index]
    else:
        assert groups.n_groups == 4
        assert all(isinstance(block, InlineBlock) for g in groups.sources for block in g)
    counter = TaskCounter("evaluate-")
    cluster.scheduler.add_plugin(counter)
    try:
        model = LogisticRegression(solver="lbfgs").fit(X, y, sample_weight=weight)
    finally:
        cluster.scheduler.remove_plugin(name=counter.name)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, rtol=0, atol=1e-8)
    # L-BFGS: one pass per iteration, at most a few more for line searches.
    assert counter.tasks <= groups.n_groups * (2 * model.n_iter_[0] + 2)
    assert counter.tasks < 32 * model.n_iter_[0]
