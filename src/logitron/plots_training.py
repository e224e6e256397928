"""Watch the neuron learn: the cost, the decision boundary and the
coefficients over the iterations of one fit.

The input is a ``logitron.trace.FitTrace`` (``record_fit(model, X, y)``) and
the two-feature data it was fitted on. Two pictures of the same path:

* ``training_figure``: small multiples, the boundary at a few iterations
  over the data, above the cost curve and the coefficients' paths with
  those iterations marked (a PNG for a page);
* ``training_animation``: one frame per chosen iteration, the same three
  panels moving together; ``save_animation`` writes it as a GIF (matplotlib's
  ``PillowWriter``) or a self-contained HTML page (``Animation.to_jshtml``).

Gradient descent runs thousands of iterations; the frames are spread so
that the early ones, where the boundary moves most, are dense
(``frame_iterations``). Newton's method has a handful: all are shown.

matplotlib is imported only when a function here is called.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ._numerics import sigmoid
from .io import atomic_write
from .trace import FitTrace

ANIMATION_FORMATS = (".gif", ".html")


def frame_iterations(n_iter: int, count: int) -> np.ndarray:
    """``min(n_iter, count)`` distinct 0-based iterates, first and last
    included, spaced quadratically (dense early, where a fit moves most)."""
    if n_iter < 1 or count < 1:
        raise ValueError(f"need at least one iteration and one frame, got {n_iter}, {count}")
    if n_iter <= count:
        return np.arange(n_iter)
    if count == 1:
        return np.array([n_iter - 1])
    targets = np.rint((n_iter - 1) * np.linspace(0.0, 1.0, count) ** 2).astype(int)
    # Make them distinct: push each past its predecessor, then pull each
    # below the room its successors need (both passes keep the order strict).
    for j in range(1, count):
        targets[j] = max(targets[j], targets[j - 1] + 1)
    for j in range(count - 1, -1, -1):
        targets[j] = min(targets[j], n_iter - count + j)
    return targets


def training_figure(
    trace: FitTrace, X: Any, y: Any, *, panels: int = 4, resolution: int = 120
) -> Any:
    """Small multiples of one fit: the boundary at ``panels`` iterations
    (the final one dashed behind each), the cost curve and the coefficient
    paths. Returns the ``matplotlib.figure.Figure``."""
    plane = _Plane(trace, X, y, resolution)
    shown = frame_iterations(trace.n_iter, panels)
    figure = _figure((3.2 * len(shown), 6.4))
    snapshots = [f"s{j}" for j in range(len(shown))]
    width = max(len(shown), 2)
    top = snapshots if len(shown) == width else snapshots * width
    bottom = ["cost"] * (width // 2) + ["coef"] * (width - width // 2)
    axes = figure.subplot_mosaic([top, bottom])
    for name, index in zip(snapshots, shown, strict=True):
        plane.draw(axes[name], index, final=True)
    _cost_panel(axes["cost"], trace, shown)
    _coef_panel(axes["coef"], trace, shown)
    figure.suptitle(_headline(trace))
    return figure


def training_animation(
    trace: FitTrace, X: Any, y: Any, *, max_frames: int = 40,
    interval: int = 200, resolution: int = 60, dpi: float = 72.0,
) -> Any:
    """An animation of the fit, one frame per chosen iteration (at most
    ``max_frames``, see ``frame_iterations``), ``interval`` ms apart, drawn
    at ``dpi`` pixels per inch on a 12 x 4 inch figure.

    Returns a ``matplotlib.animation.FuncAnimation``; write it with
    ``save_animation``, or show it in a notebook with ``to_jshtml()``.
    """
    from matplotlib.animation import FuncAnimation

    plane = _Plane(trace, X, y, resolution)
    shown = frame_iterations(trace.n_iter, max_frames)
    figure = _figure((12.0, 4.0), dpi=dpi)
    boundary, cost, coef = figure.subplots(1, 3, width_ratios=[1.2, 1.0, 1.0])
    move_boundary = plane.draw(boundary, shown[0], final=False)
    _cost_panel(cost, trace, shown[:0])
    _coef_panel(coef, trace, shown[:0])
    (cost_marker,) = cost.plot([], [], "o", color="black", markersize=8)
    coef_marker = coef.axvline(trace.iterations[0], color="black", linewidth=1.2)
    figure.suptitle(_headline(trace))
    # Lay the panels out once: only data change between frames, and
    # constrained layout would otherwise cost more than drawing a frame.
    figure.draw_without_rendering()
    figure.set_layout_engine("none")

    def draw(index: int) -> list[Any]:
        step = trace.iterations[index]
        cost_marker.set_data([step], [trace.values[index]])
        coef_marker.set_xdata([step, step])
        return [*move_boundary(index), cost_marker, coef_marker]

    return FuncAnimation(figure, draw, frames=list(shown), interval=interval,
                         repeat=True, blit=False)


def save_animation(animation: Any, path: str | Path, *, fps: int = 5) -> Path:
    """Write ``animation`` as ``.gif`` (Pillow) or ``.html`` (JavaScript
    player, frames embedded as PNG) at its figure's dpi, replacing ``path``
    in one step."""
    from matplotlib.animation import PillowWriter


    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise ValueError(f"{path}: animations are written as .gif or .html, not {suffix!r}")
    if suffix == ".html":
        page = animation.to_jshtml(fps=fps)
        with atomic_write(path) as stream:
            stream.write(page)
        return path
    # Pillow picks the format from the name, so the temporary file is a .gif.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".gif")
    os.close(handle)
    try:
        animation.save(temporary, writer=PillowWriter(fps=fps))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# -- the panels ------------------------------------------------------------------
class _Plane:
    """The two-feature plane: a grid over the data and the raw prediction
    of every iterate on it."""

    def __init__(self, trace: FitTrace, X: Any, y: Any, resolution: int) -> None:
        columns = list(X.columns) if hasattr(X, "columns") else None
        values = np.asarray(X, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != 2:
            raise ValueError(
                f"the training figures draw the boundary over two features; X has "
                f"shape {values.shape} (fit on two columns to watch it learn)"
            )
        self.trace = trace
        self.points = values
        self.labels = np.asarray(y)
        self.classes = np.asarray(trace.estimator.classes_)
        self.names = [str(c) for c in columns] if columns else ["x1", "x2"]
        axis_x, axis_y = (_span(values[:, j], resolution) for j in range(2))
        self.grid_x, self.grid_y = np.meshgrid(axis_x, axis_y)
        grid = np.column_stack([self.grid_x.ravel(), self.grid_y.ravel()])
        self.grid: Any = grid
        if columns is not None:
            import pandas as pd

            self.grid = pd.DataFrame(grid, columns=columns)

    def raw(self, index: int) -> np.ndarray:
        """``z`` of iterate ``index`` on the grid, shape (rows, cols[, K])."""
        raw = self.trace.raw_prediction(self.grid, index)
        return raw.reshape(self.grid_x.shape + raw.shape[1:])

    def colours(self, raw: np.ndarray) -> np.ndarray:
        """RGBA of the grid: ``P(y = 1)`` on a red-blue scale, or the colour
        of the predicted class (``argmax(z)``) for softmax."""
        from matplotlib import colormaps

        if raw.ndim == 2:
            # Ten bands of probability, as decision_boundary's contours: flat
            # colours read better and keep GIF frames small.
            bands = (np.minimum(np.floor(10 * sigmoid(raw)), 9) + 0.5) / 10
            return np.asarray(colormaps["RdBu_r"](bands))
        return np.asarray(colormaps["tab10"](raw.argmax(axis=-1) % 10))

    def boundary(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The line ``z = 0`` (binary) as x, y with NaN between pieces;
        empty when every grid point is on one side (early iterates)."""
        import contourpy

        if raw.ndim != 2 or not raw.min() < 0.0 < raw.max():
            return np.empty(0), np.empty(0)
        generator = contourpy.contour_generator(
            self.grid_x, self.grid_y, raw, line_type=contourpy.LineType.Separate
        )
        pieces = [np.vstack([np.asarray(piece), [np.nan, np.nan]])
                  for piece in generator.lines(0.0)]
        line = np.vstack(pieces) if pieces else np.empty((0, 2))
        return line[:, 0], line[:, 1]

    def draw(self, ax: Any, index: int, *, final: bool) -> Any:
        """Draw iterate ``index`` on ``ax``; returns ``update(index)``, which
        moves the picture to another iterate without redrawing the axes."""
        extent = (self.grid_x[0, 0], self.grid_x[0, -1], self.grid_y[0, 0], self.grid_y[-1, 0])
        binary = len(self.classes) == 2
        image = ax.imshow(self.colours(self.raw(index)), origin="lower", extent=extent,
                          aspect="auto", alpha=0.5 if binary else 0.3, interpolation="nearest")
        if final and binary:
            ax.plot(*self.boundary(self.raw(-1)), color="grey", linestyle="--", linewidth=1.2,
                    label="final boundary")
        (line,) = ax.plot([], [], color="black", linewidth=1.5)
        for k, label in enumerate(self.classes):
            chosen = self.labels == label
            color = ("C0", "C3")[k] if binary else f"C{k % 10}"
            ax.scatter(self.points[chosen, 0], self.points[chosen, 1], s=18, color=color,
                       edgecolors="white", linewidths=0.3, label=str(label))
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel(self.names[0])
        ax.set_ylabel(self.names[1])
        title = ax.set_title("", fontsize="medium")

        def update(shown: int) -> list[Any]:
            raw = self.raw(shown)
            image.set_data(self.colours(raw))
            line.set_data(*self.boundary(raw))
            title.set_text(f"iteration {self.trace.iterations[shown]}: "
                           f"cost {self.trace.values[shown]:.4g}")
            return [image, line, title]

        update(index)
        return update


def _cost_panel(ax: Any, trace: FitTrace, shown: np.ndarray) -> None:
    """The learning curve, ``shown`` iterates marked."""
    ax.plot(trace.iterations, trace.values, color="C0",
            marker="o" if trace.n_iter <= 30 else None)
    ax.plot(trace.iterations[shown], trace.values[shown], "o", color="C1")
    if trace.values.min() > 0 and trace.values.max() / trace.values.min() > 10:
        ax.set_yscale("log")
    _log_iterations(ax, trace)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title("cost", fontsize="medium")
    ax.grid(alpha=0.3)


def _coef_panel(ax: Any, trace: FitTrace, shown: np.ndarray) -> None:
    """Each weight over the iterations, ``shown`` iterates marked."""
    names = ["x1", "x2"]
    feature_names = getattr(trace.estimator, "feature_names_in_", None)
    if feature_names is not None and len(feature_names) == trace.coef.shape[2]:
        names = [str(n) for n in feature_names]
    classes = np.asarray(trace.estimator.classes_)
    n_outputs = trace.coef.shape[1]
    # Softmax: a colour per class (as its region), a line style per weight.
    styles = ["-", ":", "-."]
    for k in range(n_outputs):
        prefix = "" if n_outputs == 1 else f"{classes[k]}: "
        for j in range(trace.coef.shape[2]):
            name = names[j] if j < len(names) else f"x{j + 1}"
            look = ({"color": f"C{j % 10}"} if n_outputs == 1
                    else {"color": f"C{k % 10}", "linestyle": styles[j % 3]})
            ax.plot(trace.iterations, trace.coef[:, k, j], label=f"{prefix}{name}", **look)
        ax.plot(trace.iterations, trace.intercept[:, k], linestyle="--",
                color="grey" if n_outputs == 1 else f"C{k % 10}", label=f"{prefix}intercept")
    for index in shown:
        ax.axvline(trace.iterations[index], color="grey", linewidth=0.6, alpha=0.6)
    _log_iterations(ax, trace)
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel("iteration")
    ax.set_ylabel("weight")
    ax.set_title("coefficients", fontsize="medium")
    ax.legend(fontsize="x-small", ncol=1 if n_outputs == 1 else 2, loc="best")


def _log_iterations(ax: Any, trace: FitTrace) -> None:
    if trace.n_iter > 50:
        ax.set_xscale("log")


def _headline(trace: FitTrace) -> str:
    estimator = trace.estimator
    solver = getattr(estimator, "solver_", estimator.solver)
    rate = f", learning rate {estimator.learning_rate:g}" if solver == "gd" else ""
    return f"solver {solver}{rate}: {trace.n_iter} iterations"


def _span(values: np.ndarray, resolution: int) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    margin = 0.08 * (high - low) if high > low else 0.5
    return np.linspace(low - margin, high + margin, resolution)


def _figure(size: tuple[float, float], dpi: float = 100.0) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'logitron[plot]'") from None
    # Without pyplot a Figure has the base canvas, whose idle redraw is a
    # no-op: an animation then renders each frame once, when it is saved.
    return Figure(figsize=size, dpi=dpi, layout="constrained")
