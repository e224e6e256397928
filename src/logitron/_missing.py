"""Rows with missing values: one rule for the formula interface and the
command line.

The caller chooses, explicitly, what a missing value means::

    missing="error"   refuse the data, naming the column and the count
    missing="drop"    fit on the complete rows, and report how many were
                      dropped (in the output and in ``summary()``, as R does)

"Complete" is judged on the columns the model reads: the response, the
features (or the formula's variables) and the weights. The default is
``"drop"`` everywhere (``logit`` and ``logitron train``), as in R's ``glm``
and statsmodels; a fitted model's ``summary()`` says how many rows went.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _lazy_record

MISSING_CHOICES = ("drop", "error")


def check_missing_choice(missing: str) -> None:
    """ValueError unless ``missing`` is one of ``MISSING_CHOICES``."""
    if missing not in MISSING_CHOICES:
        raise ValueError(
            f"missing must be 'drop' or 'error', got {missing!r}"
        )


def incomplete_rows(frame: Any, columns: Sequence[str]) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` missing a value in ``columns``
    (those of ``columns`` that ``frame`` has)."""
    present = [name for name in columns if name in frame.columns]
    if not present:
        return np.zeros(len(frame), dtype=bool)
    return np.asarray(frame[present].isna().any(axis=1).to_numpy(), dtype=bool)


def describe_missing(frame: Any, columns: Sequence[str]) -> str:
    """``"column 'x': 2, column 'z': 1"``: the missing count of each column
    of ``columns`` that has any."""
    parts = []
    for name in columns:
        if name in frame.columns:
            count = int(frame[name].isna().sum())
            if count:
                parts.append(f"column {name!r}: {count}")
    return ", ".join(parts)


def record_dropped(estimator: Any, n_dropped: int) -> None:
    """Store ``n_dropped`` in the estimator's inference record (when it has
    one), so ``summary()`` reports it and a model file keeps it."""
    # A record not computed yet takes the change when it is (_lazy_record).
    _lazy_record.revise(estimator, n_dropped=int(n_dropped))
