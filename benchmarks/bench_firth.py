"""Firth's fit against an ordinary Newton fit of the same data.

The issue's target: a Firth fit of 1e5 x 50 costs at most 3x an ordinary
Newton fit (``LogisticRegression(C=np.inf, solver="newton")``, its default
tolerance). Per iteration Firth's scoring step needs the information
``D.T @ diag(w) @ D`` like Newton, plus the hat values, one triangular solve
with ``D.T`` (another ``n * m**2``); its step halvings re-evaluate both.
Reported: CPU seconds of ``fit`` (``time.process_time``, one BLAS thread,
the fastest of ``--repeat`` fits), iterations, and the ratio.

Usage (from the repository root)::

    PYTHONPATH=src python -m benchmarks.bench_firth
    PYTHONPATH=src python -m benchmarks.bench_firth --n 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from logitron import FirthLogisticRegression, LogisticRegression


def make_data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal features, coefficients N(0, 0.3^2), intercept -1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    z = X @ rng.normal(0.0, 0.3, d) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def fastest(model: Any, X: np.ndarray, y: np.ndarray, repeat: int) -> float:
    """Fastest CPU time of ``repeat`` fits."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        model.fit(X, y)
        times.append(time.process_time() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    X, y = make_data(args.n, args.d)
    newton = LogisticRegression(C=np.inf, solver="newton")
    firth = FirthLogisticRegression()
    with threadpool_limits(limits=args.threads):
        newton_seconds = fastest(newton, X, y, args.repeat)
        firth_seconds = fastest(firth, X, y, args.repeat)
    gap = np.max(np.abs(firth.coef_ - newton.coef_))
    print(f"{args.n} x {args.d}, {args.threads} thread(s), fastest of {args.repeat}")
    print(f"newton  {newton_seconds:8.3f} s  {int(newton.n_iter_[0]):3d} iterations")
    print(f"firth   {firth_seconds:8.3f} s  {int(firth.n_iter_[0]):3d} iterations")
    print(f"ratio   {firth_seconds / newton_seconds:8.2f}   (target <= 3)")
    print(f"largest |firth - mle| coefficient difference: {gap:.2e}")


if __name__ == "__main__":
    main()
