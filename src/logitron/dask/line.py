"""Lines through the distributed objective, and raw predictions kept on
the workers.

A line search's trial steps move ``z + t * X~ @ d`` on the workers, where
the first trial left ``z`` and ``X~ @ d`` (see ``dask.objective``): the line
here holds the handles, the objective runs the graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .._numerics import FloatArray


class LineOwner(Protocol):
    """What a ``DaskLineFunction`` asks of its objective."""

    def value_noise(self, value: float) -> float: ...

    def line_value(
        self, line: DaskLineFunction, step: float, with_derivative: bool
    ) -> tuple[float, float]: ...

    def remember_on_line(self, theta: FloatArray, line: DaskLineFunction, step: float) -> None: ...


@dataclass(frozen=True)
class RawOnWorkers:
    """A raw prediction ``z`` that stays on the workers, as what the solvers
    get from ``raw_prediction``::

        z = sum_j coefficient_j * kept_j.<field_j>

    ``kept_j`` one kept array per block (``KeptBlock.raw`` or ``.raw_direction``).
    The unit is linear in theta, so a solver's arithmetic on z's
    (``z_new + beta * (z_new - z_old)``, FISTA's extrapolation) is the same
    arithmetic on the coefficients; no data moves until a graph uses it.
    """

    terms: tuple[tuple[float, list[Any], str], ...]
    # NumPy scalars (a solver's momentum) defer to __rmul__ instead of
    # wrapping the handle in an object array.
    __array_ufunc__ = None

    @classmethod
    def of(cls, kept: list[Any]) -> RawOnWorkers:
        return cls(((1.0, kept, "raw"),))

    def __add__(self, other: RawOnWorkers) -> RawOnWorkers:
        merged: list[tuple[float, list[Any], str]] = list(self.terms)
        for coefficient, kept, field in other.terms:
            for i, (c, k, f) in enumerate(merged):
                if k is kept and f == field:
                    merged[i] = (c + coefficient, k, f)
                    break
            else:
                merged.append((coefficient, kept, field))
        return RawOnWorkers(tuple(merged))

    def __mul__(self, factor: float) -> RawOnWorkers:
        return RawOnWorkers(tuple((factor * c, k, f) for c, k, f in self.terms))

    __rmul__ = __mul__

    def __sub__(self, other: RawOnWorkers) -> RawOnWorkers:
        return self + (-1.0) * other

    def per_block(self) -> list[tuple[Any, ...]]:
        """Block ``i``'s kept arrays, one per term."""
        return [tuple(parts) for parts in zip(*(k for _, k, _ in self.terms), strict=True)]

    def recipe(self) -> tuple[tuple[float, str], ...]:
        return tuple((float(c), f) for c, _, f in self.terms)



class DaskLineFunction:
    """``phi(t) = J(theta + t d)`` over a ``DaskLogisticObjective``.

    The ``objective.Line`` protocol, as the in-memory ``LineFunction``;
    nothing is computed until the first trial step (see
    ``dask.objective``'s module doc).
    """

    trials_are_cheap = False  # each trial step is a graph over the blocks

    def __init__(
        self, objective: LineOwner, theta: FloatArray, direction: FloatArray
    ) -> None:
        self.dask_objective = objective
        self.theta = np.asarray(theta, dtype=np.float64)
        self.direction = np.asarray(direction, dtype=np.float64)
        self.kept: list[Any] | None = None
        self.anchor_step = 0.0
        self.anchor_theta: FloatArray = self.theta

    def value_noise(self, value: float) -> float:
        return self.dask_objective.value_noise(value)

    def at(self, step: float) -> FloatArray:
        """``theta + step * d``: the same expression as ``point``, so that
        cached evaluations match bit for bit."""
        return self.theta + step * self.direction

    def anchor(self, step: float, kept: list[Any] | None) -> None:
        self.kept = kept
        self.anchor_step = step
        self.anchor_theta = self.at(step)

    def raw_at(self, step: float) -> RawOnWorkers:
        """``z(theta + step d) = z_anchor + (step - anchor_step) * X~ @ d``."""
        assert self.kept is not None
        return RawOnWorkers(
            ((1.0, self.kept, "raw"), (step - self.anchor_step, self.kept, "raw_direction"))
        )

    def point(self, step: float) -> FloatArray:
        """``theta + step * d``; its ``z`` is known to the workers."""
        theta = self.at(step)
        self.dask_objective.remember_on_line(theta, self, step)
        return theta

    def value(self, step: float) -> float:
        return self.dask_objective.line_value(self, step, with_derivative=False)[0]

    def value_derivative(self, step: float) -> tuple[float, float]:
        """``(phi(t), phi'(t))``, ``phi'(t) = dJ/dtheta(theta + t d) @ d``."""
        return self.dask_objective.line_value(self, step, with_derivative=True)


#: Points whose z the workers hold for an accelerated method: the iterate, the
#: previous one and the extrapolated point (FISTA).
KNOWN_POINTS = 3


class PointsOnWorkers:
    """Which points' raw predictions the workers hold, and which point is a
    line's first trial (its evaluation also computes and keeps ``X~ @ d``
    for the later trials). Keys are ``theta.tobytes()``."""

    def __init__(self) -> None:
        # z held by the workers as a combination of kept arrays (points on
        # the current line, an accelerated method's extrapolated points):
        # evaluating there needs no forward pass.
        self._raw: dict[bytes, RawOnWorkers] = {}
        self._first_trial: dict[bytes, tuple[DaskLineFunction, float]] = {}

    def raw(self, key: bytes) -> RawOnWorkers | None:
        return self._raw.get(key)

    def know(self, theta: FloatArray, raw: RawOnWorkers) -> None:
        """Remember that the workers hold ``z(theta)``; only the last few
        points are kept (each holds n-sized arrays on the workers)."""
        self._raw[theta.tobytes()] = raw
        while len(self._raw) > KNOWN_POINTS:
            del self._raw[next(iter(self._raw))]

    def mark_first_trial(self, theta: FloatArray, line: DaskLineFunction, step: float) -> None:
        self._first_trial[theta.tobytes()] = (line, step)

    def only_first_trial(self, theta: FloatArray, line: DaskLineFunction, step: float) -> None:
        self._first_trial = {theta.tobytes(): (line, step)}

    def is_first_trial(self, theta: FloatArray) -> bool:
        return theta.tobytes() in self._first_trial

    def pop_first_trial(self, key: bytes) -> tuple[DaskLineFunction, float] | None:
        return self._first_trial.pop(key, None)

    def clear(self) -> None:
        """A new line: the previous line's kept arrays can go."""
        self._raw.clear()
        self._first_trial.clear()

