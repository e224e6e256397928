"""``logitron train --firth``: Firth's penalised-likelihood fit
(``FirthLogisticRegression``) instead of the penalised one, and its summary.

Firth's fit has no ``C``, ``l1_ratio``, solver, learning rate, class weights
or random start, so those options are refused with it rather than ignored.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..firth_estimator import FirthLogisticRegression
from ..formula import FormulaTerms
from .errors import DataError, UsageError
from .model_input import formula_functions

#: Options of the penalised fit that Firth's fit has no use for.
_EXCLUDED = (
    ("C", "--C"), ("l1_ratio", "--l1-ratio"), ("solver", "--solver"),
    ("learning_rate", "--learning-rate"), ("class_weight", "--class-weight"),
    ("random_state", "--random-state"),
)


def add_arguments(group: Any) -> None:
    """``--firth`` and ``--correction`` in the estimator's option group."""
    group.add_argument(
        "--firth", action="store_true",
        help="fit by Firth's penalised likelihood (FirthLogisticRegression): finite "
        "estimates even when the classes are separated, and profile intervals in "
        "'logitron summary'; excludes --C, --l1-ratio, --solver, --learning-rate, "
        "--class-weight, --random-state",
    )
    group.add_argument(
        "--correction", choices=["flic", "flac"],
        help="with --firth: Puhr et al.'s intercept correction, so the mean "
        "predicted probability equals the event rate",
    )


def check_usage(args: argparse.Namespace) -> None:
    """One-line usage errors for options that do not go with ``--firth``."""
    if not args.firth:
        if args.correction is not None:
            raise UsageError("--correction is an option of --firth")
        return
    given = [flag for name, flag in _EXCLUDED if getattr(args, name) is not None]
    if given:
        raise UsageError(
            f"--firth cannot be combined with {', '.join(given)}: Firth's penalised "
            "likelihood has no penalty strength, solver choice or class weights"
        )
    if args.correction is not None and args.no_intercept:
        raise UsageError("--correction corrects the intercept; drop --no-intercept")


def estimator(args: argparse.Namespace, fit_intercept: bool) -> FirthLogisticRegression:
    """The unfitted Firth estimator the options describe."""
    params: dict[str, Any] = {"fit_intercept": fit_intercept, "correction": args.correction}
    if args.tol is not None:
        params["tol"] = args.tol
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    return FirthLogisticRegression(**params)


def fit_formula(args: argparse.Namespace, formula: str, frame: Any, weight: Any) -> Any:
    """The Firth fit of a formula: formulaic's design (as ``logit`` builds
    it, rows with missing values dropped or refused), then ``fit``."""
    formula_functions()  # a clear error when formulaic is missing
    try:
        terms = FormulaTerms.of(formula, frame.reset_index(drop=True), args.missing)
        kept_weight = None if weight is None else weight[terms.kept]
        model = estimator(args, terms.fit_intercept)
        model.fit(terms.design, terms.y, sample_weight=kept_weight)
    except (ValueError, TypeError, KeyError, NameError) as error:
        raise DataError(f"{args.data}: cannot fit {formula!r}: {error}") from None
    model.formula_ = formula
    model.model_spec_ = terms.spec
    return model


def fit_line(estimator: Any) -> str:
    """What ``train`` and ``summary`` say about the fit."""
    correction = estimator.correction or "none"
    return (
        f"Firth's penalised likelihood, {int(estimator.n_iter_.max())} iterations, "
        f"correction {correction}, penalised log-likelihood "
        f"{estimator.penalised_loglik_:.6g}"
    )


def summary_text(estimator: Any, alpha: float) -> str:
    """The Firth summary for ``logitron summary``: profile penalised-likelihood
    intervals where the model file holds them (two classes, 95%), else Wald."""
    level = 1 - alpha
    try:
        return str(estimator.summary(level=level))
    except ValueError as error:
        note = f"({error})".replace("summary(method='wald')", "Wald intervals below")
        return f"{note}\n{estimator.summary(level=level, method='wald')}"


def refuse_firth_model(estimator: Any, what: str) -> None:
    """A one-line usage error where a command needs the ordinary fit's record."""
    if isinstance(estimator, FirthLogisticRegression):
        raise UsageError(
            f"{what} is not available for a Firth model (train --firth); "
            "'logitron summary' prints its statistics"
        )
