"""``logitron summary``: what a model file holds, and its statistics table."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..firth_estimator import FirthLogisticRegression
from . import statistics_input, train_firth
from .errors import UsageError
from .model_input import CliModel
from .train_data import final_cost


def register(subparsers: Any) -> None:
    from . import options

    parser = subparsers.add_parser(
        "summary",
        help="print a model file's coefficients and statistics table",
        description=(
            "Describe a model file: how it was trained, then the statistics table "
            "(coefficients, standard errors, z, p-values, confidence intervals, "
            "log-likelihood, AIC, BIC). Standard errors exist only for unpenalised "
            "fits (train with --C inf); for penalised fits the coefficients are "
            "listed alone."
        ),
    )
    options.add_model_argument(parser)
    parser.add_argument(
        "--alpha", type=options.fraction, default=0.05,
        help="confidence intervals at level 1 - alpha (default: 0.05)",
    )
    parser.add_argument(
        "--odds-ratios", action="store_true",
        help="report exp(coef) and its interval (Stata's logit, or)",
    )
    parser.add_argument(
        "--data", type=Path, metavar="DATA",
        help="the training rows, needed by --cov-type HC2, HC3 and cluster",
    )
    statistics_input.add_covariance_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    statistics_input.check_summary_options(args)
    model = CliModel.load(args.model)
    estimator = model.estimator
    if isinstance(estimator, FirthLogisticRegression):
        _check_firth_options(args)
    print(describe(model))
    print()
    if isinstance(estimator, FirthLogisticRegression):
        print(train_firth.summary_text(estimator, args.alpha))
    elif getattr(estimator, "inference_", None) is not None:
        print(statistics_input.summary(model, args))
    else:
        print(coefficient_listing(model))
        print(
            "\nno standard errors: they need an unpenalised fit (train with --C inf)"
            if math.isfinite(float(estimator.C))
            else "\nno standard errors: the model file holds no statistics record"
        )
    if hasattr(model.model, "steps"):
        print("\ncoefficients are per standard deviation of each feature (standardized)")
    return 0


def _check_firth_options(args: argparse.Namespace) -> None:
    """Firth's summary comes from the model file alone, with its own covariance."""
    given = [flag for flag, value in [
        ("--odds-ratios", args.odds_ratios), ("--data", args.data),
        ("--cluster", args.cluster), ("--cov-type", args.cov_type != "nonrobust"),
    ] if value]
    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be used with a Firth model: its summary has "
            "the inverse penalised information and profile intervals only"
        )


def describe(model: CliModel) -> str:
    """Where the model came from, in a few lines."""
    training = model.training
    estimator = model.estimator
    lines = [f"model file   {model.path} (logitron {training.get('logitron_version', '?')}, "
             f"written {training.get('written_at', '?')})"]
    if "data_file" in training:
        lines.append(
            f"trained on   {training['data_file']}: {training.get('n_train', '?')} rows "
            f"(sha256 {str(training.get('data_sha256', '?'))[:16]}...)"
        )
    dropped = training.get("n_dropped_missing")
    if isinstance(dropped, int) and dropped > 0:
        lines.append(f"missing      {dropped} rows with missing values dropped (--missing drop)")
    target = model.default_target()
    if model.formula is not None:
        lines.append(f"formula      {model.formula}")
    elif target is not None:
        lines.append(f"target       {target}")
    lines.append(f"classes      {', '.join(map(str, model.classes))}")
    if isinstance(estimator, FirthLogisticRegression):
        lines.append(f"fit          {train_firth.fit_line(estimator)}")
        return "\n".join(lines)
    C = float(estimator.C)
    lines.append(
        f"fit          solver {estimator.solver_}, {int(np.max(estimator.n_iter_))} "
        f"iterations, C={'inf (unpenalised)' if math.isinf(C) else f'{C:g}'}, "
        f"l1_ratio={estimator.l1_ratio:g}, final cost {final_cost(estimator)}"
    )
    return "\n".join(lines)


def coefficient_listing(model: CliModel) -> str:
    estimator = model.estimator
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = [f"x{i + 1}" for i in range(estimator.coef_.shape[1])]
    terms = (["Intercept"] if estimator.fit_intercept else []) + [str(n) for n in names]
    rows = estimator.coef_
    heads = (
        [f"coef ({model.classes[1]})"] if len(rows) == 1
        else [f"coef ({label})" for label in model.classes]
    )
    width = max(map(len, terms))
    lines = [" " * width + "  " + "  ".join(head.rjust(14) for head in heads)]
    for position, term in enumerate(terms):
        if estimator.fit_intercept:
            values = estimator.intercept_ if position == 0 else rows[:, position - 1]
        else:
            values = rows[:, position]
        lines.append(term.ljust(width) + "  " + "  ".join(f"{v:14.6g}" for v in values))
    return "\n".join(lines)
