"""The solvers' inner steps against their defining equations: the L-BFGS
two-loop recursion, the trust-region Steihaug CG step, and the choice
behind ``solver="auto"``."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from logitron.solvers import SOLVERS, choose_solver
from logitron.solvers.choice import NEWTON_MAX_HESSIAN_FLOPS
from logitron.solvers.newton import cholesky_solve, shifted_cholesky

lbfgs_module = importlib.import_module("logitron.solvers.lbfgs")
trust_region_module = importlib.import_module("logitron.solvers.trust_region")

RNG = np.random.default_rng(20240607)


@pytest.mark.parametrize("initial", ["diagonal", "cholesky"])
def test_two_loop_satisfies_the_secant_equation(initial: str) -> None:
    # H_k @ y_last = s_last for the BFGS inverse-Hessian update, whatever
    # the earlier pairs and H_0: the scaled inverse diagonal, or the inverse
    # of another matrix (a sample's Hessian) by a Cholesky solve.
    p = 6
    A = RNG.standard_normal((p, p))
    hessian = A @ A.T + p * np.eye(p)
    pairs = lbfgs_module.deque(maxlen=4)
    for _ in range(5):
        s = RNG.standard_normal(p)
        y = hessian @ s
        pairs.append((s, y, 1.0 / float(s @ y)))
    if initial == "diagonal":
        inverse_diagonal = 1.0 / np.diag(hessian)
        start = lbfgs_module._InitialInverse(lambda v: inverse_diagonal * v, scaled=True)
    else:
        B = RNG.standard_normal((p, p))
        factor = shifted_cholesky(B @ B.T + p * np.eye(p), None)
        start = lbfgs_module._InitialInverse(lambda v: cholesky_solve(factor, v), scaled=False)
    s_last, y_last, _ = pairs[-1]
    direction = lbfgs_module._two_loop(y_last, pairs, start)
    np.testing.assert_allclose(direction, -s_last, rtol=1e-10)


def test_steihaug_cg_stays_in_the_region_and_ends_on_its_boundary() -> None:
    p = 8
    A = RNG.standard_normal((p, p))
    hessian = A @ A.T + 0.1 * np.eye(p)
    gradient = RNG.standard_normal(p)
    diagonal = np.diag(hessian).copy()
    newton_step = -np.linalg.solve(hessian, gradient)
    newton_norm = float(np.sqrt(newton_step @ (diagonal * newton_step)))
    for radius, on_boundary in [(0.3 * newton_norm, True), (10 * newton_norm, False)]:
        step, residual = trust_region_module._steihaug_cg(
            lambda v: hessian @ v, gradient, diagonal, radius, 1e-12, None, 50
        )
        norm = float(np.sqrt(step @ (diagonal * step)))
        np.testing.assert_allclose(residual, -gradient - hessian @ step, atol=1e-10)
        if on_boundary:
            assert norm == pytest.approx(radius, rel=1e-10)
        else:
            np.testing.assert_allclose(step, newton_step, rtol=1e-8)


def test_steihaug_cg_stops_once_the_residual_meets_the_outer_goal() -> None:
    # An ill-conditioned quadratic: CG to a relative residual of 1e-12 takes
    # many products; with a max-norm goal it stops at the first iterate
    # whose residual meets it, and never earlier.
    p = 40
    hessian = np.diag(np.logspace(0, 4, p))
    gradient = RNG.standard_normal(p)
    diagonal = np.ones(p)
    products: list[int] = []

    def hessp(v: np.ndarray) -> np.ndarray:
        products.append(1)
        return hessian @ v

    trust_region_module._steihaug_cg(hessp, gradient, diagonal, 1e9, 1e-12, None, 500)
    n_full = len(products)
    goal = 1e-3 * float(np.max(np.abs(gradient)))
    products.clear()
    step, residual = trust_region_module._steihaug_cg(
        hessp, gradient, diagonal, 1e9, 1e-12, None, 500, residual_max=goal
    )
    assert np.max(np.abs(residual)) <= goal
    np.testing.assert_allclose(residual, -gradient - hessian @ step, atol=1e-8)
    n_goal = len(products)
    assert n_goal < n_full
    # One product fewer would not have met the goal.
    _, shorter = trust_region_module._steihaug_cg(
        hessp, gradient, diagonal, 1e9, 1e-12, None, n_goal - 1
    )
    assert np.max(np.abs(shorter)) > goal


def test_choose_solver_by_shape_and_storage() -> None:
    # Small dense problems: Newton (the Hessian is cheaper than the L-BFGS
    # iterations it saves); anything larger, or sparse: L-BFGS.
    assert choose_solver(569, 30, 2, False, np.float64, l1=False) == "newton"
    assert choose_solver(300, 8, 4, False, np.float32, l1=False) == "newton"
    assert choose_solver(20_000, 20, 2, False, np.float64, l1=False) == "lbfgs"
    assert choose_solver(569, 30, 2, True, np.float64, l1=False) == "lbfgs"
    assert choose_solver(2_000, 5_000, 2, False, np.float64, l1=False) == "lbfgs"
    # The cut sits exactly at the documented Hessian cost.
    n = int(NEWTON_MAX_HESSIAN_FLOPS // 11**2)
    assert choose_solver(n, 10, 2, False, np.float64, l1=False) == "newton"
    assert choose_solver(n + 1, 10, 2, False, np.float64, l1=False) == "lbfgs"


def test_choose_solver_for_l1_needs_a_proximal_solver() -> None:
    l1_solvers = [name for name, solver in SOLVERS.items() if solver.handles_l1]
    if l1_solvers:
        assert choose_solver(100, 5, 2, False, np.float64, l1=True) == l1_solvers[0]
    else:
        with pytest.raises(ValueError, match="L1"):
            choose_solver(100, 5, 2, False, np.float64, l1=True)
