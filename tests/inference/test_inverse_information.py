"""``covariance.inverse_information`` decides singularity by the eigenvalues
of the unit-diagonal information (``SINGULAR_RCOND``), but computes them only
when the inverse cannot prove regularity by its norm bound. The reference
here is the eigenvalue test itself and ``numpy.linalg.inv``."""

from __future__ import annotations

import numpy as np
import pytest

from logitron import SingularInformationError
from logitron.inference import covariance
from logitron.inference.covariance import SINGULAR_RCOND, inverse_information


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


@pytest.mark.parametrize("ratio", [1.0, 1e-2, 1e-6, 1e-8, 1e-9])
def test_regular_information_gives_the_inverse(ratio):
    information = _with_eigenvalue_ratio(ratio)
    assert _eigenvalue_verdict(information)
    inverse = inverse_information(information, LABELS)
    # Rounding grows with the condition number; the identity is the reference.
    np.testing.assert_allclose(
        np.diag(inverse @ information), 1.0, atol=1e3 * ratio**-1 * np.finfo(float).eps
    )
    np.testing.assert_allclose(inverse, inverse.T)


@pytest.mark.parametrize("ratio", [1e-12, 1e-14, 0.0])
def test_singular_information_is_refused(ratio):
    information = _with_eigenvalue_ratio(ratio)
    assert not _eigenvalue_verdict(information)
    with pytest.raises(SingularInformationError, match="x"):
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
