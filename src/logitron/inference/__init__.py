"""Statistical inference for unpenalised fits: covariance, tests, summary.

For an unpenalised fit (``C=np.inf``) the estimator calls ``record_fit`` when
the record is first asked for (``logitron._lazy_record``; at fit only when
the fit-time screen, ``fit_screen``, needs it), which evaluates the Fisher
information, the sandwich meat and the log-likelihoods once and stores them
as ``model.inference_``
(a ``FitInference`` of plain arrays and numbers, which model files save).
Everything else (standard errors, z, p-values, intervals, LR test, AIC, BIC,
the summary table) is computed from that record on demand, so a loaded model
prints its summary without the training data.

Conventions: maximum likelihood with dispersion 1 and no degrees-of-freedom
correction, as R's ``glm(family=binomial)``, Stata's ``logit`` and
statsmodels' ``Logit`` / ``MNLogit`` / ``GLM(freq_weights=...)``; sample
weights are frequency weights (``nobs = sum(weights)``). Softmax models are
reported against a reference class (the first, as in ``MNLogit``).
"""

from . import collinearity
from .covariance import COV_TYPES, cov_params, reference_parametrisation
from .fit_record import feature_names, record_fit, response_name, summarize_fit
from .record import FitInference
from .statistics import CoefficientTable, ModelFit, coefficient_table, model_fit
from .summary import Summary, summarize

__all__ = [
    "COV_TYPES",
    "CoefficientTable",
    "FitInference",
    "ModelFit",
    "Summary",
    "coefficient_table",
    "collinearity",
    "cov_params",
    "feature_names",
    "model_fit",
    "record_fit",
    "reference_parametrisation",
    "response_name",
    "summarize",
    "summarize_fit",
]
