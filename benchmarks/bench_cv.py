"""Cross-validated C: logitron's LogisticRegressionCV against scikit-learn's.

Both run side by side in one process with the same BLAS threads
(threadpoolctl), the same folds (``StratifiedKFold(5)``), the same grid and
``scoring="neg_log_loss"``, folds fitted one after the other (``n_jobs=None``).

Two comparisons per problem:

* **defaults** -- each library as a user gets it (scikit-learn: lbfgs,
  tol=1e-4, max_iter=100, or saga for an L1 grid; logitron: solver="auto").
* **equal accuracy** -- every solver scikit-learn offers for the penalty, at
  tolerances tightened step by step; the fastest configuration whose CV
  scores all lie within 1e-6 of the exact ones is the one compared.

"score error" is ``max |scores_ - exact scores_|`` over folds and ``Cs``, the
exact scores coming from logitron at tol=1e-12 (they agree with
scikit-learn's newton-cholesky at tol=1e-12 to 1e-9). Times are CPU seconds
(``time.process_time``), the fastest of repeated fits for fits under half a
second (``harness.fastest_fit_seconds``); ratio = logitron / scikit-learn.

Usage (from the repository root)::

    PYTHONPATH=src python -m benchmarks.bench_cv
    PYTHONPATH=src python -m benchmarks.bench_cv --problems digits --threads 2
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from logitron import LogisticRegressionCV

from .harness import fastest_fit_seconds, machine_line, selected, selection_arguments, standardised

ACCURACY = 1e-6
TOLERANCES = [1e-4, 1e-6, 1e-8, 1e-10]


@dataclass(frozen=True)
class Problem:
    name: str
    make: Callable[[], tuple[np.ndarray, np.ndarray]]
    l1_ratio: float = 0.0


def _dense(n_samples: int, n_features: int, n_classes: int, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    raw = X @ rng.standard_normal((n_features, n_classes)) * 0.5
    y = (raw + rng.gumbel(size=raw.shape)).argmax(axis=1)
    return X, y


PROBLEMS = [
    Problem("breast_cancer", partial(standardised, load_breast_cancer)),
    Problem("digits (10 classes)", partial(standardised, load_digits)),
    Problem("dense 20k x 50", partial(_dense, 20_000, 50, 2, 0)),
    Problem("breast_cancer, L1 grid", partial(standardised, load_breast_cancer), 1.0),
]


@dataclass
class Outcome:
    label: str
    seconds: float
    C: float
    score_error: float


def timed(label: str, model: Any, X: Any, y: Any, exact: np.ndarray) -> Outcome:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seconds = fastest_fit_seconds(model, X, y)
    scores = np.asarray(model.scores_).reshape(exact.shape)
    C = float(np.ravel(model.C_)[0])
    return Outcome(label, seconds, C, float(np.max(np.abs(scores - exact))))


def sklearn_cv(problem: Problem, Cs: int, solver: str | None, tol: float | None) -> Any:
    params: dict[str, Any] = {
        "Cs": Cs,
        "cv": StratifiedKFold(5),
        "l1_ratios": (problem.l1_ratio,),
        "scoring": "neg_log_loss",
        "use_legacy_attributes": False,
    }
    if solver is not None:
        params.update(solver=solver, tol=tol, max_iter=100_000)
    elif problem.l1_ratio > 0:
        params.update(solver="saga")
    return SkLogisticRegressionCV(**params)


def ours_cv(problem: Problem, Cs: int, tol: float | None) -> LogisticRegressionCV:
    return LogisticRegressionCV(
        Cs=Cs,
        cv=StratifiedKFold(5),
        l1_ratios=(problem.l1_ratio,),
        scoring="neg_log_loss",
        use_legacy_attributes=False,
        tol=tol,
        max_iter=None if tol is None else 10_000,
    )


def run(problem: Problem, Cs: int, budget: float) -> list[tuple[str, ...]]:
    X, y = problem.make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exact = ours_cv(problem, Cs, 1e-12).fit(X, y).scores_
    rows = []
    # defaults
    ours = timed("logitron (auto)", ours_cv(problem, Cs, None), X, y, exact)
    theirs_label = "saga" if problem.l1_ratio > 0 else "lbfgs"
    theirs = timed(
        f"sklearn ({theirs_label}, tol=1e-4)",
        sklearn_cv(problem, Cs, None, None),
        X,
        y,
        exact,
    )
    rows.append(_row(problem.name, "defaults", ours, theirs))
    # equal accuracy
    best_ours = _first_accurate(
        [(f"logitron (auto, tol={t:g})", ours_cv(problem, Cs, t)) for t in TOLERANCES],
        X,
        y,
        exact,
        budget,
    )
    solvers = ["saga"] if problem.l1_ratio > 0 else ["lbfgs", "newton-cholesky"]
    accurate = [
        _first_accurate(
            [
                (f"sklearn ({s}, tol={t:g})", sklearn_cv(problem, Cs, s, t))
                for t in TOLERANCES
            ],
            X,
            y,
            exact,
            budget,
        )
        for s in solvers
    ]
    best_theirs = min(accurate, key=lambda o: o.seconds)
    rows.append(
        _row(problem.name, f"scores within {ACCURACY:g}", best_ours, best_theirs)
    )
    return rows


def _first_accurate(
    configurations: list[tuple[str, Any]],
    X: Any,
    y: Any,
    exact: np.ndarray,
    budget: float,
) -> Outcome:
    """The first configuration (tolerances loosest first) accurate enough."""
    outcome = Outcome("none", np.inf, np.nan, np.inf)
    for label, model in configurations:
        outcome = timed(label, model, X, y, exact)
        if outcome.score_error <= ACCURACY or outcome.seconds > budget:
            return outcome
    return outcome


def _row(name: str, setting: str, ours: Outcome, theirs: Outcome) -> tuple[str, ...]:
    return (
        name,
        setting,
        ours.label,
        f"{ours.seconds:.2f}",
        f"{ours.score_error:.1e}",
        f"{ours.C:.4g}",
        theirs.label,
        f"{theirs.seconds:.2f}",
        f"{theirs.score_error:.1e}",
        f"{theirs.C:.4g}",
        f"{ours.seconds / theirs.seconds:.2f}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--Cs", type=int, default=10, help="grid size")
    selection_arguments(parser, budget=120.0)
    args = parser.parse_args()
    problems = selected(PROBLEMS, args.problems)
    print("# LogisticRegressionCV benchmark")
    print(
        f"{machine_line(args.threads)}; Cs={args.Cs}, 5 stratified folds, "
        "neg_log_loss; CPU seconds; ratio = logitron / scikit-learn.\n"
    )
    print(
        "| problem | setting | logitron | s | score error | C_ "
        "| scikit-learn | s | score error | C_ | ratio |"
    )
    print("|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|")
    with threadpool_limits(limits=args.threads):
        for problem in problems:
            for row in run(problem, args.Cs, args.budget):
                print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
