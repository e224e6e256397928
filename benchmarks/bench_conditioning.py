"""Newton against L-BFGS by the conditioning that column scaling leaves: the
measurements behind ``solver="auto"``'s conditioning rule
(``logitron.solvers.choice``).

    PYTHONPATH=src:. python -m benchmarks.bench_conditioning             # the grid of choice.py
    PYTHONPATH=src:. python -m benchmarks.bench_conditioning --rows 20000 --features 50 --noise 0.01

Columns ``f + noise * e_j`` around one shared Gaussian factor
(``tests.problems.collinear_data``; for K > 2 classes the same columns with
softmax labels): ``noise = 1`` gives correlations of 0.5, ``noise = 0.01``
a Hessian of condition about 1e4 to 1e6 that no column scaling improves.
For each problem the table gives the probe's estimate
(``objective.curvature.sampled_condition``, what ``auto`` reads), its cost,
the CPU time of ``fit`` with ``solver="newton"`` and ``solver="lbfgs"`` at
their default tolerance (1e-10 on the gradient for both: equal accuracy),
median of ``--repeat``, one thread, and the same for ``auto`` (its pick,
and its time over the faster of the two).
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from typing import Any

import numpy as np
from tests.problems import collinear_data
from threadpoolctl import threadpool_limits

from logitron import LogisticRegression
from logitron.objective import LogisticObjective
from logitron.objective.curvature import sampled_condition


def softmax_collinear_data(
    n_samples: int, n_features: int, noise: float, n_classes: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``collinear_data``'s columns with labels from a softmax of
    ``(X - f) @ W - f``, ``W`` growing as ``1 / noise``."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_normal((n_samples, 1))
    X = factor + noise * rng.standard_normal((n_samples, n_features))
    weights = rng.standard_normal((n_features, n_classes)) * 2 / np.sqrt(n_features)
    raw = (X - factor) @ (weights / max(noise, 0.05)) - factor
    proba = np.exp(raw - raw.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    draws = rng.random((n_samples, 1))
    y = np.minimum((draws > np.cumsum(proba, axis=1)).sum(axis=1), n_classes - 1)
    return X, y


def probe(X: np.ndarray, y: np.ndarray, C: float) -> tuple[float, float]:
    """``(sampled condition, CPU seconds of the probe)``, as ``fit`` computes it."""
    classes, y_index = np.unique(y, return_inverse=True)
    objective = LogisticObjective.from_arrays(
        X, y_index.astype(np.float64), len(classes), np.ones(len(y)), C=C
    )
    start = time.process_time()
    condition = sampled_condition(
        objective.unit, objective.weight, objective.penalty.l2_strength
    )
    return condition, time.process_time() - start


def fit_seconds(solver: str, X: Any, y: Any, C: float, repeat: int) -> tuple[float, int, str]:
    """Median CPU seconds of ``fit``, its iterations and the solver that ran."""
    model = LogisticRegression(C=C, solver=solver, max_iter=5_000)
    model.fit(X[:300], y[:300])  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.process_time()
        model.fit(X, y)
        times.append(time.process_time() - start)
    return float(np.median(times)), int(model.n_iter_[0]), str(model.solver_)


GRID: list[tuple[int, int, int]] = [  # (rows, features, classes)
    (20_000, 20, 2), (20_000, 50, 2), (20_000, 100, 2), (20_000, 200, 2),
    (5_000, 50, 2), (100_000, 50, 2), (20_000, 20, 3), (20_000, 50, 3),
    (20_000, 20, 5), (20_000, 50, 5),
]
NOISES = [1.0, 0.3, 0.1, 0.01]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="one problem: rows (else the grid)")
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--classes", type=int, default=2)
    parser.add_argument("--noise", type=float, nargs="*", default=NOISES)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    shapes = GRID if args.rows is None else [(args.rows, args.features, args.classes)]
    warnings.simplefilter("ignore")  # collinearity warnings of the -noreg fits
    print("| rows x features | K | noise | C | sampled condition | probe (ms) "
          "| newton (s) | lbfgs (s) | lbfgs / newton | auto (s) | auto / faster |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    with threadpool_limits(1):
        for (rows, features, classes), noise, C in itertools.product(
            shapes, args.noise, [1.0, np.inf]
        ):
            X, y = (collinear_data(rows, features, noise) if classes == 2
                    else softmax_collinear_data(rows, features, noise, classes))
            condition, probe_seconds = probe(X, y, C)
            newton, newton_iter, _ = fit_seconds("newton", X, y, C, args.repeat)
            lbfgs, lbfgs_iter, _ = fit_seconds("lbfgs", X, y, C, args.repeat)
            auto, auto_iter, picked = fit_seconds("auto", X, y, C, args.repeat)
            print(f"| {rows:,} x {features} | {classes} | {noise:g} | {C:g} "
                  f"| {condition:.3g} | {probe_seconds * 1e3:.2f} "
                  f"| {newton:.4f} ({newton_iter}) | {lbfgs:.4f} ({lbfgs_iter}) "
                  f"| {lbfgs / newton:.2f} | {picked} {auto:.4f} ({auto_iter}) "
                  f"| {auto / min(newton, lbfgs):.2f} |", flush=True)


if __name__ == "__main__":
    main()
