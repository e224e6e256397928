"""The estimator's hyper-parameters, checked by scikit-learn's own machinery.

``PARAMETER_CONSTRAINTS`` is the ``_parameter_constraints`` dict scikit-learn
estimators declare (``sklearn.utils._param_validation``): one entry per
constructor argument, so a new argument adds one line. A violation raises
scikit-learn's ``InvalidParameterError`` (a ``ValueError`` and a
``TypeError``) with its usual message, e.g.::

    The 'fit_intercept' parameter of LogisticRegression must be an instance
    of 'bool' or an instance of 'numpy.bool'. Got 0.5 instead.

Intervals open at infinity exclude it (``tol=np.inf`` is refused);
``C=np.inf``, no penalty, is allowed explicitly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)


def parameter_constraints(solver_names: list[str]) -> dict[str, list[Any]]:
    """The constraints of ``LogisticRegression``'s constructor arguments."""
    return {
        # Interval(..., None) stops short of inf; C=np.inf (no penalty) is meant.
        "C": [Interval(Real, 0, None, closed="neither"), Options(Real, {np.inf})],
        # None is scikit-learn 1.9's deprecated spelling of 0 (see _sklearn_params).
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", *solver_names})],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        # max_iter=0 returns the starting point, as scikit-learn does.
        "max_iter": [Interval(Integral, 0, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        # scikit-learn 1.9's own (see _sklearn_params): their meaning and
        # deprecations are checked there, their types here.
        "penalty": [StrOptions({"l1", "l2", "elasticnet", "deprecated"}), None],
        "dual": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
    }


def cv_parameter_constraints(solver_names: list[str]) -> dict[str, list[Any]]:
    """The constraints of ``LogisticRegressionCV``'s constructor arguments:
    ``LogisticRegression``'s but ``C``, ``l1_ratio`` and ``warm_start``, and
    the grid's own, as scikit-learn 1.9 declares them. ``"warn"`` is the
    hidden value of its transitional defaults (see ``logitron._sklearn_cv``).
    """
    constraints = parameter_constraints(solver_names)
    for name in ("C", "l1_ratio", "warm_start"):
        del constraints[name]
    warn = Hidden(StrOptions({"warn"}))
    constraints.update(
        {
            "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
            "l1_ratios": ["array-like", None, warn],
            "cv": ["cv_object"],
            "scoring": [StrOptions(set(get_scorer_names())), callable, None, warn],
            "refit": ["boolean"],
            "penalty": [
                StrOptions({"l1", "l2", "elasticnet"}),
                Hidden(StrOptions({"deprecated"})),
            ],
            "use_legacy_attributes": ["boolean", warn],
        }
    )
    return constraints


def check(estimator: Any, constraints: dict[str, list[Any]]) -> None:
    """Validate the estimator's parameters named in ``constraints``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, what it must be and what it got.
    """
    name = type(estimator).__name__
    params = {key: getattr(estimator, key) for key in constraints if hasattr(estimator, key)}
    validate_parameter_constraints(constraints, params, caller_name=name)


def check_estimator(estimator: Any, solver_names: Sequence[str]) -> None:
    """``check`` against ``parameter_constraints(solver_names)``, skipped for
    parameter values that passed it before.

    The check costs about 160 us a call (a tenth of a fit on tiny data, and
    a grid search calls it on every fit); its verdict is a function of the
    values and their types, so values that passed once pass again. Only
    plain values are remembered (None, bool, int, float, str: hashable, and
    the type in the key keeps ``True`` apart from ``1``); a dict, an array
    or a random generator is checked every time.
    """
    names = tuple(solver_names)
    constraints = _estimator_constraints(names)
    params = {key: getattr(estimator, key) for key in constraints if hasattr(estimator, key)}
    key = _plain_key(type(estimator), names, params)
    if key is not None and key in _PASSED:
        return
    validate_parameter_constraints(
        constraints, params, caller_name=type(estimator).__name__
    )
    if key is not None:
        if len(_PASSED) >= _PASSED_LIMIT:
            _PASSED.clear()
        _PASSED.add(key)


#: Parameter values that passed ``check_estimator`` (keys of ``_plain_key``).
_PASSED: set[tuple[Any, ...]] = set()
_PASSED_LIMIT = 1024
_PLAIN_TYPES = (type(None), bool, int, float, str)


@functools.lru_cache(maxsize=8)
def _estimator_constraints(solver_names: tuple[str, ...]) -> dict[str, list[Any]]:
    # Shared between calls: validate_parameter_constraints only reads it.
    return parameter_constraints(list(solver_names))


def _plain_key(
    estimator_type: type, solver_names: tuple[str, ...], params: dict[str, Any]
) -> tuple[Any, ...] | None:
    """A hashable key of the parameters, or None when one is not plain."""
    items = []
    for name, value in params.items():
        if type(value) not in _PLAIN_TYPES:
            return None
        items.append((name, type(value), value))
    return (estimator_type, solver_names, *items)
