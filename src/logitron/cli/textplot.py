"""A line plot drawn with characters, for terminals without a display."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def line_plot(
    values: ArrayLike,
    *,
    width: int = 60,
    height: int = 12,
    x_label: str = "iteration",
    y_label: str = "cost",
) -> str:
    """Draw ``values[i]`` against ``i + 1`` as text, ``height`` rows by ``width``
    columns of plot area, with the y range and the x range on the axes.

    Each column shows the value at the iteration nearest to its position;
    consecutive columns are joined vertically so that steep drops stay visible.

    Parameters
    ----------
    values : array-like of shape (n,)
        The curve, e.g. ``LogisticRegression.loss_curve_``; finite, not empty.
    width, height : int
        Size of the plot area in characters (at least 2 each).
    x_label, y_label : str
        Axis names printed under and above the plot.

    Returns
    -------
    str
        The plot, lines separated by ``"\\n"``, no trailing newline.
    """
    curve = np.asarray(values, dtype=np.float64)
    if curve.ndim != 1 or curve.size == 0 or not np.all(np.isfinite(curve)):
        raise ValueError("line_plot needs a non-empty 1-D sequence of finite values.")
    if width < 2 or height < 2:
        raise ValueError(f"width and height must be >= 2, got {width} and {height}.")
    n = curve.size
    index = np.rint(np.linspace(0, n - 1, width)).astype(np.intp)
    low, high = float(curve.min()), float(curve.max())
    span = high - low if high > low else 1.0
    # Row 0 is the top line of the plot, so large values get small row numbers.
    rows = np.rint((high - curve[index]) / span * (height - 1)).astype(np.intp)

    grid = [[" "] * width for _ in range(height)]
    for column, row in enumerate(rows):
        previous = rows[column - 1] if column else row
        for filled in range(min(previous, row), max(previous, row) + 1):
            grid[filled][column] = "*"

    top, bottom = f"{high:.4g}", f"{low:.4g}"
    margin = max(len(top), len(bottom))
    lines = [f"{y_label}"]
    for number, cells in enumerate(grid):
        label = top if number == 0 else bottom if number == height - 1 else ""
        lines.append(f"{label:>{margin}} |{''.join(cells)}".rstrip())
    lines.append(" " * margin + " +" + "-" * width)
    first, last = "1", str(n)
    gap = width - len(first) - len(last)
    lines.append(" " * (margin + 2) + first + " " * max(gap, 1) + last)
    lines.append(" " * (margin + 2) + f"{x_label:^{width}}".rstrip())
    return "\n".join(lines)
