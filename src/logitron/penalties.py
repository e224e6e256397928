"""The elastic-net penalty on the coefficients (never the intercept).

::

    penalty(w) = strength * ((1 - l1_ratio) / 2 * ||w||_2^2 + l1_ratio * ||w||_1)

``l1_ratio = 0`` is the ridge (L2) penalty, ``1`` the lasso (L1), anything in
between the elastic net; ``strength = 0`` means no penalty. The penalty never
sees data: it acts on the coefficient array ``w`` of any shape.

The L2 part is smooth and enters value, gradient and Hessian; the L1 part is
handled by its proximal operator (soft-thresholding) in proximal solvers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._numerics import FloatArray


@dataclass(frozen=True)
class ElasticNet:
    """Elastic-net penalty ``strength * ((1 - r)/2 ||w||^2 + r ||w||_1)``."""

    strength: float
    l1_ratio: float = 0.0

    @property
    def l2_strength(self) -> float:
        """Coefficient ``a`` of the smooth part ``a/2 ||w||^2``."""
        return self.strength * (1.0 - self.l1_ratio)

    @property
    def l1_strength(self) -> float:
        """Coefficient ``b`` of the non-smooth part ``b ||w||_1``."""
        return self.strength * self.l1_ratio

    @property
    def is_smooth(self) -> bool:
        return self.l1_strength == 0.0

    def smooth_value(self, coef: FloatArray) -> float:
        """``a/2 ||w||^2``."""
        if self.l2_strength == 0.0:
            return 0.0
        return 0.5 * self.l2_strength * float(np.vdot(coef, coef))

    def smooth_gradient(self, coef: FloatArray) -> FloatArray:
        """``a * w``."""
        return self.l2_strength * coef

    def l1_value(self, coef: FloatArray) -> float:
        """``b ||w||_1``."""
        if self.l1_strength == 0.0:
            return 0.0
        return self.l1_strength * float(np.sum(np.abs(coef)))

    def value(self, coef: FloatArray) -> float:
        return self.smooth_value(coef) + self.l1_value(coef)

    def prox_l1(self, coef: FloatArray, step: float) -> FloatArray:
        """Proximal operator of ``step * b ||w||_1``: soft-thresholding.

        ::

            prox(w) = sign(w) * max(|w| - step * b, 0)

        It returns exact zeros, which is how L1 fits get sparse coefficients.
        """
        threshold = step * self.l1_strength
        return np.sign(coef) * np.maximum(np.abs(coef) - threshold, 0.0)
