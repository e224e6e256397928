"""The elastic-net penalty laid onto the coefficient part of theta.

``penalties.ElasticNet`` knows the penalty of a coefficient array; this adds
the parameter layout of the unit (``neuron.LinearUnit``): which entries of
theta are coefficients (penalised) and which are intercepts (never). The
in-memory and the distributed objective both add their penalty through it::

    value        = a/2 ||coef||^2                    (+ b ||coef||_1, apart)
    gradient    += a * coef          on the coefficient entries
    hessian     += a * I_coef        on the coefficient entries
    prox(theta)  = soft-threshold(coef, step * b), intercepts untouched

with ``a = (1 - r)/(C S)`` and ``b = r/(C S)`` on the mean-log-loss scale.
"""

from __future__ import annotations

import numpy as np

from .._numerics import FloatArray
from ..neuron import LinearUnit
from ..penalties import ElasticNet


class CoefficientPenalty:
    """``ElasticNet(strength, l1_ratio)`` on the coefficients of ``unit``."""

    def __init__(self, unit: LinearUnit, strength: float, l1_ratio: float) -> None:
        self.unit = unit
        self.elastic_net = ElasticNet(strength=strength, l1_ratio=l1_ratio)
        self.l2_strength = self.elastic_net.l2_strength
        self.l1_strength = self.elastic_net.l1_strength

    def value(self, theta: FloatArray) -> float:
        """The smooth part ``a/2 ||coef||^2``."""
        if not self.l2_strength:
            return 0.0  # without taking the coefficients' view: every evaluation asks
        return self.elastic_net.smooth_value(self.unit.coef(theta))

    def add_gradient(self, theta: FloatArray, gradient: FloatArray) -> None:
        """``gradient += a * coef`` on the coefficient entries, in place."""
        if self.l2_strength:
            self.unit.coef(gradient)[...] += self.elastic_net.smooth_gradient(
                self.unit.coef(theta)
            )

    def slope(self, theta: FloatArray, direction: FloatArray) -> float:
        """Derivative of the smooth part along ``direction``: ``a * coef @ d``."""
        if not self.l2_strength:
            return 0.0
        return self.l2_strength * float(
            np.vdot(self.unit.coef(theta), self.unit.coef(direction))
        )

    def hessian_diagonal(self) -> FloatArray:
        """``a`` on the coefficient entries, 0 on the intercepts (p,)."""
        diagonal = np.zeros(self.unit.n_params)
        self.unit.coef(diagonal)[...] = self.l2_strength
        return diagonal

    def null_space(self) -> FloatArray | None:
        """Directions along which the cost is constant (``LinearUnit.null_space``):
        the penalty fixes a softmax layer's shift of the coefficients when it
        has an L2 part."""
        return self.unit.null_space(coef_penalised=self.l2_strength != 0.0)

    # -- the L1 term, for proximal solvers ----------------------------------
    def nonsmooth_value(self, theta: FloatArray) -> float:
        """The L1 term ``b ||coef||_1`` (0 for a smooth objective)."""
        return self.elastic_net.l1_value(self.unit.coef(theta))

    def prox(self, theta: FloatArray, step: float) -> FloatArray:
        """Soft-thresholding of the coefficient part of ``theta`` (a new array);
        the intercept is never penalised."""
        result = np.array(theta, dtype=np.float64, copy=True)
        coef = self.unit.coef(result)
        coef[...] = self.elastic_net.prox_l1(coef, step)
        return result

    def l1_strengths(self) -> FloatArray:
        """Per-entry L1 weights of theta: ``b`` on coefficients, 0 on intercepts."""
        strengths = np.zeros(self.unit.n_params)
        self.unit.coef(strengths)[...] = self.l1_strength
        return strengths
