"""L1 and elastic net: logitron against scikit-learn's saga and liblinear.

Every solver is run side by side in one process with the same BLAS threads
(threadpoolctl), on the same objective::

    C * sum_i logloss_i + (1 - r)/2 ||coef||^2 + r ||coef||_1

For each solver the tolerance is tightened step by step until the relative
objective gap ``(F - F*) / F*`` is at most the target (1e-8 by default),
or a run exceeds the time budget or its iteration cap; ``F*`` is the lowest
objective any run reached, including a reference fit of logitron's proximal
Newton at tol=1e-13. The reported time is the CPU time
of the fastest run that reached the target (``time.process_time``: with one
thread it is the solver's own work, robust to other load on the machine);
"> t" means no tolerance reached it within the time budget.

liblinear penalises the intercept, so problems compared with it are fitted
without one (centred features); liblinear fits neither elastic net nor
softmax, so those rows compare with saga alone.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/bench_l1.py            # all problems
    PYTHONPATH=src python benchmarks/bench_l1.py --quick    # the small ones
    PYTHONPATH=src python benchmarks/bench_l1.py --threads 2 --budget 60
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from logitron import LogisticRegression

TOLERANCES = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12]


@dataclass(frozen=True)
class Problem:
    name: str
    make: Callable[[], tuple[Any, np.ndarray]]
    C: float
    l1_ratio: float
    fit_intercept: bool
    quick: bool = False


def _sparse_truth(
    n_samples: int, n_features: int, n_informative: int, n_classes: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    truth = np.zeros((n_features, n_classes))
    truth[:n_informative] = rng.standard_normal((n_informative, n_classes))
    raw = X @ truth + rng.gumbel(size=(n_samples, n_classes))
    return X, raw.argmax(axis=1)


def _sparse_text_like(
    n_samples: int, n_features: int, density: float, seed: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = sp.random(
        n_samples,
        n_features,
        density=density,
        format="csr",
        random_state=seed,
        data_rvs=lambda k: rng.exponential(size=k),
    )
    truth = np.zeros(n_features)
    informative = rng.choice(n_features, size=n_features // 50, replace=False)
    truth[informative] = rng.standard_normal(len(informative)) * 3
    raw = X @ truth - np.median(X @ truth) + rng.logistic(size=n_samples)
    return X.astype(np.float64), (raw > 0).astype(np.intp)


def _standardised(loader: Callable[..., Any]) -> tuple[np.ndarray, np.ndarray]:
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


PROBLEMS = [
    Problem(
        "breast_cancer, L1",
        lambda: _standardised(load_breast_cancer),
        C=0.5,
        l1_ratio=1.0,
        fit_intercept=False,
        quick=True,
    ),
    Problem(
        "dense 20k x 200, L1",
        lambda: _sparse_truth(20_000, 200, 20, 2, 0),
        C=0.01,
        l1_ratio=1.0,
        fit_intercept=False,
        quick=True,
    ),
    Problem(
        "dense 100k x 20, L1",
        lambda: _sparse_truth(100_000, 20, 8, 2, 1),
        C=0.01,
        l1_ratio=1.0,
        fit_intercept=False,
    ),
    Problem(
        "dense 2k x 5k (p > n), L1",
        lambda: _sparse_truth(2_000, 5_000, 30, 2, 2),
        C=0.1,
        l1_ratio=1.0,
        fit_intercept=False,
    ),
    Problem(
        "sparse 50k x 10k (0.2%), L1",
        lambda: _sparse_text_like(50_000, 10_000, 0.002, 3),
        C=1.0,
        l1_ratio=1.0,
        fit_intercept=False,
    ),
    Problem(
        "dense 20k x 200, elastic net 0.5",
        lambda: _sparse_truth(20_000, 200, 20, 2, 4),
        C=0.01,
        l1_ratio=0.5,
        fit_intercept=True,
        quick=True,
    ),
    Problem(
        "digits (10 classes), L1",
        lambda: _standardised(load_digits),
        C=0.1,
        l1_ratio=1.0,
        fit_intercept=True,
        quick=True,
    ),
    Problem(
        "dense 20k x 50, 5 classes, L1",
        lambda: _sparse_truth(20_000, 50, 10, 5, 5),
        C=0.05,
        l1_ratio=1.0,
        fit_intercept=True,
    ),
]


def objective(model: Any, X: Any, y: np.ndarray, problem: Problem) -> float:
    """scikit-learn's objective of a fitted model (either library's)."""
    log_proba = model.predict_log_proba(X)
    index = np.searchsorted(model.classes_, y)
    data_term = -np.sum(log_proba[np.arange(len(y)), index])
    coef = np.asarray(model.coef_, dtype=np.float64)
    r = problem.l1_ratio
    penalty = 0.5 * (1 - r) * np.sum(coef**2) + r * np.sum(np.abs(coef))
    return float(problem.C * data_term + penalty)


def candidates(
    problem: Problem, n_classes: int
) -> list[tuple[str, Callable[[float], Any]]]:
    common: dict[str, Any] = {
        "C": problem.C,
        "l1_ratio": problem.l1_ratio,
        "fit_intercept": problem.fit_intercept,
    }
    fitters: list[tuple[str, Callable[[float], Any]]] = [
        (
            "logitron prox-newton",
            lambda tol: LogisticRegression(
                **common, solver="prox-newton", tol=tol, max_iter=10_000
            ),
        ),
        (
            "logitron fista",
            lambda tol: LogisticRegression(
                **common, solver="fista", tol=tol, max_iter=100_000
            ),
        ),
        (
            "sklearn saga",
            lambda tol: SkLogisticRegression(
                **common, solver="saga", tol=tol, max_iter=20_000
            ),
        ),
    ]
    if problem.l1_ratio in (0.0, 1.0) and n_classes == 2 and not problem.fit_intercept:
        fitters.append(
            (
                "sklearn liblinear",
                lambda tol: SkLogisticRegression(
                    **common, solver="liblinear", tol=tol, max_iter=1_000_000
                ),
            )
        )
    return fitters


@dataclass
class Attempt:
    solver: str
    tol: float
    seconds: float
    value: float
    nonzero: int


def run_problem(
    problem: Problem, budget: float, target: float
) -> tuple[list[Attempt], float]:
    X, y = problem.make()
    n_classes = len(np.unique(y))
    reference = LogisticRegression(
        C=problem.C,
        l1_ratio=problem.l1_ratio,
        fit_intercept=problem.fit_intercept,
        solver="prox-newton",
        tol=1e-13,
        max_iter=10_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        best = objective(reference.fit(X, y), X, y, problem)
    attempts: list[Attempt] = []
    for label, make_model in candidates(problem, n_classes):
        for tol in TOLERANCES:
            model = make_model(tol)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.process_time()
                model.fit(X, y)
                seconds = time.process_time() - start
            value = objective(model, X, y, problem)
            print(
                f"  {problem.name}: {label} tol={tol:g} {seconds:.3f}s F={value:.12g}",
                file=sys.stderr,
                flush=True,
            )
            attempts.append(
                Attempt(label, tol, seconds, value, int(np.count_nonzero(model.coef_)))
            )
            capped = int(np.max(model.n_iter_)) >= model.max_iter
            if (value - best) / abs(best) <= target or seconds > budget or capped:
                break
    return attempts, min(best, *(a.value for a in attempts))


def summarise(
    problem: Problem, attempts: list[Attempt], best: float, target: float
) -> list[tuple[str, ...]]:
    rows = []
    times: dict[str, float] = {}
    for label in dict.fromkeys(a.solver for a in attempts):
        mine = [a for a in attempts if a.solver == label]
        gaps = [(a.value - best) / abs(best) for a in mine]
        reached = [a for a, gap in zip(mine, gaps, strict=True) if gap <= target]
        if reached:
            fastest = min(reached, key=lambda a: a.seconds)
            gap = (fastest.value - best) / abs(best)
            times[label] = fastest.seconds
            rows.append(
                (
                    label,
                    f"{fastest.seconds:.3f}",
                    f"{gap:.1e}",
                    f"{fastest.tol:g}",
                    str(fastest.nonzero),
                )
            )
        else:
            closest = min(mine, key=lambda a: a.value)
            gap = (closest.value - best) / abs(best)
            times[label] = np.inf
            rows.append(
                (
                    label,
                    f"> {max(a.seconds for a in mine):.1f}",
                    f"{gap:.1e}",
                    f"{closest.tol:g}",
                    str(closest.nonzero),
                )
            )
    ours = times["logitron prox-newton"]
    theirs = min(t for label, t in times.items() if label.startswith("sklearn"))
    ratio = "n/a" if not np.isfinite(theirs) else f"{ours / theirs:.3f}"
    return [(problem.name, *row, ratio if i == 0 else "") for i, row in enumerate(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small problems only")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for all")
    parser.add_argument("--target", type=float, default=1e-8, help="relative gap")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="stop tightening a solver's tol after a run this long (s)",
    )
    parser.add_argument("--problems", default="", help="comma-separated name prefixes")
    args = parser.parse_args()
    problems = [p for p in PROBLEMS if p.quick or not args.quick]
    if args.problems:
        prefixes = [s.strip() for s in args.problems.split(",")]
        problems = [p for p in problems if any(p.name.startswith(s) for s in prefixes)]
    print(f"# L1 / elastic-net benchmark, {datetime.date.today()}")
    print(
        f"{platform.processor() or platform.machine()}, {args.threads} BLAS thread(s), "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}; CPU seconds to "
        f"a relative objective gap <= {args.target:g}; ratio = logitron prox-newton / "
        "fastest scikit-learn solver.\n"
    )
    print("| problem | solver | seconds | gap | tol | nonzero | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with threadpool_limits(limits=args.threads):
        for problem in problems:
            attempts, best = run_problem(problem, args.budget, args.target)
            for row in summarise(problem, attempts, best, args.target):
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
