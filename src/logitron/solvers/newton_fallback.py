"""L-BFGS that hands over to Newton when it has spent what Newton would cost.

``solver="auto"`` picks L-BFGS wherever a Hessian costs more than the
iterations it saves on a well-conditioned problem (``choice``). On a
problem conditioned badly in a direction that no column scaling fixes
(nearly collinear features), L-BFGS needs many iterations; Newton's count
hardly changes. Which case a fit is in shows only while it runs, so L-BFGS
runs first, with a budget of iterations equal to the cost of a whole
Newton fit; if it has not converged by then, Newton finishes from its
iterate (a few steps: the iterate is close). This is the break-even rule of
renting versus buying: the fit never costs more than about twice the
cheaper of the two methods, and a problem on which L-BFGS converges within
the budget (every problem of the benchmark suite) is fitted exactly as
before.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from .._numerics import FloatArray
from ..objective import Objective
from .lbfgs import lbfgs
from .newton import newton_cholesky
from .result import SolverOptions, SolverResult

#: Iterations of a Newton fit from zero, at the slow end (5 to 9 on the
#: suite's problems, more on nearly separable ones): L-BFGS on
#: nearsep-20kx20 needs 22 iterations and is still faster than Newton there
#: (0.009 s against 0.016 s), so the budget must stay above that.
NEWTON_FIT_ITERATIONS = 8
#: Largest number of parameters for which Newton may take over: its (p, p)
#: Hessian and factor stay a few MB.
MAX_FALLBACK_PARAMS = 1_000


def newton_after(n_params: int, is_sparse: bool) -> int | None:
    """L-BFGS iterations after which Newton takes over (None: never).

    One L-BFGS iteration costs about one gradient (one fused pass over X).
    One Newton iteration costs a gradient plus a Hessian, which
    ``newton_cholesky`` estimates at ``2 + p / 40`` gradients (the blocked
    ``syrk`` measured against a gradient), so a Newton fit costs about::

        NEWTON_FIT_ITERATIONS * (3 + p / 40)

    gradients: 29 L-BFGS iterations at p = 21, 35 at p = 51, 154 at p = 650.
    Sparse X gets no hand-over: its Hessian product is far slower than BLAS.
    """
    if is_sparse or n_params > MAX_FALLBACK_PARAMS:
        return None
    return math.ceil(NEWTON_FIT_ITERATIONS * (3 + n_params / 40))


def lbfgs_then_newton(
    objective: Objective, theta0: FloatArray, options: SolverOptions, budget: int,
    initial_hessian: FloatArray | None = None,
    coarse: Callable[[], Objective] | None = None,
) -> SolverResult:
    """L-BFGS for at most ``budget`` iterations, then Newton from its iterate.

    ``tol`` and ``max_iter`` are those of the whole fit: Newton gets the
    iterations L-BFGS left. ``n_iter`` and the history add up both parts.
    ``initial_hessian`` and ``coarse`` go to L-BFGS (``lbfgs``).
    """
    if options.max_iter <= budget:
        return lbfgs(objective, theta0, options, initial_hessian, coarse)
    first = lbfgs(
        objective, theta0, dataclasses.replace(options, max_iter=budget), initial_hessian,
        coarse,
    )
    if first.converged:
        return first
    # Newton's callback reports would restart at iteration 1: shift them.
    callback = options.callback
    shifted = None if callback is None else (
        lambda info: callback(dataclasses.replace(info, iteration=info.iteration + first.n_iter))
    )
    second = newton_cholesky(
        objective, first.theta,
        dataclasses.replace(options, max_iter=options.max_iter - first.n_iter,
                            callback=shifted),
    )
    message = (
        f"L-BFGS had not converged after {first.n_iter} iterations (what a Newton "
        f"fit costs), so Newton finished: {second.message}"
    )
    return SolverResult(
        second.theta, second.converged, first.n_iter + second.n_iter, message,
        first.history + second.history,
    )
