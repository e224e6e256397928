"""The last two points an objective evaluated, with what it knows at each.

A solver that tried ``theta + d`` and then searches back towards ``theta``
finds both raw predictions here (their difference is ``X @ d``); a line
search that evaluated the loss at its accepted step hands over ``z``, ``J``
and ``dJ/dz`` so the next gradient costs only the backward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numerics import FloatArray


@dataclass
class Point:
    """What the objective knows about one ``theta``: ``raw`` is ``z``,
    ``grad_raw`` the weighted ``dJ/dz``, ``curvature`` the loss's second
    derivative in ``z``, ``gradient`` the full ``dJ/dtheta``."""

    theta: FloatArray | None
    raw: FloatArray | None
    value: float | None = None
    grad_raw: FloatArray | None = None
    curvature: FloatArray | None = None
    gradient: FloatArray | None = None

    def holds(self, theta: FloatArray) -> bool:
        # np.array_equal's test without its Python wrappers: several lookups
        # per solver iteration.
        kept = self.theta
        return kept is not None and theta.shape == kept.shape and bool(
            np.logical_and.reduce(theta == kept, axis=None)
        )


class PointCache:
    """At most two ``Point`` s, the most recently kept first."""

    def __init__(self) -> None:
        self._points: list[Point] = []

    def find(self, theta: FloatArray) -> Point | None:
        for point in self._points:
            if point.holds(theta):
                return point
        return None

    def keep(self, point: Point) -> None:
        """Put ``point`` first; the older of the others is let go."""
        others = [p for p in self._points if p is not point]
        self._points = [point, *others[:1]]

    def make_room(self) -> None:
        """Before computing a new point: it will push the older of the two
        cached ones out, so let that go first and its n-sized arrays are not
        held beside the new ones (the fit's peak memory on small data)."""
        del self._points[1:]

    def forget_all_but(self, theta: FloatArray) -> None:
        """Keep only ``z`` at ``theta`` (when the solver is done)."""
        self._points = [
            Point(point.theta, point.raw) for point in self._points if point.holds(theta)
        ]
