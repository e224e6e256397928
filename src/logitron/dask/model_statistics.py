"""``model.statistics(X, y)`` on dask input: the in-memory answers from passes
over the blocks.

``DaskStatistics`` answers what ``inference.model_statistics.Statistics``
answers in memory, with the same numbers::

    stats = model.statistics(X, y, cov_type="cluster", groups=frame["school"])
    stats.summary(); stats.cov(); stats.wald_test("x1 = x2")
    stats.marginal_effects(); stats.get_prediction(new_X)   # a lazy dask DataFrame
    stats.lr_test(small_model.statistics(X_small, y))

Building it takes one graph over the blocks (``dask.robust``): the sums the
chosen covariance needs (HC meat, leverage-weighted for HC2/HC3, or
per-cluster score sums), and the weighted count and log-likelihood of the
rows, which must be the fit's. Marginal effects take one or two more graphs
(``dask.margins``), the likelihood-ratio test two (``dask.nested``);
predictions with intervals are lazy (``dask.intervals``). Leverage-based
model checks (residuals, Cook's distance, Hosmer-Lemeshow), formula terms
and offsets are in memory only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._numerics import FloatArray
from ..inference import hypotheses, margins, robust
from ..inference.covariance import cov_params
from ..inference.model_data import check_same_rows
from ..inference.model_statistics import odds_ratio_table
from ..inference.statistics import CoefficientTable, coefficient_from_cov, model_fit
from ..inference.summary import Summary
from ..inference.terms import LikelihoodRatioTest
from . import margins as dask_margins
from .intervals import lazy_prediction
from .nested import lr_test
from .robust import RobustSums, covariance, robust_block
from .rows import DaskRows, training_rows


@dataclasses.dataclass(frozen=True)
class DaskStatistics:
    """Post-fit statistics of a maximum-likelihood fit on dask data.

    Attributes
    ----------
    rows : DaskRows
        The training rows as aligned blocks, and what a task needs.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
    convention : {"R", "statsmodels"}
    model : LogisticRegression
    inputs : tuple
        ``(X, y, sample_weight, reference)`` as passed (for ``with_cov``).
    sums : RobustSums
        The blocks' sums behind the covariance.
    """

    rows: DaskRows
    cov_type: str
    convention: str
    model: Any
    inputs: tuple[Any, ...]
    sums: RobustSums

    @property
    def params(self) -> FloatArray:
        """Identified estimates, flat (output by output, intercept first)."""
        return self.rows.spec.params.ravel()

    @property
    def labels(self) -> list[tuple[str, str]]:
        """``(equation, term)`` per parameter; equation ``""`` when binary."""
        spec = self.rows.spec
        terms = spec.record.term_names
        if spec.params.shape[0] == 1:
            return [("", term) for term in terms]
        return [(name, term) for name in spec.class_names[1:] for term in terms]

    @property
    def names(self) -> list[str]:
        """Parameter names: the term, or ``term[class]`` for a softmax model."""
        return [f"{term}[{eq}]" if eq else term for eq, term in self.labels]

    def with_cov(
        self, cov_type: str = "nonrobust", groups: Any = None, convention: str = "R"
    ) -> DaskStatistics:
        """The same statistics under another covariance: one more graph."""
        X, y, sample_weight, reference = self.inputs
        return statistics(
            self.model, X, y, sample_weight, cov_type=cov_type, groups=groups,
            convention=convention, reference=reference,
        )

    def bread(self) -> FloatArray:
        """``inv(I)``: the model-based covariance."""
        return _bread(self.rows)

    def cov(self) -> FloatArray:
        """Covariance of ``params`` under the chosen ``cov_type``."""
        return covariance(self.sums, self.bread(), _pass_type(self.cov_type, self.convention))

    def bse(self) -> FloatArray:
        return np.sqrt(np.diag(self.cov()))

    def coefficients(self, alpha: float = 0.05) -> CoefficientTable:
        """Estimates, standard errors, z, p-values and Wald intervals."""
        return coefficient_from_cov(
            self.params, self.cov(), self.labels, alpha, self._cov_name(),
            self.rows.spec.class_names[0],
        )

    def summary(self, alpha: float = 0.05, odds_ratios: bool = False) -> Summary:
        """The summary table under the chosen covariance (``odds_ratios``:
        Stata's ``logit, or``, as in memory)."""
        table = self.coefficients(alpha)
        if odds_ratios:
            table = odds_ratio_table(table)
        record = self.rows.spec.record
        return Summary(table, model_fit(record), record)

    def get_prediction(self, X: Any = None, alpha: float = 0.05) -> Any:
        """Probabilities with standard errors and intervals for the rows of
        a dask ``X`` (default: the training rows), as a lazy dask DataFrame
        (``dask.intervals``)."""
        rows = self.inputs[0] if X is None else X
        spec = self.rows.spec
        return lazy_prediction(
            self.model, rows, spec.params, self.cov(), list(spec.class_names), alpha
        )

    def marginal_effects(
        self,
        at: str = "overall",
        method: str = "dydx",
        dummy: bool = False,
        count: bool = False,
        at_values: dict[str, float] | None = None,
        alpha: float = 0.05,
    ) -> margins.MarginalEffects:
        """Marginal effects of every column, as in memory (``at`` in
        {"overall", "mean", "zero"}; see ``dask.margins``)."""
        dask_margins.check_at(at)
        if method not in margins.METHODS:
            raise ValueError(f"method must be one of {margins.METHODS}; got {method!r}.")
        spec, blocks = self.rows.spec, self.rows.blocks
        names = list(spec.record.term_names)
        columns = [j for j in range(len(names)) if not (spec.record.fit_intercept and j == 0)]
        unknown = sorted(set(at_values or {}) - set(names))
        if unknown:
            raise ValueError(f"at_values names unknown columns {unknown}; the "
                             f"columns are {names}.")
        fixed = {names.index(k): float(v) for k, v in (at_values or {}).items()}
        dummies: list[int] = []
        counts: list[int] = []
        if at != "overall" or dummy or count:
            summary, _ = blocks.map_sum(
                dask_margins.column_block, self.rows.block_args(), (spec,)
            )
            dummies, counts = dask_margins.discrete(summary, columns)
        dummies, counts = (dummies if dummy else []), (counts if count else [])
        if at == "overall":
            kinds = margins.effect_kinds(columns, dummies, counts)
            total, _ = blocks.map_sum(
                dask_margins.effect_block, self.rows.block_args(),
                (spec, columns, kinds, method, fixed),
            )
            jacobian = total.jacobian / total.weight
            effects, cov = total.effects / total.weight, jacobian @ self.cov() @ jacobian.T
        else:
            row = dask_margins.at_row(summary, at)
            effects, cov = margins.marginal_effects(
                row[None, :], np.ones(1), spec.params, self.cov(), columns, at=at,
                method=method, dummy=dummies, count=counts, at_values=fixed,
            )
        se = np.sqrt(np.diag(cov))
        if spec.params.shape[0] > 1:
            se = se.reshape(-1, len(columns)).T
        return margins.MarginalEffects(
            [names[j] for j in columns], list(spec.class_names), effects, se, at,
            method, alpha,
        )

    def wald_test(self, hypothesis: Any) -> hypotheses.WaldTest:
        """Joint Wald test of a linear hypothesis, as in memory."""
        restriction, target, _ = hypotheses.parse_hypothesis(hypothesis, self.names)
        return hypotheses.wald_test(self.params, self.cov(), restriction, target)

    def t_test(self, hypothesis: Any, alpha: float = 0.05) -> hypotheses.ContrastTable:
        """Each constraint of ``hypothesis`` on its own, as in memory."""
        restriction, target, names = hypotheses.parse_hypothesis(hypothesis, self.names)
        return hypotheses.contrast_table(
            self.params, self.cov(), restriction, target, names, alpha
        )

    def lr_test(self, restricted: DaskStatistics) -> LikelihoodRatioTest:
        """Likelihood-ratio test against a nested model's statistics on the
        same rows, partitioned alike (``dask.nested``: two graphs)."""
        if not isinstance(restricted, DaskStatistics):
            raise TypeError(
                "lr_test on Dask compares with another model's statistics on the "
                f"same dask rows; got {type(restricted).__name__}."
            )
        return lr_test(self.rows, restricted.rows)

    def _cov_name(self) -> str:
        if self.cov_type == "cluster":
            return "cluster" if self.rows.n_ways == 1 else "cluster (two-way)"
        if self.convention == "statsmodels" and self.cov_type != "nonrobust":
            return f"{self.cov_type} (statsmodels: HC0)"
        return self.cov_type


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
) -> DaskStatistics:
    """``model.statistics(...)`` on dask input: check the rows and compute
    the chosen covariance's sums in one graph."""
    if offset is not None:
        raise NotImplementedError(
            "statistics on Dask do not take an offset yet; compute the rows in memory."
        )
    robust.check_cov_choice(cov_type, groups, convention)
    rows = training_rows(model, X, y, sample_weight, groups, reference)
    if cov_type in ("HC2", "HC3") and rows.spec.params.shape[0] != 1:
        raise ValueError(
            "Leverages are defined here for binary models only; a softmax "
            "model has a (K-1) x (K-1) block per observation."
        )
    bread = _bread(rows)
    pass_type = _pass_type(cov_type, convention)
    sums, _ = rows.blocks.map_sum(
        robust_block,
        rows.block_args(rows.group_blocks or [None] * rows.blocks.n_blocks),
        (rows.spec, pass_type, bread),
    )
    check_same_rows(rows.spec.record, sums.nobs, sums.loglik)
    return DaskStatistics(
        rows, cov_type, convention, model, (X, y, sample_weight, reference), sums
    )


def _bread(rows: DaskRows) -> FloatArray:
    return cov_params(rows.spec.record, "nonrobust", rows.spec.class_names[0])


def _pass_type(cov_type: str, convention: str) -> str:
    """The sums the blocks compute: statsmodels' convention is HC0 for every
    HC type."""
    if convention == "statsmodels" and cov_type in robust.HC_TYPES:
        return "HC0"
    return cov_type
