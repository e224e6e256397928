"""Figures of a fitted model: learning curve, decision boundary, ROC curve,
calibration curve and coefficients with confidence intervals.

matplotlib is an optional dependency (``pip install 'logitron[plot]'``),
imported only when a function here is called; figures are built as
``matplotlib.figure.Figure`` objects, without pyplot's global state, so they
work in scripts, servers and notebooks alike. Each function draws on ``ax``
when given (a new figure otherwise) and returns the Axes; ``save_figure``
writes PNG or SVG atomically.

``model`` is a fitted ``logitron.LogisticRegression``, a Pipeline ending in
one, or anything with ``classes_`` and ``predict_proba(X)``. The numbers come
from scikit-learn's metrics (``roc_curve``, ``calibration_curve``); this
module only draws them.

Examples
--------
>>> from logitron import plots                              # doctest: +SKIP
>>> ax = plots.roc_curve(model, X_test, y_test)             # doctest: +SKIP
>>> plots.save_figure(ax.figure, "roc.png")                 # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .io import atomic_write

# Hook (issue 21): the figures of a fit's path, from their own module.
from .plots_training import save_animation, training_animation, training_figure

__all__ = [
    "calibration_curve", "coefficients", "decision_boundary", "final_estimator",
    "learning_curve", "roc_curve", "save_animation", "save_figure",
    "training_animation", "training_figure",
]

FORMATS = {".png": "png", ".svg": "svg"}


def learning_curve(model: Any, *, ax: Any = None) -> Any:
    """The cost after each solver iteration (``loss_curve_``), on a log scale
    when it spans more than a decade."""
    estimator = final_estimator(model)
    curve = np.asarray(getattr(estimator, "loss_curve_", []), dtype=np.float64)
    if curve.size == 0:
        raise ValueError("the model has no loss_curve_ to plot (is it fitted?)")
    ax = _axes(ax)
    iterations = np.arange(1, curve.size + 1)
    ax.plot(iterations, curve, marker="o" if curve.size <= 30 else None, color="C0")
    if curve.min() > 0 and curve.max() / curve.min() > 10:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (mean log-loss + penalty)")
    ax.set_title(f"learning curve: solver {getattr(estimator, 'solver_', '?')}, "
                 f"{curve.size} iterations")
    ax.grid(alpha=0.3)
    return ax


def decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    *,
    features: Sequence[Any] | None = None,
    resolution: int = 200,
    ax: Any = None,
) -> Any:
    """Predicted probability over the plane of two features, the boundary
    ``P = 0.5`` (or the predicted-class regions for more than two classes),
    and the data points coloured by their true class.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n, d)
        The model's input (a DataFrame for models that read named columns).
    y : array-like of shape (n,)
        True labels, for the scatter.
    features : pair of column positions or names, optional
        The two axes; required when ``X`` has more than two columns. The
        other columns are held at their median (most frequent value when not
        numeric): the picture is a slice through the model.
    """
    pd = _pandas_or_none()
    frame = X if pd is not None and isinstance(X, pd.DataFrame) else None
    columns = list(frame.columns) if frame is not None else list(range(np.shape(X)[1]))
    if features is None:
        if len(columns) != 2:
            raise ValueError(
                f"X has {len(columns)} columns: choose the two to plot with features=(a, b)"
            )
        features = columns
    if len(features) != 2:
        raise ValueError("features must name exactly two columns")
    first, second = (_column_key(columns, feature) for feature in features)
    values = frame if frame is not None else np.asarray(X, dtype=np.float64)
    xs = _column(values, first).astype(np.float64)
    ys = _column(values, second).astype(np.float64)
    grid_x, grid_y = np.meshgrid(_span(xs, resolution), _span(ys, resolution))
    grid = _slice_through(values, first, second, grid_x.ravel(), grid_y.ravel())
    proba = np.asarray(model.predict_proba(grid))
    classes = np.asarray(model.classes_)

    ax = _axes(ax)
    labels = np.asarray(y)
    if len(classes) == 2:
        surface = proba[:, 1].reshape(grid_x.shape)
        filled = ax.contourf(grid_x, grid_y, surface, levels=np.linspace(0, 1, 11),
                             cmap="RdBu_r", alpha=0.6)
        ax.contour(grid_x, grid_y, surface, levels=[0.5], colors="black", linewidths=1.5)
        ax.figure.colorbar(filled, ax=ax, label=f"P({classes[1]})")
    else:
        regions = proba.argmax(axis=1).reshape(grid_x.shape)
        ax.contourf(grid_x, grid_y, regions, levels=np.arange(len(classes) + 1) - 0.5,
                    cmap="tab10", vmin=0, vmax=9, alpha=0.3)
    for index, label in enumerate(classes):
        chosen = labels == label
        ax.scatter(xs[chosen], ys[chosen], s=14, color=f"C{index % 10}" if len(classes) > 2
                   else ("C0" if index == 0 else "C3"), edgecolors="white",
                   linewidths=0.4, label=str(label))
    ax.legend(title="true class", loc="best", fontsize="small")
    ax.set_xlabel(_feature_label(model, frame, first))
    ax.set_ylabel(_feature_label(model, frame, second))
    held = "" if len(columns) == 2 else " (other features held at typical values)"
    ax.set_title(f"decision boundary{held}")
    return ax


def roc_curve(model: Any, X: Any, y: Any, *, ax: Any = None) -> Any:
    """ROC curve with its area (one-vs-rest, one curve per class, for more
    than two classes)."""
    from sklearn.metrics import auc
    from sklearn.metrics import roc_curve as roc

    classes = np.asarray(model.classes_)
    proba = np.asarray(model.predict_proba(X))
    labels = np.asarray(y)
    ax = _axes(ax)
    shown = [1] if len(classes) == 2 else range(len(classes))
    for index in shown:
        positive = labels == classes[index]
        if positive.all() or not positive.any():
            continue
        false_positive, true_positive, _ = roc(positive, proba[:, index])
        area = auc(false_positive, true_positive)
        ax.plot(false_positive, true_positive, color=f"C{index % 10}",
                label=f"{classes[index]} (AUC {area:.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curve" if len(classes) == 2 else "ROC curves (one vs rest)")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def calibration_curve(model: Any, X: Any, y: Any, *, n_bins: int = 10, ax: Any = None) -> Any:
    """Observed frequency of a class against the predicted probability, in
    ``n_bins`` equal-width bins; a calibrated model follows the diagonal."""
    from sklearn.calibration import calibration_curve as calibration

    classes = np.asarray(model.classes_)
    proba = np.asarray(model.predict_proba(X))
    labels = np.asarray(y)
    ax = _axes(ax)
    shown = [1] if len(classes) == 2 else range(len(classes))
    for index in shown:
        observed, predicted = calibration(
            labels == classes[index], proba[:, index], n_bins=n_bins, strategy="uniform"
        )
        ax.plot(predicted, observed, marker="o", color=f"C{index % 10}",
                label=f"P({classes[index]})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect")
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_title("calibration")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def coefficients(model: Any, *, alpha: float = 0.05, ax: Any = None) -> Any:
    """Each coefficient (intercept left out) as a point with its Wald
    confidence interval at level ``1 - alpha`` when the model has statistics
    (unpenalised fits), as a point alone otherwise."""
    estimator = final_estimator(model)
    names, estimates, intervals = _coefficient_table(estimator, alpha)
    height = 1.5 + 0.3 * len(names)
    ax = _axes(ax, size=(6.4, min(max(height, 3.0), 40.0)))
    rows = np.arange(len(names))[::-1]
    if intervals is not None:
        ax.errorbar(estimates, rows, xerr=np.abs(intervals.T - estimates), fmt="o",
                    color="C0", ecolor="C0", capsize=3)
        note = f"with {100 * (1 - alpha):g}% confidence intervals"
    else:
        ax.plot(estimates, rows, "o", color="C0")
        note = "(penalised fit: no intervals)"
    ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(rows, names)
    ax.set_xlabel("coefficient (log-odds)")
    ax.set_title(f"coefficients {note}", fontsize="medium")
    ax.grid(axis="x", alpha=0.3)
    return ax


def save_figure(figure: Any, path: str | Path, *, dpi: int = 120) -> Path:
    """Write ``figure`` as PNG or SVG (by the file's suffix), atomically."""

    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: plots are written as .png or .svg, not {path.suffix!r}")
    with atomic_write(path, binary=True) as stream:
        figure.savefig(stream, format=kind, dpi=dpi)
    return path


def final_estimator(model: Any) -> Any:
    """The last step of a Pipeline, or the model itself."""
    return model.steps[-1][1] if hasattr(model, "steps") else model


# -- helpers -------------------------------------------------------------------
def _axes(ax: Any, size: tuple[float, float] = (6.4, 4.8)) -> Any:
    if ax is not None:
        return ax
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'logitron[plot]'") from None
    return Figure(figsize=size, layout="constrained").add_subplot()


def _pandas_or_none() -> Any:
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def _column_key(columns: list[Any], feature: Any) -> Any:
    if feature in columns:
        return feature
    if isinstance(feature, (int, np.integer)) and 0 <= feature < len(columns):
        return columns[int(feature)]
    raise ValueError(f"unknown feature {feature!r}; the columns are {columns}")


def _feature_label(model: Any, frame: Any, key: Any) -> str:
    if frame is not None:
        return str(key)
    names = getattr(final_estimator(model), "feature_names_in_", None)
    return str(names[key]) if names is not None else f"x{key + 1}"


def _column(values: Any, key: Any) -> np.ndarray:
    return np.asarray(values[key] if hasattr(values, "columns") else values[:, key])


def _span(values: np.ndarray, resolution: int) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    margin = 0.05 * (high - low) if high > low else 0.5
    return np.linspace(low - margin, high + margin, resolution)


def _slice_through(values: Any, first: Any, second: Any, xs: Any, ys: Any) -> Any:
    """Rows that vary two columns over the grid and hold the rest at a
    typical value of the data."""
    if not hasattr(values, "columns"):
        grid = np.tile(np.median(values, axis=0), (len(xs), 1))
        grid[:, first], grid[:, second] = xs, ys
        return grid
    typical = {}
    for name in values.columns:
        column = values[name]
        numeric = column.dtype.kind in "iuf"
        typical[name] = column.median() if numeric else column.mode().iloc[0]
    grid = values.iloc[[0] * len(xs)].reset_index(drop=True).copy()
    for name, value in typical.items():
        grid[name] = value
    grid[first] = xs
    grid[second] = ys
    return grid


def _coefficient_table(
    estimator: Any, alpha: float
) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Names, estimates and (k, 2) intervals of the non-intercept terms."""
    if getattr(estimator, "inference_", None) is not None and hasattr(estimator, "summary"):
        table = estimator.summary(alpha=alpha).to_frame()
        labels = [
            " ".join(map(str, label)) if isinstance(label, tuple) else str(label)
            for label in table.index
        ]
        keep = [not label.endswith("Intercept") for label in labels]
        frame = table[keep]
        names = [label for label, kept in zip(labels, keep, strict=True) if kept]
        return names, frame["coef"].to_numpy(), frame.iloc[:, -2:].to_numpy()
    coef = np.asarray(estimator.coef_)
    feature_names = getattr(estimator, "feature_names_in_", None)
    if feature_names is None:
        feature_names = [f"x{i + 1}" for i in range(coef.shape[1])]
    classes = np.asarray(estimator.classes_)
    if coef.shape[0] == 1:
        return [str(n) for n in feature_names], coef[0], None
    names = [f"{label}: {name}" for label in classes for name in feature_names]
    return names, coef.ravel(), None
