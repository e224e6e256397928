"""The last two points an objective evaluated, with what it knows at each.

A solver that tried ``theta + d`` and then searches back towards ``theta``
finds both raw predictions here (their difference is ``X @ d``); a line
search that evaluated the loss at its accepted step hands over ``z``, ``J``
and ``dJ/dz`` so the next gradient costs only the backward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    #: ``theta``'s bytes: a lookup compares them, not the values, as it runs
    #: several times per solver iteration and on small data an elementwise
    #: comparison and its reduction cost ten times more. Equal bits mean an
    #: equal point; equal values in other bits (+0.0, -0.0) are recomputed.
    key: Key | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = None if self.theta is None else _key(self.theta)

    def holds(self, theta: FloatArray, key: Key | None = None) -> bool:
        """Whether this is the point ``theta`` (``key``: its ``_key``, if known)."""
        return self.key is not None and self.key == (_key(theta) if key is None else key)


#: A point's dtype, shape and bytes: equal bytes of another layout are
#: another point.
Key = tuple[str, tuple[int, ...], bytes]


def _key(theta: FloatArray) -> Key:
    return theta.dtype.char, theta.shape, theta.tobytes()


class PointCache:
    """At most two ``Point`` s, the most recently kept first."""

    def __init__(self) -> None:
        self._points: list[Point] = []

    def find(self, theta: FloatArray) -> Point | None:
        key = _key(theta)
        for point in self._points:
            if point.holds(theta, key):
                return point
        return None

    def evaluated_near(self, theta: FloatArray) -> Point | None:
        """The point ``theta`` if its gradient is known, else the most
        recently kept point whose gradient is known, if any."""
        at = self.find(theta)
        if at is not None and at.gradient is not None:
            return at
        for point in self._points:
            if point.gradient is not None:
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

    def forget_all(self) -> None:
        """Let every point go."""
        self._points.clear()

    def forget_others(self, theta: FloatArray) -> None:
        """Keep only the point ``theta``, whole (before its Hessian: the
        other point's n-sized arrays are not held beside that pass)."""
        key = _key(theta)
        self._points = [point for point in self._points if point.holds(theta, key)]

    def forget_all_but(self, theta: FloatArray) -> None:
        """Keep only ``z`` at ``theta`` (when the solver is done)."""
        self.forget_others(theta)
        for point in self._points:  # emptied in place: its key stays valid
            point.value = point.grad_raw = point.curvature = point.gradient = None
