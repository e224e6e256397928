"""``covariance.inverse_information`` decides singularity by the eigenvalues
of the unit-diagonal information (``SINGULAR_RCOND``), but computes them only
when the inverse cannot prove regularity by its norm bound. The reference
here is the eigenvalue test itself and ``numpy.linalg.inv``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import make_classification

from logitron import LogisticRegression, SingularInformationError, _lazy_record
from logitron.inference import covariance
from logitron.inference.covariance import SINGULAR_RCOND, cov_params, inverse_information


def _with_eigenvalue_ratio(ratio: float, size: int = 6, seed: int = 0) -> np.ndarray:
    """A symmetric positive semi-definite matrix with eigenvalues from 1 down
    to ``ratio``, its columns in units from 1e-3 to 1e3."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(size, size)))
    eigenvalues = np.geomspace(1.0, max(ratio, 1e-300), size)
    eigenvalues[-1] = ratio
    units = np.geomspace(1e-3, 1e3, size)
    return units[:, None] * (basis * eigenvalues) @ basis.T * units[None, :]


def _eigenvalue_verdict(information: np.ndarray) -> bool:
    """The test as it was: regular when no eigenvalue of the unit-diagonal
    matrix is below ``SINGULAR_RCOND`` times the largest."""
    scale = np.sqrt(np.diag(information))
    eigenvalues = np.linalg.eigvalsh(information / np.outer(scale, scale))
    return not np.any(eigenvalues <= SINGULAR_RCOND * eigenvalues[-1])


LABELS = [("", f"x{k}") for k in range(6)]


# Both ways of inverting: solves against the identity, and LAPACK's potri.
SIZES = [6, covariance._POTRI_FROM + 44]


def _labels(size: int) -> list[tuple[str, str]]:
    return [("", f"x{k}") for k in range(size)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("ratio", [1.0, 1e-2, 1e-6, 1e-8, 1e-9])
def test_regular_information_gives_the_inverse(ratio, size):
    information = _with_eigenvalue_ratio(ratio, size)
    assert _eigenvalue_verdict(information)
    inverse = inverse_information(information, _labels(size))
    # Rounding grows with the condition number; the identity is the reference.
    np.testing.assert_allclose(
        np.diag(inverse @ information), 1.0, atol=1e3 * ratio**-1 * np.finfo(float).eps
    )
    np.testing.assert_array_equal(inverse, inverse.T)
    # numpy's LU inverse as the reference (3 extra digits per factor of
    # 1e3 of condition: the columns' units span 1e6).
    reference = np.linalg.inv(information)
    scale = np.sqrt(np.outer(np.diag(reference), np.diag(reference)))
    np.testing.assert_allclose(inverse / scale, reference / scale, atol=1e2 * ratio**-1 * 1e-15)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("ratio", [1e-12, 1e-14, 0.0])
def test_singular_information_is_refused(ratio, size):
    information = _with_eigenvalue_ratio(ratio, size)
    assert not _eigenvalue_verdict(information)
    with pytest.raises(SingularInformationError, match="x"):
        inverse_information(information, _labels(size))


def test_a_matrix_not_positive_definite_is_refused_on_both_paths(monkeypatch):
    information = _with_eigenvalue_ratio(1e-2)
    information[0, 1] = information[1, 0] = 2 * np.sqrt(information[0, 0] * information[1, 1])
    for first in (1, 100):
        monkeypatch.setattr(covariance, "_POTRI_FROM", first)
        with pytest.raises(np.linalg.LinAlgError):
            covariance._inverse_of_unit_diagonal(information / np.sqrt(
                np.outer(np.diag(information), np.diag(information))
            ))
        with pytest.raises(SingularInformationError):
            inverse_information(information, LABELS)


def test_the_eigenvalues_are_skipped_only_when_the_bound_decides(monkeypatch):
    calls: list[int] = []
    original = np.linalg.eigh

    def counted(matrix):
        calls.append(len(matrix))
        return original(matrix)

    monkeypatch.setattr(covariance.np.linalg, "eigh", counted)
    well = inverse_information(_with_eigenvalue_ratio(1e-2), LABELS)
    assert calls == []
    ill = _with_eigenvalue_ratio(1e-9)
    near = inverse_information(ill, LABELS)
    assert calls == [6]  # a ratio of 1e-9: the bound cannot decide
    # The inverse is the one the eigenvalue path computes, bit for bit.
    monkeypatch.setattr(covariance, "_surely_regular", lambda *args: False)
    assert inverse_information(ill, LABELS).tobytes() == near.tobytes()
    assert inverse_information(_with_eigenvalue_ratio(1e-2), LABELS).tobytes() == well.tobytes()


@pytest.mark.parametrize("seed", range(20))
def test_verdict_equals_the_eigenvalue_test(seed):
    rng = np.random.default_rng(seed)
    ratio = 10.0 ** rng.uniform(-13, -7)
    information = _with_eigenvalue_ratio(ratio, size=int(rng.integers(2, 12)), seed=seed)
    labels = [("", f"x{k}") for k in range(len(information))]
    if _eigenvalue_verdict(information):
        inverse_information(information, labels)
    else:
        with pytest.raises(SingularInformationError):
            inverse_information(information, labels)


def test_a_record_inverts_its_information_once(monkeypatch):
    """The collinearity warning of a fit without a screen (wide data) and the
    summary after it share one inverse; a record with other numbers (a
    ``dataclasses.replace``) computes its own."""
    calls: list[int] = []
    original = covariance.inverse_information

    def counted(information, *args):
        calls.append(len(information))
        return original(information, *args)

    monkeypatch.setattr(covariance, "inverse_information", counted)
    monkeypatch.setattr(_lazy_record, "screen_pays", lambda *args: False)
    X, y = make_classification(300, 5, n_informative=5, n_redundant=0, random_state=0)
    model = LogisticRegression(C=np.inf).fit(X, y)
    assert calls == []  # pending: nothing computed by the fit
    _lazy_record.revise(model, response_name="outcome")  # as a formula does
    summary = model.summary()  # the record, its collinearity check, the table
    model.summary(cov_type="HC1")  # the meat added
    assert calls == [6]
    assert summary.record.response_name == "outcome"
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(summary.table.bse, reference.bse, rtol=1e-6)
    record = model.inference_
    assert record is not None
    with pytest.raises(ValueError, match="read-only"):
        covariance.scaled_cov_params(record)[0][0, 0] = 0.0
    doubled = dataclasses.replace(record, information=2 * record.information)
    np.testing.assert_allclose(cov_params(doubled), cov_params(record) / 2, rtol=1e-12)
    assert calls == [6, 6]
