"""Seeded Dask data for the cluster tests, and a scheduler plugin that counts
graphs: sources the scheduler can recompute a lost block from."""

import dask.array as da
import numpy as np
from distributed.diagnostics.plugin import SchedulerPlugin

N_SAMPLES, N_FEATURES, CHUNK = 1200, 4, 300


class GraphCounter(SchedulerPlugin):
    """Counts the graphs clients send to the scheduler."""

    name = "graph-counter"

    def __init__(self):
        self.graphs = 0

    def update_graph(self, scheduler, **kwargs):
        self.graphs += 1


def make_data(n_classes=2, seed=0, dtype=np.float64, chunk=CHUNK, n_samples=N_SAMPLES):
    """Seeded dask X (4 blocks by default) and labels from a logistic
    (softmax) model."""
    rng = da.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES), chunks=(chunk, N_FEATURES)).astype(dtype)
    coef = np.linspace(-1.0, 1.5, N_FEATURES * n_classes).reshape(N_FEATURES, n_classes)
    raw = X @ coef + rng.gumbel(size=(n_samples, n_classes), chunks=(chunk, n_classes))
    y = raw.argmax(axis=1)
    weight = rng.uniform(0.5, 2.0, size=n_samples, chunks=chunk)
    return X, y, weight
