"""The fit of checked device arrays: ``fitting.fit_arrays`` for an array-API
``X`` (torch, CuPy, array-api-strict under ``array_api_dispatch=True``).

Which solvers run here: the smooth ones, whose only n-sized work is the
objective's (``DEVICE_SOLVERS``). The proximal solvers (an L1 term) read
columns of ``X`` and a working-set Hessian in NumPy, so ``l1_ratio > 0`` is
fitted on NumPy input only; so are sparse ``X`` (no array-API sparse
format), ``offset=`` and scikit-learn's liblinear problem (a penalised
intercept is a column appended to ``X``). Each raises a ``ValueError`` or
``NotImplementedError`` that names the NumPy way out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import fitting
from .._numerics import FloatArray
from .objective import NamespaceObjective

#: The registered solvers that fit device arrays; "auto" picks among them.
DEVICE_SOLVERS = ("lbfgs", "newton", "newton-cg", "gd")

_NUMPY_ONLY = (
    "{what} is fitted on NumPy input only; with array_api_dispatch=True and a "
    "{library} X, {fix}."
)


def library_name(xp: Any) -> str:
    """The array library behind a (compat-wrapped) namespace, for messages."""
    return str(xp.__name__).replace("array_api_compat.", "")


def check_supported(xp: Any, settings: fitting.FitSettings) -> None:
    """A clear error for what the device path does not fit."""
    if settings.has_l1:
        raise ValueError(_NUMPY_ONLY.format(
            what=f"An L1 term (l1_ratio={settings.l1_ratio})", library=library_name(xp),
            fix="use l1_ratio=0, or pass X as a NumPy array (e.g. X.cpu().numpy())",
        ))
    if settings.solver not in ("auto", *DEVICE_SOLVERS):
        raise ValueError(_NUMPY_ONLY.format(
            what=f"solver={settings.solver!r}", library=library_name(xp),
            fix=f"use one of {('auto', *DEVICE_SOLVERS)}, or pass X as a NumPy array",
        ))


def one_hot(y_index: np.ndarray, n_classes: int) -> FloatArray:
    """Targets as the (n, K) matrix the device loss takes: the {0, 1} column
    for two classes, one-hot rows otherwise."""
    if n_classes == 2:
        return y_index.astype(np.float64)[:, None]
    target = np.zeros((len(y_index), n_classes))
    target[np.arange(len(y_index)), y_index] = 1.0
    return target


def fit_namespace(
    xp: Any,
    X: Any,
    y_index: np.ndarray,
    n_classes: int,
    sample_weight: FloatArray,
    settings: fitting.FitSettings,
    previous: tuple[FloatArray, FloatArray] | None = None,
    random_state: Any = None,
) -> fitting.FitOutcome:
    """Minimise the objective of a checked device ``X`` (float32/64, 2-D) and
    host labels ``y_index`` and weights (class weights folded in), with the
    solver ``settings`` name (``"auto"``: ``fitting.resolve_solver``'s
    choice for the shape and dtype); from ``previous`` ``(coef, intercept)``
    or as ``fitting.initial_theta`` says."""
    check_supported(xp, settings)
    objective = NamespaceObjective(
        xp, X, one_hot(y_index, n_classes), sample_weight,
        fit_intercept=settings.fit_intercept, C=float(settings.C),
        l1_ratio=float(settings.l1_ratio),
    )
    solver = fitting.resolve_solver(settings, objective.unit, n_classes)
    if solver not in DEVICE_SOLVERS:
        # "auto"'s choice for in-memory data may be a NumPy-only solver.
        solver = "lbfgs"
    start = fitting.initial_theta(objective.unit, previous, random_state)
    outcome = fitting.minimize(objective, solver, settings, start)
    outcome.sample_weight = sample_weight
    return outcome
