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

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import (
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
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
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
