"""What ``logitron train`` fits on: the rows (the missing-value rule) and the
columns (text columns become categories).

Missing values follow one stated rule, the same as ``logit(missing=...)``
(see ``logitron._missing``): ``--missing drop`` (the default, as R's
``glm`` and statsmodels) fits on the complete rows and says how many it
dropped, on stdout, in the model file's metadata and in ``summary()``;
``--missing error`` refuses a file with an empty cell in a column the model
reads.

Text columns named as features are categories, as R's ``glm`` and
spreadsheet users expect: they are encoded by treatment contrasts against
their first level, exactly as ``C(column)`` in a formula, by fitting the
formula ``target ~ x1 + C(city) + ...``. The model file keeps the levels, and
``predict`` refuses a level the training data did not have. Boolean columns
enter as 0/1, which is the same treatment coding with False as reference.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .._missing import MISSING_CHOICES, describe_missing, incomplete_rows
from . import options, tables
from .errors import DataError, UsageError


def add_missing_argument(group: Any) -> None:
    group.add_argument(
        "--missing", choices=MISSING_CHOICES, default="drop",
        help="rows with an empty cell in a column the model reads: 'drop' fits on "
        "the complete rows and reports how many were dropped (default, as R and "
        "logitron.logit), 'error' refuses the file",
    )


def feature_columns(args: argparse.Namespace, path: Path, frame: Any, target: str) -> list[str]:
    """The ``--features`` columns, or every column but the target and weights."""
    if args.features:
        features = [name for group in args.features for name in group]
        if target in features:
            raise UsageError(f"--features includes the target column {target!r}")
        return features
    excluded = {target, args.sample_weight}
    features = [str(name) for name in frame.columns if name not in excluded]
    if not features:
        raise DataError(f"{path}: no feature columns besides the target {target!r}")
    return features


def read_columns(args: argparse.Namespace, path: Path, frame: Any, target: str) -> list[str]:
    """Every column of ``frame`` the model will read: the target, the
    features (or the formula's variables) and the weights."""
    if args.formula is not None:
        from .._formula_codec import data_variables

        columns = sorted(data_variables(args.formula))
    else:
        columns = feature_columns(args, path, frame, target)
    return [name for name in [target, *columns, args.sample_weight]
            if name is not None and name in frame.columns]


def apply_missing_rule(
    args: argparse.Namespace, path: Path, frame: Any, target: str
) -> tuple[Any, int]:
    """``frame`` without its incomplete rows under ``--missing drop`` (and
    the number dropped); unchanged under ``--missing error``, whose checks
    come later, column by column, with the line of the first gap."""
    if args.missing == "error":
        return frame, 0
    columns = read_columns(args, path, frame, target)
    incomplete = incomplete_rows(frame, columns)
    n_dropped = int(incomplete.sum())
    if n_dropped == len(frame):
        where = describe_missing(frame, columns)
        raise DataError(f"{path}: every row has a missing value ({where})")
    if n_dropped:
        print(f"dropped {n_dropped} of {len(frame)} rows with missing values "
              f"({describe_missing(frame, columns)})")
    return frame.loc[~incomplete], n_dropped


def categorical_columns(frame: Any, features: list[str]) -> list[str]:
    """Features holding text (or pandas categories): the ones to encode."""
    pd = tables.pandas()
    return [
        name for name in features
        if name in frame.columns
        and not pd.api.types.is_bool_dtype(frame[name])
        and not pd.api.types.is_numeric_dtype(frame[name])
    ]


def features_formula(
    target: str, features: list[str], categorical: list[str], *,
    standardize: bool, intercept: bool,
) -> str:
    """``target ~ x1 + C(city)``: the formula that fits ``features`` with
    each of ``categorical`` as a category (and ``scale(x)`` for the others
    under ``--standardize``)."""
    terms = []
    for name in features:
        column = quote(name)
        if name in categorical:
            terms.append(f"C({column})")
        else:
            terms.append(f"scale({column})" if standardize else column)
    return f"{quote(target)} ~ {'' if intercept else '0 + '}{' + '.join(terms)}"


def quote(name: str) -> str:
    """A column name as a formula reads it: backticks unless a plain name."""
    if name.isidentifier():
        return name
    if "`" in name:
        raise DataError(f"column name {name!r} contains a backtick; rename the column")
    return f"`{name}`"


def final_cost(estimator: Any, style: str = ".6g") -> str:
    """The last cost the solver recorded; "n/a" when it stopped before its
    first step (e.g. a zero gradient at the start)."""
    curve = list(getattr(estimator, "loss_curve_", []) or [])
    return format(float(curve[-1]), style) if curve else "n/a"


def final_progress_line(estimator: Any) -> str:
    """The progress display's last line, from the fitted model itself, so it
    ends on the iteration count and cost the closing summary line reports
    (the solvers print each iteration before their last convergence check)."""
    iterations = int(np.asarray(estimator.n_iter_).max())
    return (f"[{estimator.solver_}] iter {iterations:5d}  cost "
            f"{final_cost(estimator, '.10f')}  (done)\n")


def class_weight_option(text: str) -> str | dict[str, float]:
    """``--class-weight``: 'balanced' or LABEL=WEIGHT pairs."""
    if text == "balanced":
        return text
    weights: dict[str, float] = {}
    for part in text.split(","):
        label, _, value = part.partition("=")
        if not label.strip() or not value:
            raise argparse.ArgumentTypeError(
                f"expected 'balanced' or LABEL=WEIGHT pairs such as 'yes=3,no=1', got {text!r}"
            )
        weights[label.strip()] = options.positive(value)
    return weights


def resolve_class_weight(given: Any, y: np.ndarray) -> Any:
    """Labels typed on the command line are text; match them to the labels
    in the data by their text."""
    if not isinstance(given, dict):
        return given
    by_text = {str(label): label for label in np.unique(y)}
    unknown = sorted(set(given) - set(by_text))
    if unknown:
        raise UsageError(
            f"--class-weight names label(s) {', '.join(unknown)} not in the target "
            f"(labels: {', '.join(by_text)})"
        )
    return {by_text[text]: weight for text, weight in given.items()}
