"""The summary table: a text report in the familiar R / statsmodels layout,
and the same coefficients as a pandas DataFrame."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray
from . import existence
from .infinite import INFINITE_NOTE, infinite_cells
from .record import FitInference
from .statistics import CoefficientTable, ModelFit, coefficient_table, model_fit

_WIDTH = 78
_COLUMNS = ("coef", "std err", "z", "P>|z|")


@dataclass(frozen=True)
class Summary:
    """Inference on a fitted model: print it, or read its arrays.

    ``str(summary)`` is the text table; ``summary.to_frame()`` the
    coefficient table as a DataFrame. The arrays follow the identified
    parametrisation (class by class against the reference class for a softmax
    model, intercept first).

    Attributes
    ----------
    table : CoefficientTable
        Estimates, standard errors, z, p-values, intervals, covariance.
    fit : ModelFit
        Log-likelihoods, LR test, pseudo-R², deviance, AIC, BIC, degrees of
        freedom.
    record : FitInference
        What the model stored at fit time.
    """

    table: CoefficientTable
    fit: ModelFit
    record: FitInference

    # Short names users know from statsmodels.
    @property
    def params(self) -> FloatArray:
        return self.table.params

    @property
    def bse(self) -> FloatArray:
        return self.table.bse

    @property
    def zvalues(self) -> FloatArray:
        return self.table.zvalues

    @property
    def pvalues(self) -> FloatArray:
        return self.table.pvalues

    @property
    def conf_int(self) -> FloatArray:
        return self.table.conf_int

    @property
    def cov_params(self) -> FloatArray:
        return self.table.cov

    def to_frame(self) -> Any:
        """The coefficient table as a ``pandas.DataFrame``.

        Columns ``coef, std err, z, P>|z|, [alpha/2, 1-alpha/2]``; the index is
        the term names, or a (class, term) MultiIndex for a softmax model.
        """
        import pandas as pd  # optional dependency: only this method needs it

        table = self.table
        lower, upper = _interval_names(table.alpha)
        heads = _heads(table)
        data = np.column_stack(
            [table.params, table.bse, table.zvalues, table.pvalues, table.conf_int]
        )
        if self.record.n_outputs == 1:
            index = pd.Index([term for _, term in table.labels], name="term")
        else:
            index = pd.MultiIndex.from_tuples(
                table.labels, names=[self.record.response_name, "term"]
            )
        return pd.DataFrame(data, index=index, columns=[*heads, lower, upper])

    def as_text(self) -> str:
        """The report: model header, coefficient table, notes."""
        lines = [_title(self.record), "=" * _WIDTH]
        lines += _header(self.record, self.fit, self.table)
        lines.append("=" * _WIDTH)
        lines += textwrap.wrap(existence.note(self.table.available), _WIDTH)
        lines += _coefficients(self.record, self.table)
        lines.append("=" * _WIDTH)
        for note in _notes(self.record, self.table):
            lines += textwrap.wrap(note, _WIDTH)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()


def summarize(
    record: FitInference,
    alpha: float = 0.05,
    cov_type: str = "nonrobust",
    reference: object = None,
) -> Summary:
    """Build the ``Summary`` of a stored ``FitInference``."""
    return Summary(
        coefficient_table(record, alpha, cov_type, reference), model_fit(record), record
    )


def _title(record: FitInference) -> str:
    kind = "Binary" if record.n_outputs == 1 else "Multinomial"
    return f"{kind} logistic regression (maximum likelihood)".center(_WIDTH).rstrip()


def _header(record: FitInference, fit: ModelFit, table: CoefficientTable) -> list[str]:
    left = [
        ("Dep. variable:", record.response_name),
        ("Classes:", ", ".join(record.class_names)),
        ("Covariance:", table.cov_type),
        # Converging on separated data only means the loss stopped falling.
        ("Converged:", str(record.converged) if not record.separation else "no MLE"),
        ("Log-likelihood:", f"{fit.loglik:.6g}"),
        ("LL-null:", f"{fit.loglik_null:.6g}"),
        ("Deviance:", f"{fit.deviance:.6g}"),
    ]
    right = [
        ("No. observations:", _count(fit.nobs)),
        ("Df residuals:", _count(fit.df_resid)),
        ("Df model:", str(fit.df_model)),
        ("Pseudo R-squ.:", f"{fit.pseudo_r2:.4f}"),
        (f"LR chi2({fit.lr_df}):", f"{fit.lr_stat:.6g}"),
        ("LR p-value:", f"{fit.lr_pvalue:.4g}"),
        ("AIC / BIC:", f"{fit.aic:.6g} / {fit.bic:.6g}"),
    ]
    half = _WIDTH // 2
    lines = [
        _pair(lk, lv, half - 2) + "  " + _pair(rk, rv, half)
        for (lk, lv), (rk, rv) in zip(left, right, strict=True)
    ]
    if record.n_dropped:  # beside the count it changes, as R's summary.glm says it
        rows = "row" if record.n_dropped == 1 else "rows"
        lines.append(f"({record.n_dropped} {rows} with missing values dropped before the fit)")
    return lines


def _pair(key: str, value: str, width: int) -> str:
    room = width - len(key) - 1
    if len(value) > room:
        value = value[: max(room - 3, 0)] + "..."
    return key + " " + value.rjust(room)


def _coefficients(record: FitInference, table: CoefficientTable) -> list[str]:
    lower, upper = _interval_names(table.alpha)
    heads = [*_heads(table), lower, upper]
    body = [
        [
            _number(table.params[k]),
            _number(table.bse[k]),
            f"{table.zvalues[k]:.3f}",
            _pvalue(table.pvalues[k]),
            _number(table.conf_int[k, 0]),
            _number(table.conf_int[k, 1]),
        ]
        if table.available[k]
        else [_number(table.params[k])] + [existence.NOT_AVAILABLE] * 5
        for k in range(len(table.labels))
    ]
    # Hook (issue 17): infinite estimates show their direction, not numbers.
    for k, label in enumerate(_infinite(record, table)):
        if label:
            body[k] = infinite_cells(label, len(heads))
    # Every column at least as wide as its widest cell plus one space.
    widths = [
        max(11, len(head) + 1, *(len(row[c]) + 1 for row in body))
        for c, head in enumerate(heads)
    ]
    name_width = max(12, *(len(term) + 1 for _, term in table.labels))
    rule = "-" * max(_WIDTH, name_width + sum(widths))
    rows = []
    for k, (equation, term) in enumerate(table.labels):
        if k == 0 or equation != table.labels[k - 1][0]:
            if k:
                rows.append(rule)
            title = f"{record.response_name}={equation}" if equation else ""
            rows.append(
                title[: name_width - 1].ljust(name_width) + _cells(heads, widths)
            )
            rows.append(rule)
        rows.append(term.ljust(name_width) + _cells(body[k], widths))
    return rows


def _cells(cells: list[str], widths: list[int]) -> str:
    return "".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))


def _notes(record: FitInference, table: CoefficientTable) -> list[str]:
    notes = []
    if record.n_outputs > 1:
        notes.append(
            f"Coefficients of each class against the reference class "
            f"{table.reference!r} (log-odds of the class versus the reference; "
            "the parametrisation of statsmodels' MNLogit)."
        )
    if table.odds_ratios:
        notes.append(
            "Odds ratios exp(coef); std err exp(coef) * se (delta method); z, "
            "p-values and the exponentiated intervals are those of the coefficients."
        )
    if table.cov_type.startswith("cluster"):
        notes.append("Standard errors are cluster-robust (G/(G-1) * (n-1)/(n-k)).")
    elif table.cov_type != "nonrobust":
        notes.append(
            f"Standard errors are heteroscedasticity-robust ({table.cov_type} "
            "sandwich)."
        )
    if record.separation:
        notes.append(f"Warning: {record.separation}")
    if any(_infinite(record, table)):
        notes.append(INFINITE_NOTE)
    if not record.separation and not record.separation_checked:
        notes.append(
            "Warning: separation was not ruled out: the existence of the "
            "maximum-likelihood estimate could not be proved from the data's "
            "block sums, and the linear programs that detect quasi-complete "
            "separation (which need the data in memory) did not run."
        )
    if not record.converged:
        notes.append(
            "Warning: the solver did not converge; the estimates and their "
            "standard errors are not the maximum-likelihood ones."
        )
    return notes


def _infinite(record: FitInference, table: CoefficientTable) -> tuple[str, ...]:
    """The record's infinite-estimate labels when the table has their
    parametrisation (the first class as reference), else none."""
    if table.reference != record.class_names[0]:
        return ()
    return record.infinite


def _heads(table: CoefficientTable) -> tuple[str, ...]:
    """Stata's ``logit, or`` heads when the table holds odds ratios."""
    return ("odds ratio", *_COLUMNS[1:]) if table.odds_ratios else _COLUMNS


def _interval_names(alpha: float) -> tuple[str, str]:
    return f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"


def _count(value: float) -> str:
    """Observation counts: integers unless fractional weights made them not."""
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def _number(value: float) -> str:
    """Four decimals in the usual range, scientific notation outside it."""
    if value == 0.0 or 1e-3 <= abs(value) < 1e6:
        return f"{value:.4f}"
    return f"{value:.3e}"


def _pvalue(value: float) -> str:
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"
