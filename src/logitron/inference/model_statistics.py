"""``model.statistics(X, y)``: every post-fit answer from one object.

A fitted unpenalised model keeps a small record (``inference_``) that is
enough for the classical summary. Questions that need the data again (robust
and clustered covariances, predictions with intervals for new rows, marginal
effects, residuals and influence, tests) are answered by ``Statistics``,
built from the model and its training rows::

    stats = model.statistics(X, y)                  # arrays
    stats = model.statistics(df)                    # a logitron.logit model
    stats = model.statistics(df, cov_type="cluster", groups="school")
    stats.summary(odds_ratios=True); stats.cov(); stats.wald_test("x1 = x2")
    stats.get_prediction(new_X).summary_frame(); stats.marginal_effects()
    stats.residuals("deviance"); stats.cooks_distance(); stats.hosmer_lemeshow()

The covariance chosen when the object is built (``cov_type``, ``groups``,
``convention``; see ``logitron.inference.robust``) is the one every method
uses; ``with_cov`` gives the same statistics under another.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .. import _validation
from .._numerics import FloatArray
from ..formula_design import formula_offset
from . import (
    diagnostics,
    formula_margins,
    hypotheses,
    margins,
    prediction,
    prediction_softmax,
    robust,
    terms,
)
from .covariance import cov_params
from .model_data import ModelData, model_data
from .statistics import CoefficientTable, coefficient_from_cov, model_fit
from .summary import Summary


@dataclasses.dataclass(frozen=True)
class Statistics:
    """Post-fit statistics of a maximum-likelihood logistic regression.

    Build it with ``model.statistics(X, y, ...)`` (see the module doc).

    Attributes
    ----------
    data : ModelData
        The checked training rows and the identified estimates.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
    groups : ndarray or None
        Cluster labels per row (one column, or two for two-way clustering).
    convention : {"R", "statsmodels"}
    """

    data: ModelData
    cov_type: str = "nonrobust"
    groups: Any = None
    convention: str = "R"
    model: Any = None

    @property
    def params(self) -> FloatArray:
        """Identified estimates, flat (output by output, intercept first)."""
        return self.data.params.ravel()

    @property
    def labels(self) -> list[tuple[str, str]]:
        """``(equation, term)`` per parameter; equation ``""`` when binary."""
        if self.data.n_outputs == 1:
            return [("", term) for term in self.data.term_names]
        return [
            (name, term)
            for name in self.data.class_names[1:]
            for term in self.data.term_names
        ]

    @property
    def names(self) -> list[str]:
        """Parameter names: the term, or ``term[class]`` for a softmax model."""
        return [f"{term}[{eq}]" if eq else term for eq, term in self.labels]

    def with_cov(
        self, cov_type: str = "nonrobust", groups: Any = None, convention: str = "R"
    ) -> Statistics:
        """The same statistics under another covariance (module doc)."""
        groups = _resolve_groups(groups, self.data)
        robust.check_cov_choice(cov_type, groups, convention)
        return dataclasses.replace(
            self, cov_type=cov_type, groups=groups, convention=convention
        )

    def bread(self) -> FloatArray:
        """``inv(I)``: the model-based covariance."""
        return cov_params(self.data.record, "nonrobust", self.data.class_names[0])

    def leverage(self) -> FloatArray:
        """Hat-matrix diagonal ``h_i`` of a binary model (see ``robust``)."""
        if self.data.n_outputs != 1:
            raise ValueError(
                "Leverages are defined here for binary models only; a softmax "
                "model has a (K-1) x (K-1) block per observation."
            )
        return robust.leverage_binary(
            self.data.design, self.data.proba[:, 1], self.bread()
        )

    def cov(self) -> FloatArray:
        """Covariance of ``params`` under the chosen ``cov_type``."""
        bread = self.bread()
        if self.cov_type == "nonrobust":
            return bread
        data = self.data
        if self.cov_type == "cluster":
            return robust.cluster_covariance(
                bread, data.design, data.residual, data.weight, self.groups
            )
        needs_leverage = self.cov_type in ("HC2", "HC3") and self.convention == "R"
        return robust.hc_covariance(
            bread, data.design, data.residual, data.weight, self.cov_type,
            leverage=self.leverage() if needs_leverage else None,
            convention=self.convention,
        )

    def bse(self) -> FloatArray:
        return np.sqrt(np.diag(self.cov()))

    def coefficients(self, alpha: float = 0.05) -> CoefficientTable:
        """Estimates, standard errors, z, p-values and Wald intervals."""
        return coefficient_from_cov(
            self.params, self.cov(), self.labels, alpha, self._cov_name(),
            self.data.class_names[0],
        )

    def summary(self, alpha: float = 0.05, odds_ratios: bool = False) -> Summary:
        """The summary table under the chosen covariance.

        ``odds_ratios=True`` reports ``exp(coef)`` with its delta-method
        standard error ``exp(coef) * se`` and the exponentiated Wald interval,
        as Stata's ``logit, or`` (z and p-values are those of the coefficient).
        """
        table = self.coefficients(alpha)
        if odds_ratios:
            table = odds_ratio_table(table)
        return Summary(table, model_fit(self.data.record), self.data.record)

    # -- predictions -------------------------------------------------------
    def get_prediction(
        self, X: Any = None, alpha: float = 0.05, offset: Any = None
    ) -> Any:
        """Probabilities with standard errors and intervals, for new rows
        ``X`` (a raw DataFrame for a formula model) or, by default, the
        training rows: of ``classes_[1]`` for a binary model
        (``PredictionResults``, ``logitron.inference.prediction``), of every
        class for a softmax model (``ClassPredictionResults``,
        ``logitron.inference.prediction_softmax``). ``offset`` (n,) is the
        new rows' offset for a model fitted with one (a formula model
        evaluates its own ``offset(...)`` on ``X``)."""
        design = self.data.design if X is None else prediction.new_design(
            self.model, X
        )
        if X is None:
            offset = self.data.offset
        elif getattr(self.model, "model_spec_", None) is not None:
            offset = formula_offset(self.model, X)
        if offset is not None:
            offset = _validation.check_offset(offset, len(design), self.data.n_outputs + 1)
            return prediction.get_prediction(design, self.params, self.cov(), alpha, offset)
        if self.data.n_outputs != 1:
            return prediction_softmax.get_class_prediction(
                design, self.data.params, self.cov(), list(self.data.class_names),
                alpha,
            )
        return prediction.get_prediction(design, self.params, self.cov(), alpha)

    # -- marginal effects --------------------------------------------------
    def marginal_effects(
        self,
        at: str = "overall",
        method: str = "dydx",
        dummy: bool = False,
        count: bool = False,
        at_values: dict[str, float] | None = None,
        alpha: float = 0.05,
    ) -> margins.MarginalEffects:
        """Marginal effects of every column (``logitron.inference.margins``).

        ``at`` in {"overall", "mean", "median", "zero", "all"}, ``method`` in
        {"dydx", "eyex", "dyex", "eydx"}; ``dummy`` / ``count`` take discrete
        changes for 0/1 and count columns; ``at_values`` fixes columns by
        name first. The options of statsmodels' ``get_margeff``.
        """
        self._refuse_offset("marginal_effects")
        data = self.data
        names = list(data.term_names)
        columns = [j for j, name in enumerate(names)
                   if not (data.record.fit_intercept and j == 0)]
        unknown = sorted(set(at_values or {}) - set(names))
        if unknown:
            raise ValueError(f"at_values names unknown columns {unknown}; the "
                             f"columns are {names}.")
        fixed = {names.index(k): float(v) for k, v in (at_values or {}).items()}
        dummies, counts = (
            margins.discrete_columns(data.design, columns) if dummy or count
            else ([], [])
        )
        effects, cov = margins.marginal_effects(
            data.design, data.weight, data.params, self.cov(), columns, at=at,
            method=method, dummy=dummies if dummy else None,
            count=counts if count else None, at_values=fixed,
        )
        se = None if cov is None else np.sqrt(np.diag(cov))
        if se is not None and data.n_outputs > 1:
            se = se.reshape(-1, len(columns)).T
        if data.n_outputs == 1:
            effects = effects[..., 0] if effects.ndim == 3 else effects
        return margins.MarginalEffects(
            [names[j] for j in columns], list(data.class_names),
            effects, se, at, method, alpha,
        )

    # -- model checking ----------------------------------------------------
    def residuals(self, kind: str = "deviance") -> FloatArray:
        """Response, Pearson or deviance residuals per row (binary models;
        ``logitron.inference.diagnostics``)."""
        y, proba = self._binary_fit("residuals")
        return diagnostics.residuals(y, proba, kind)

    def cooks_distance(self) -> FloatArray:
        """Cook's distance per row (R's ``cooks.distance`` of a ``glm``)."""
        y, proba = self._binary_fit("Cook's distance")
        pearson = diagnostics.residuals(y, proba, "pearson")
        return diagnostics.cooks_distance(pearson, self.leverage(), self.data.n_params)

    def hosmer_lemeshow(self, groups: int = 10) -> diagnostics.HosmerLemeshow:
        """The Hosmer-Lemeshow calibration test (``ResourceSelection::hoslem.test``)."""
        y, proba = self._binary_fit("The Hosmer-Lemeshow test")
        if not np.all(self.data.weight == 1.0):
            raise ValueError(
                "The Hosmer-Lemeshow groups are quantiles over rows; with sample "
                "weights other than 1 they are not defined here: repeat the rows."
            )
        return diagnostics.hosmer_lemeshow(y, proba, groups)

    def _binary_fit(self, what: str) -> tuple[FloatArray, FloatArray]:
        if self.data.n_outputs != 1:
            raise ValueError(f"{what} is defined here for binary models only.")
        return self.data.y_index.astype(np.float64), self.data.proba[:, 1]

    def average_slopes(
        self, variables: list[str] | None = None, method: str = "dydx",
        alpha: float = 0.05,
    ) -> margins.MarginalEffects:
        """Average effect of each variable of the data through every term of
        the formula it enters (``np.log(x)``, ``x:z``...), and per level of a
        categorical variable against its reference level, as R's
        ``marginaleffects::avg_slopes`` / ``avg_comparisons``. A binary
        ``logitron.logit`` model built with its DataFrame; see
        ``logitron.inference.formula_margins``."""
        self._refuse_offset("average_slopes")
        if self.data.n_outputs != 1:
            raise ValueError("average_slopes is for binary models; for a softmax "
                             "model use marginal_effects (by design column).")
        names, effects, cov = formula_margins.formula_effects(
            self.model, self.data.frame, self.data.weight, self.params, self.cov(),
            variables, method,
        )
        return margins.MarginalEffects(
            names, list(self.data.class_names), effects, np.sqrt(np.diag(cov)),
            "overall", method, alpha,
        )

    # -- tests -------------------------------------------------------------
    def wald_test(self, hypothesis: Any) -> hypotheses.WaldTest:
        """Joint Wald test of a linear hypothesis (``logitron.inference.hypotheses``).

        ``hypothesis`` is a string over ``self.names`` (``"x1 = x2"``,
        ``"C(g)[T.b] = C(g)[T.c] = 0"``), a matrix ``R`` (``R @ params = 0``)
        or a pair ``(R, q)``.
        """
        restriction, target, _ = hypotheses.parse_hypothesis(hypothesis, self.names)
        return hypotheses.wald_test(self.params, self.cov(), restriction, target)

    def t_test(self, hypothesis: Any, alpha: float = 0.05) -> hypotheses.ContrastTable:
        """Each constraint of ``hypothesis`` on its own: estimate, se, z, p, interval."""
        restriction, target, names = hypotheses.parse_hypothesis(
            hypothesis, self.names
        )
        return hypotheses.contrast_table(
            self.params, self.cov(), restriction, target, names, alpha
        )

    def term_tests(self) -> dict[str, hypotheses.WaldTest]:
        """Per model term (all levels of a factor at once), the Wald test
        that its parameters are all zero."""
        return terms.term_tests(self.data, self.model, self.params, self.cov())

    def lr_test(self, restricted: Statistics) -> terms.LikelihoodRatioTest:
        """Likelihood-ratio test against a nested model's statistics, on the
        same rows (``restricted = small_model.statistics(X_small, y)``)."""
        return terms.lr_test(self.data, restricted.data)

    def anova(self) -> Any:
        """Sequential analysis-of-deviance table (R's ``anova(fit, test="Chisq")``)."""
        self._refuse_offset("anova")
        return terms.anova(self.data, self.model)

    def _refuse_offset(self, what: str) -> None:
        # These refit or differentiate the model without the offset term.
        if self.data.offset is not None:
            raise NotImplementedError(
                f"{what} is not available for a model fitted with an offset yet."
            )

    def _cov_name(self) -> str:
        if self.cov_type == "cluster":
            n_ways = np.asarray(self.groups).ndim
            return "cluster" if n_ways == 1 else "cluster (two-way)"
        if self.convention == "statsmodels" and self.cov_type != "nonrobust":
            return f"{self.cov_type} (statsmodels: HC0)"
        return self.cov_type


def odds_ratio_table(table: CoefficientTable) -> CoefficientTable:
    """``exp`` of the estimates and interval limits, ``exp(b) * se`` as the
    standard error (delta method); z and p-values unchanged."""
    ratio = np.exp(table.params)
    return dataclasses.replace(
        table, params=ratio, bse=ratio * table.bse, conf_int=np.exp(table.conf_int),
        odds_ratios=True,
    )


def with_odds_ratios(summary: Summary) -> Summary:
    """``summary`` with its table in odds ratios (``model.summary(odds_ratios=True)``)."""
    return dataclasses.replace(summary, table=odds_ratio_table(summary.table))


def statistics(
    model: Any,
    X: Any,
    y: Any = None,
    sample_weight: Any = None,
    *,
    cov_type: str = "nonrobust",
    groups: Any = None,
    convention: str = "R",
    reference: Any = None,
    offset: Any = None,
) -> Statistics:
    """``model.statistics(...)``: check the rows (and the fit's ``offset``,
    if it had one) and build ``Statistics``."""
    data = model_data(model, X, y, sample_weight, reference, offset)
    groups = _resolve_groups(groups, data)
    robust.check_cov_choice(cov_type, groups, convention)
    return Statistics(data, cov_type, groups, convention, model)


def _resolve_groups(groups: Any, data: ModelData) -> Any:
    """Cluster labels per row: arrays as given, or column name(s) of the
    formula model's data (taken on the rows the formula kept)."""
    if groups is None:
        return None
    names = [groups] if isinstance(groups, str) else groups
    if isinstance(names, (list, tuple)) and all(isinstance(g, str) for g in names):
        if data.frame is None:
            raise ValueError(
                f"groups={groups!r} names columns, which only a model fitted by "
                "logitron.logit with its DataFrame has; pass the labels instead."
            )
        missing = [name for name in names if name not in data.frame.columns]
        if missing:
            raise ValueError(f"The cluster columns {missing} are not in the data.")
        values = data.frame[list(names)].to_numpy()
        return values[:, 0] if len(names) == 1 else values
    array = np.asarray(groups)
    if len(array) != len(data.weight):
        raise ValueError(
            f"groups must have one label per row of the data ({len(data.weight)}); "
            f"got {len(array)}."
        )
    return array
