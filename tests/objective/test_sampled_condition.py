"""``sampled_condition``: the conditioning probe of ``solver="auto"``, against
the condition number of the objective's own Hessian at zero."""

from __future__ import annotations

import numpy as np
import pytest

from logitron.objective import LogisticObjective
from logitron.objective.curvature import condition_sample_size, sampled_condition
from tests.helpers import make_objective
from tests.problems import collinear_data, dense_data


def _probe(objective: LogisticObjective) -> float:
    return sampled_condition(objective.unit, objective.weight, objective.penalty.l2_strength)


def _unit_diagonal_condition(hessian: np.ndarray) -> float:
    root = np.sqrt(np.diag(hessian))
    return float(np.linalg.cond(hessian / np.outer(root, root), 1))


def _hessian_at_zero(objective: LogisticObjective) -> np.ndarray:
    return objective.value_gradient_hessian(np.zeros(objective.n_params))[2]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("C", [0.7, np.inf])
def test_on_all_rows_it_is_the_hessians_condition(seed: int, C: float) -> None:
    # 300 rows, fewer than the sample: the probe reads them all, and at z = 0
    # its matrix is the binary objective's Hessian. LAPACK's estimate of
    # norm1(inv(U)) is a lower bound, usually within a few per cent.
    objective = make_objective(n_samples=300, n_features=8, C=C, seed=seed).objective
    assert 300 < condition_sample_size(9)
    exact = _unit_diagonal_condition(_hessian_at_zero(objective))
    estimate = _probe(objective)
    assert exact / 3 <= estimate <= exact * (1 + 1e-9)


def test_nearly_collinear_columns_show_and_gaussian_ones_do_not() -> None:
    # On 20,000 rows the probe reads 500. A sample of m rows of independent
    # columns spreads the eigenvalues by about ((1 + sqrt(w/m)) /
    # (1 - sqrt(w/m)))**2, at most 4.4 for the m >= 8 w the probe reads.
    for (X, y), lowest, highest in [
        (collinear_data(20_000, 20, 0.01), 1e5, 1e6), (dense_data(20_000, 20), 1.0, 10.0)
    ]:
        objective = make_objective(X, y, C=np.inf).objective
        exact = _unit_diagonal_condition(_hessian_at_zero(objective))
        estimate = _probe(objective)
        assert lowest <= exact <= highest
        assert exact / 3 <= estimate <= exact * 4.4


def test_softmax_reads_one_output_block() -> None:
    # At z = 0 a softmax Hessian is kron(I/K - 1/K**2, Gram) plus the
    # penalty: its conditioning outside the null space is that of
    # Gram / K + a * I_coef, which the probe reads.
    case = make_objective(n_samples=200, n_features=6, n_classes=3, C=0.5, seed=1)
    objective = case.objective
    X = np.asarray(objective.unit.data.X)
    A = np.hstack([X, np.ones((len(X), 1))])
    block = (A.T * objective.weight) @ A / 3
    block[np.arange(6), np.arange(6)] += objective.penalty.l2_strength
    exact = _unit_diagonal_condition(block)
    assert exact / 3 <= _probe(objective) <= exact * (1 + 1e-9)


def test_exactly_collinear_columns_are_singular_and_empty_ones_left_out() -> None:
    X, y = dense_data(1_000, 5)
    duplicated = make_objective(np.hstack([X, X[:, :1]]), y, C=np.inf).objective
    assert _probe(duplicated) > 1e12
    with_empty = make_objective(np.hstack([X, np.zeros((1_000, 1))]), y, C=np.inf).objective
    plain = make_objective(X, y, C=np.inf).objective
    assert _probe(with_empty) == pytest.approx(_probe(plain), rel=1e-12)
