"""Figures of the post-fit statistics: marginal effects with their intervals,
predicted probabilities with confidence bands.

Adapters over ``model.statistics(...)``'s results, drawn as
``logitron.plots`` draws (a new ``Figure`` without pyplot's global state
unless ``ax`` is given; the Axes is returned; ``plots.save_figure`` writes
it).

Examples
--------
>>> stats = model.statistics(X, y)                                   # doctest: +SKIP
>>> ax = statistics_plots.marginal_effects(stats.marginal_effects())  # doctest: +SKIP
>>> grid = X.iloc[[0] * 50].assign(GPA=np.linspace(2, 4, 50))       # doctest: +SKIP
>>> ax = statistics_plots.prediction_band(stats.get_prediction(grid), grid["GPA"])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inference.margins import MarginalEffects
from .inference.prediction import PredictionResults
from .plots import _axes


def marginal_effects(effects: MarginalEffects, *, ax: Any = None) -> Any:
    """Each effect as a point with its Wald interval (one colour per class for
    a softmax model), a dashed line at zero."""
    if effects.se is None:
        raise ValueError("at='all' effects have no intervals to draw; use another at.")
    names = effects.names
    margeff = effects.margeff.reshape(len(names), -1)
    interval = effects.conf_int().reshape(len(names), -1, 2)
    n_classes = margeff.shape[1]
    ax = _axes(ax, size=(6.4, min(max(1.5 + 0.3 * len(names) * n_classes, 3.0), 40.0)))
    rows = np.arange(len(names))[::-1].astype(np.float64)
    offsets = np.linspace(-0.25, 0.25, n_classes) if n_classes > 1 else np.zeros(1)
    for k in range(n_classes):
        low, high = interval[:, k, 0], interval[:, k, 1]
        label = f"class {effects.class_names[k]}" if n_classes > 1 else None
        ax.errorbar(
            margeff[:, k], rows + offsets[k],
            xerr=np.vstack([margeff[:, k] - low, high - margeff[:, k]]),
            fmt="o", color=f"C{k}", capsize=3, label=label,
        )
    if n_classes > 1:
        ax.legend(fontsize="small")
    ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(rows, names)
    ax.set_xlabel(f"{effects.method} (at {effects.at})")
    ax.set_title(
        f"marginal effects with {100 * (1 - effects.alpha):g}% confidence intervals",
        fontsize="medium",
    )
    ax.grid(axis="x", alpha=0.3)
    return ax


def prediction_band(
    prediction: PredictionResults, x: Any, *, label: str | None = None, ax: Any = None
) -> Any:
    """The predicted probability against ``x`` (one value per predicted row,
    e.g. the feature varied along a grid) and its confidence band."""
    values = np.asarray(x, dtype=np.float64)
    if values.shape != prediction.predicted.shape:
        raise ValueError(
            f"x needs one value per predicted row ({len(prediction.predicted)}); got "
            f"shape {values.shape}."
        )
    order = np.argsort(values, kind="stable")
    interval = prediction.conf_int()[order]
    ax = _axes(ax)
    ax.fill_between(values[order], interval[:, 0], interval[:, 1], color="C0",
                    alpha=0.25, linewidth=0,
                    label=f"{100 * (1 - prediction.alpha):g}% confidence band")
    ax.plot(values[order], prediction.predicted[order], color="C0",
            label="predicted probability")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(label or getattr(x, "name", None) or "x")
    ax.set_ylabel("probability")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax
