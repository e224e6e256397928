"""The coefficient table of a Firth fit, as logistf prints it.

Per coefficient: the estimate, its standard error ``sqrt(diag(inv(I)))``,
the interval and the p-value. With ``method="profile"`` (logistf's default
``pl=TRUE``) both come from the profile penalised likelihood (``profile``):
the interval ``{b : 2 * (pl_max - prof(b)) <= chi2.ppf(level, 1)}`` and the
penalised likelihood-ratio statistic of ``beta_j = 0``, printed as
``chisq``. With ``method="wald"`` they are ``coef +/- z * se`` and
``chisq = (coef / se)**2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, norm

from ._numerics import FloatArray

METHODS = ("profile", "wald")
_HEADS = ("coef", "se(coef)", "lower", "upper", "chisq", "p")


@dataclass(frozen=True)
class FirthSummary:
    """Coefficients, standard errors, intervals, statistics and p-values.

    Arrays have one entry per term, in ``terms`` order (the intercept
    first, as R prints it).
    """

    terms: tuple[str, ...]
    params: FloatArray
    bse: FloatArray
    conf_int: FloatArray
    statistic: FloatArray
    pvalues: FloatArray
    level: float
    method: str
    penalised_loglik: float

    def to_frame(self) -> Any:
        """The table as a ``pandas.DataFrame`` indexed by term."""
        import pandas as pd  # optional dependency: only this method needs it

        data = np.column_stack(
            [self.params, self.bse, self.conf_int, self.statistic, self.pvalues]
        )
        return pd.DataFrame(data, index=pd.Index(self.terms, name="term"), columns=_HEADS)

    def as_text(self) -> str:
        """The table as text, with a line naming the method."""
        width = max(12, *(len(term) + 1 for term in self.terms))
        lines = ["".ljust(width) + "".join(head.rjust(12) for head in _HEADS)]
        for k, term in enumerate(self.terms):
            cells = [self.params[k], self.bse[k], *self.conf_int[k], self.statistic[k]]
            lines.append(
                term.ljust(width) + "".join(f"{value:12.5g}" for value in cells)
                + f"{self.pvalues[k]:12.4g}"
            )
        kind = (
            "profile penalised likelihood" if self.method == "profile" else "Wald"
        )
        lines.append(
            f"Firth's penalised likelihood, log = {self.penalised_loglik:.6g}; "
            f"{self.level:.0%} intervals and p-values: {kind}."
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()


def firth_summary(model: Any, level: float = 0.95, method: str = "profile") -> FirthSummary:
    """The ``FirthSummary`` of a fitted ``FirthLogisticRegression``; for
    K > 2 classes one row per (class, term) against the first class, Wald
    only (``"class:term"``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    width = model.n_features_in_ + int(model.fit_intercept)
    stacked = np.column_stack([model.coef_, model.intercept_])[:, :width]
    outputs = stacked if len(model.classes_) == 2 else stacked[1:]
    params = outputs.ravel()
    bse = model.bse_
    if method == "profile":
        intervals = model.profile_intervals(level)
        bounds = np.column_stack([intervals.lower, intervals.upper])
        statistic, pvalues = intervals.statistic, intervals.pvalue
    else:
        half = norm.ppf(0.5 + level / 2) * bse
        bounds = np.column_stack([params - half, params + half])
        statistic = (params / bse) ** 2
        pvalues = chi2.sf(statistic, 1)
    names = getattr(model, "feature_names_in_", None)
    features = (
        [str(name) for name in names] if names is not None
        else [f"x{j + 1}" for j in range(model.n_features_in_)]
    )
    # Stored intercept last; printed first, as R does.
    within = np.roll(np.arange(width), 1) if model.fit_intercept else np.arange(width)
    terms = (["(Intercept)"] if model.fit_intercept else []) + features
    if len(outputs) > 1:
        terms = [f"{label}:{term}" for label in model.classes_[1:] for term in terms]
    order = np.concatenate([k * width + within for k in range(len(outputs))])
    return FirthSummary(
        tuple(terms), params[order], bse[order], bounds[order], statistic[order],
        pvalues[order], level, method, model.penalised_loglik_,
    )
