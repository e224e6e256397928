"""``logitron demo``: the classic recipe and Newton's method side by side on
scikit-learn's bundled breast-cancer data, with the learning curve as text."""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import options
from .textplot import line_plot

SOLVERS = ("gd", "newton")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="fit bundled data with gradient descent and Newton, compare them",
        description=(
            "Fit scikit-learn's bundled breast-cancer data (569 tumours, 30 "
            "features; standardised, then a held-out split) with the classic "
            "gradient-descent recipe (solver gd) and with Newton's method "
            "(solver newton), print a table of iterations, fit time, accuracy "
            "and log-loss, and draw the gd cost curve as text. Needs no "
            "arguments and no files."
        ),
    )
    parser.add_argument(
        "--test-size", type=options.fraction, default=0.25, metavar="FRACTION",
        help="share of the rows held out for testing (default: 0.25)",
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="random seed of the train/test split (default: 0)",
    )
    parser.add_argument(
        "--learning-rate", type=options.positive, default=0.1, metavar="RATE",
        help="step size of the gd solver (default: 0.1)",
    )
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class SolverRun:
    """One fitted model and what the table shows about it."""

    solver: str
    iterations: int
    fit_seconds: float
    train_accuracy: float
    test_accuracy: float
    test_log_loss: float
    loss_curve: list[float]
    model: Any


def run(args: argparse.Namespace) -> int:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=args.test_size,
        random_state=args.seed, stratify=data.target,
    )
    print(
        f"breast cancer data: {len(X_train)} training and {len(X_test)} test rows, "
        f"{data.data.shape[1]} standardised features; "
        f"P({data.target_names[1]}) = sigmoid(x @ coef + intercept)\n"
    )
    runs = [
        fit_one(solver, X_train, y_train, X_test, y_test, args.learning_rate)
        for solver in SOLVERS
    ]
    print(format_table(runs))
    gd = runs[0]
    print(f"\ncost of the gd run after each iteration (learning rate {args.learning_rate:g}):")
    print(line_plot(gd.loss_curve, x_label="iteration", y_label="cost"))
    newton = runs[1].model
    print(f"\nlargest newton coefficients (log-odds of {data.target_names[1]} per "
          "standard deviation):")
    print(top_coefficients(newton[-1].coef_[0], data.feature_names))
    print(f"\n{model_file_round_trip(newton, X_test)}")
    print("\nyour data next: logitron train DATA.csv --target COLUMN -o model.json "
          "(see logitron --help)")
    return 0


def top_coefficients(coef: Any, names: Any, count: int = 5) -> str:
    order = np.argsort(-np.abs(coef))[:count]
    width = max(len(str(names[i])) for i in order)
    return "\n".join(f"  {names[i]!s:<{width}}  {coef[i]:+.3f}" for i in order)


def model_file_round_trip(model: Any, X: Any) -> str:
    """Save to a model file, load it back, compare predictions bit for bit."""
    from ..io import load, save

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        save(model, path)
        size = path.stat().st_size
        same = np.array_equal(load(path).predict_proba(X), model.predict_proba(X))
    verdict = "bit-identical" if same else "DIFFERENT (please report this)"
    return (f"model file round trip: saved ({size / 1024:.1f} kB of JSON) and loaded "
            f"back; predicted probabilities on the {len(X)} test rows are {verdict}")


def fit_one(
    solver: str, X_train: Any, y_train: Any, X_test: Any, y_test: Any,
    learning_rate: float,
) -> SolverRun:
    """Standardise and fit with ``solver``; measure it on both splits."""
    from sklearn.metrics import log_loss
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..estimator import LogisticRegression

    model = make_pipeline(
        StandardScaler(), LogisticRegression(solver=solver, learning_rate=learning_rate)
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    neuron = model[-1]
    return SolverRun(
        solver=solver,
        iterations=int(neuron.n_iter_[0]),
        fit_seconds=fit_seconds,
        train_accuracy=float(model.score(X_train, y_train)),
        test_accuracy=float(model.score(X_test, y_test)),
        test_log_loss=float(log_loss(y_test, model.predict_proba(X_test))),
        loss_curve=list(neuron.loss_curve_),
        model=model,
    )


def format_table(runs: list[SolverRun]) -> str:
    header = ("solver", "iterations", "fit time", "train acc", "test acc", "test log-loss")
    rows = [
        (
            run.solver, str(run.iterations), f"{run.fit_seconds * 1e3:.1f} ms",
            f"{run.train_accuracy:.4f}", f"{run.test_accuracy:.4f}",
            f"{run.test_log_loss:.4f}",
        )
        for run in runs
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
             for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
