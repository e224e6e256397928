"""What every solver returns, and the options every solver understands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._numerics import FloatArray


@dataclass(frozen=True)
class IterationInfo:
    """Progress after one iteration, handed to ``SolverOptions.callback``."""

    iteration: int
    value: float
    gradient_max: float
    #: The iterate itself (a copy), for callers that record the path of a fit.
    theta: FloatArray | None = None


@dataclass(frozen=True)
class SolverOptions:
    """Stopping rules and hooks shared by all solvers.

    ``tol`` means what each solver's docstring says (a cost change for the
    classic gradient descent, a gradient norm for Newton-type methods).
    """

    tol: float
    max_iter: int
    learning_rate: float = 0.1
    callback: Callable[[IterationInfo], None] | None = None


@dataclass
class SolverResult:
    """A solver's outcome.

    Attributes
    ----------
    theta : ndarray
        Final parameters.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    n_iter : int
        Iterations taken.
    message : str
        Why the solver stopped, in words a user can act on.
    history : list of float
        Objective value after each iteration (the learning curve).
    hessian : tuple of ndarray or None
        ``(point, Hessian)``: the last exact Hessian of the objective a
        second-order solver formed and the parameters it was formed at, for
        the statistics to reuse (the fit's screen); None if none.
    """

    theta: FloatArray
    converged: bool
    n_iter: int
    message: str
    history: list[float] = field(default_factory=list)
    hessian: tuple[FloatArray, FloatArray] | None = None


def max_abs(gradient: FloatArray) -> float:
    """``max(|gradient|)``, 0 for an empty one: every solver's stopping test.

    The ufunc's own reduction, without ``np.max``'s Python wrapper: it runs
    a few times per iteration, which counts on small data.
    """
    return float(np.maximum.reduce(np.abs(gradient), initial=0.0))


def report(
    options: SolverOptions,
    iteration: int,
    value: float,
    gradient_max: float,
    theta: FloatArray | None = None,
) -> None:
    """Tell the callback, if any, how iteration ``iteration`` ended (and where)."""
    if options.callback is not None:
        copied = None if theta is None else theta.copy()
        options.callback(IterationInfo(iteration, value, gradient_max, copied))
