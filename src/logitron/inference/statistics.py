"""Wald tests, confidence intervals and likelihood-based fit measures.

With ``theta`` the estimates, ``V`` their covariance (see ``covariance``),
``Phi`` the standard normal CDF and ``k`` the number of identified
parameters::

    se      = sqrt(diag(V))
    z       = theta / se
    p_value = 2 * (1 - Phi(|z|))                      # two-sided Wald test
    ci      = theta -/+ Phi^-1(1 - alpha/2) * se      # Wald interval

    LR         = 2 * (loglik - loglik_null)  ~  chi2(df_model)
    pseudo_R2  = 1 - loglik / loglik_null             # McFadden (1974)
    deviance   = -2 * loglik                          # saturated loglik = 0
    AIC        = -2 * loglik + 2 * k
    BIC        = -2 * loglik + log(nobs) * k

``nobs`` is the sum of the frequency weights; ``df_model`` counts the
parameters beyond the intercepts (the restrictions of the null model) and
``df_resid = nobs - k``. These are the asymptotic (normal, chi-square)
references of maximum-likelihood theory, as in R's ``summary.glm`` for the
binomial family and statsmodels; see Agresti (2013), *Categorical Data
Analysis*, 3rd ed., sections 1.3 and 4.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numerics import FloatArray
from ..exceptions import SingularInformationError
from .covariance import reference_parametrisation, scaled_cov_params
from .existence import available_terms, mask_statistics
from .record import FitInference
from .tails import chi2_upper_tail, normal_upper_quantile, two_sided_normal_pvalues


@dataclass(frozen=True)
class CoefficientTable:
    """Wald inference on each identified parameter.

    Attributes
    ----------
    labels : list of (str, str)
        ``(equation, term)``; the equation is the class for a softmax model.
    params, bse, zvalues, pvalues : ndarray of shape (k,)
    conf_int : ndarray of shape (k, 2)
        Lower and upper Wald limits at level ``1 - alpha``.
    cov : ndarray of shape (k, k)
    alpha : float
    cov_type : str
    reference : str
        Reference class (the one whose coefficients are fixed at zero).
    available : ndarray of bool, shape (k,)
        False for terms whose maximum-likelihood estimate does not exist
        (see ``existence``); their ``bse``, ``zvalues``, ``pvalues`` and
        ``conf_int`` are NaN.
    odds_ratios : bool
        ``params``, ``bse`` and ``conf_int`` are ``exp(coef)``, its
        delta-method standard error and the exponentiated interval.
    """

    labels: list[tuple[str, str]]
    params: FloatArray
    bse: FloatArray
    zvalues: FloatArray
    pvalues: FloatArray
    conf_int: FloatArray
    cov: FloatArray
    alpha: float
    cov_type: str
    reference: str
    available: np.ndarray
    odds_ratios: bool = False


@dataclass(frozen=True)
class ModelFit:
    """Likelihood-based measures of the whole model (see module doc)."""

    loglik: float
    loglik_null: float
    lr_stat: float
    lr_df: int
    lr_pvalue: float
    pseudo_r2: float
    deviance: float
    null_deviance: float
    aic: float
    bic: float
    nobs: float
    n_params: int
    df_model: int
    df_resid: float


def coefficient_table(
    record: FitInference,
    alpha: float = 0.05,
    cov_type: str = "nonrobust",
    reference: object = None,
) -> CoefficientTable:
    """Standard errors, z, two-sided p-values and ``1 - alpha`` Wald intervals."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    parametrisation = reference_parametrisation(record, reference)
    # No Wald statistics for terms without an estimate (``existence``).
    available = available_terms(record, len(parametrisation.params))
    try:
        scaled, exponent = scaled_cov_params(record, cov_type, reference)
    except SingularInformationError:
        if np.all(available):
            raise
        scaled = np.full((len(available), len(available)), np.nan)
        exponent = np.zeros(len(available), dtype=np.int32)
    # Entries beyond the float range at extreme scales: inf or 0, as in a float.
    with np.errstate(over="ignore", under="ignore"):
        cov = np.ldexp(scaled, -(exponent[:, None] + exponent[None, :]))
    # From the rescaled covariance: at extreme column scales cov underflows.
    bse = np.ldexp(np.sqrt(np.diag(scaled)), -exponent)
    return coefficient_from_cov(
        parametrisation.params, cov, parametrisation.labels, alpha, cov_type,
        parametrisation.reference, bse=bse, available=available,
    )


def coefficient_from_cov(
    params: FloatArray,
    cov: FloatArray,
    labels: list[tuple[str, str]],
    alpha: float,
    cov_type: str,
    reference: str,
    bse: FloatArray | None = None,
    available: np.ndarray | None = None,
) -> CoefficientTable:
    """The Wald table of ``params`` given their covariance ``cov`` (and their
    standard errors, when computed more accurately than ``sqrt(diag(cov))``);
    NaN statistics for the terms not ``available``."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    if bse is None:
        bse = np.sqrt(np.diag(cov))
    if available is None:
        available = np.ones(len(params), dtype=bool)
    zvalues = params / bse
    pvalues = two_sided_normal_pvalues(zvalues)
    quantile = normal_upper_quantile(alpha / 2.0)
    conf_int = np.column_stack([params - quantile * bse, params + quantile * bse])
    bse, zvalues, pvalues, conf_int = mask_statistics(
        available, bse, zvalues, pvalues, conf_int
    )
    cov = mask_statistics(available, cov)[0]
    cov[:, ~available] = np.nan
    return CoefficientTable(
        labels=labels,
        params=params,
        bse=bse,
        zvalues=zvalues,
        pvalues=pvalues,
        conf_int=conf_int,
        cov=cov,
        alpha=float(alpha),
        cov_type=cov_type,
        reference=reference,
        available=available,
    )


def model_fit(record: FitInference) -> ModelFit:
    """Log-likelihoods, the likelihood-ratio test, pseudo-R², deviance, AIC, BIC."""
    n_equations = max(record.n_classes - 1, 1)
    n_params = n_equations * len(record.term_names)
    df_model = n_params - n_equations * int(record.fit_intercept)
    lr_stat = 2.0 * (record.loglik - record.loglik_null)
    deviance = -2.0 * record.loglik
    return ModelFit(
        loglik=record.loglik,
        loglik_null=record.loglik_null,
        lr_stat=lr_stat,
        lr_df=df_model,
        lr_pvalue=chi2_upper_tail(lr_stat, df_model) if df_model else 1.0,
        pseudo_r2=1.0 - record.loglik / record.loglik_null,
        deviance=deviance,
        null_deviance=-2.0 * record.loglik_null,
        aic=deviance + 2.0 * n_params,
        bic=deviance + float(np.log(record.nobs)) * n_params,
        nobs=record.nobs,
        n_params=n_params,
        df_model=df_model,
        df_resid=record.nobs - n_params,
    )
