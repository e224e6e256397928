"""The null model with an offset (intercept only, offset kept) against
statsmodels' ``GLM(y, ones, offset=o, freq_weights=s)``, at any weight scale."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
from numpy.testing import assert_allclose

from logitron.inference.null_model import null_loglik_with_offset


def test_null_loglik_equals_statsmodels_at_any_weight_scale() -> None:
    data = sm.datasets.spector.load_pandas().data
    y = data["GRADE"].to_numpy()
    offset = np.log(data["TUCE"].to_numpy()) - 3.0
    weight = np.arange(len(y)) % 4 + 1.0
    reference = sm.GLM(
        y, np.ones((len(y), 1)), family=sm.families.Binomial(), offset=offset,
        freq_weights=weight,
    ).fit(tol=1e-13)
    assert_allclose(null_loglik_with_offset(y, weight, offset, True), reference.llf, rtol=1e-10)
    # Weights scaled by a power of two scale the log-likelihood alike (the
    # fit rescales extreme weights, _scaling): the same intercept is found.
    tiny = null_loglik_with_offset(y, np.ldexp(weight, -70), offset, True)
    assert_allclose(np.ldexp(tiny, 70), reference.llf, rtol=1e-10)
