"""Fixtures shared by the test layers; the plain helpers they build on live
in ``tests/helpers.py`` (imported as ``from tests.helpers import ...``)."""

from __future__ import annotations

import pytest

from logitron.backends import dense_gram, numpy_backend


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocked data passes in blocks of 64 rows, so that a few hundred
    samples exercise many blocks and a ragged end (the real blocks hold
    megabytes and would cover such data in one)."""
    monkeypatch.setattr(numpy_backend, "_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(numpy_backend, "_FUSED_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(numpy_backend, "_SQUARES_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(dense_gram, "_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(dense_gram, "_MIN_BLOCK_ROWS", 64)
    monkeypatch.setattr(dense_gram, "_ONES_APART_MIN_ROWS", 4 * 64)
