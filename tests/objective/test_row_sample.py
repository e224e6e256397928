"""``row_sample``: the objective over some rows, penalty kept; over every row
it is the objective itself (value, gradient, Hessian), and a sample of it
estimates the full objective's Hessian."""

from __future__ import annotations

import numpy as np
import pytest

from logitron.objective import LogisticObjective
from logitron.objective.curvature import evenly_spaced_rows
from logitron.objective.row_sample import row_sample
from tests.helpers import make_objective
from tests.problems import collinear_data


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("C", [0.5, np.inf])
def test_over_every_row_it_is_the_objective(n_classes: int, C: float) -> None:
    case = make_objective(n_samples=120, n_features=4, n_classes=n_classes, C=C, seed=2)
    full = case.objective
    sample = row_sample(full, np.arange(120))
    theta = case.rng.normal(scale=0.3, size=full.n_params)
    value, gradient, hessian = full.value_gradient_hessian(theta)
    sample_value, sample_gradient, sample_hessian = sample.value_gradient_hessian(theta)
    assert sample_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(sample_gradient, gradient, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(sample_hessian, hessian, rtol=1e-10, atol=1e-14)


def test_an_offset_follows_its_rows() -> None:
    case = make_objective(n_samples=80, n_features=3, C=1.0, seed=4)
    offset = case.rng.normal(size=80)
    full = LogisticObjective.from_arrays(
        case.X, case.y.astype(np.float64), 2, case.sample_weight, C=1.0, offset=offset
    )
    rows = np.arange(0, 80, 2)
    reference = LogisticObjective.from_arrays(
        case.X[rows], case.y[rows].astype(np.float64), 2, case.sample_weight[rows],
        C=float(np.sum(case.sample_weight)) / float(np.sum(case.sample_weight[rows])),
        offset=offset[rows],
    )
    theta = case.rng.normal(size=full.n_params)
    sample = row_sample(full, rows)
    assert sample.value(theta) == pytest.approx(reference.value(theta), rel=1e-12)


def test_a_sample_estimates_the_hessian_at_zero() -> None:
    # At z = 0 every row has the same curvature: 2,000 of 20,000 rows
    # estimate the Hessian of nearly collinear columns to about sqrt(w / m)
    # (a sample covariance's error) in the metric of the full one,
    # ||H^-1/2 H_R H^-1/2 - I|| (0.108 here, sqrt(21 / 2000) = 0.102).
    X, y = collinear_data(20_000, 20, 0.01)
    full = make_objective(X, y, C=1.0).objective
    rows = evenly_spaced_rows(full.weight, 2_000)
    zero = np.zeros(full.n_params)
    hessian = full.value_gradient_hessian(zero)[2]
    estimate = row_sample(full, rows).value_gradient_hessian(zero)[2]
    root_inverse = np.linalg.inv(np.linalg.cholesky(hessian))
    relative = root_inverse @ estimate @ root_inverse.T - np.eye(len(hessian))
    assert np.linalg.norm(relative, 2) < 2 * np.sqrt(21 / 2_000)


def test_evenly_spaced_rows_skip_unweighted_ones() -> None:
    weight = np.ones(10)
    weight[[0, 4]] = 0.0
    np.testing.assert_array_equal(evenly_spaced_rows(weight, 20), [1, 2, 3, 5, 6, 7, 8, 9])
    # linspace(0, 9, 4) rounds to rows 0, 3, 6, 9; row 0 has no weight.
    np.testing.assert_array_equal(evenly_spaced_rows(weight, 4), [3, 6, 9])
