"""The linear unit of the neuron: forward and backward, side by side.

::

    forward:   z = X @ coef.T + intercept
    backward:  dJ/dcoef = (X.T @ dJ/dz).T,   dJ/dintercept = sum(dJ/dz, axis=0)

Conventions
-----------
One output (the binary neuron): ``coef`` (d,), ``intercept`` scalar, ``z`` (n,).
K outputs (a softmax layer): ``coef`` (K, d), ``intercept`` (K,), ``z`` (n, K).

Solvers work on one flat parameter vector ``theta``. It is the row-major
ravel of ``W = [coef | intercept]``, shape ``(d + 1,)`` or ``(K, d + 1)``
(without the last column when there is no intercept): the intercept is the
last entry of each neuron's weights, as in scikit-learn's loss module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._numerics import FloatArray
from .backends import ArrayData


class LinearUnit:
    """``z = X @ coef.T + intercept`` over a data backend.

    Parameters
    ----------
    data : ArrayData
        The design matrix behind a backend.
    n_outputs : int
        1 for the binary neuron, K for a softmax layer.
    fit_intercept : bool
        Whether each output has an intercept.
    """

    def __init__(self, data: ArrayData, n_outputs: int, fit_intercept: bool) -> None:
        self.data = data
        self.n_outputs = n_outputs
        self.fit_intercept = fit_intercept
        self.n_features = data.n_features
        width = self.n_features + int(fit_intercept)
        self.weight_shape: tuple[int, ...] = (
            (width,) if n_outputs == 1 else (n_outputs, width)
        )
        self.n_params = int(np.prod(self.weight_shape))

    # -- parameter layout -------------------------------------------------
    def weights(self, theta: FloatArray) -> FloatArray:
        """``theta`` as ``W = [coef | intercept]`` (a view)."""
        return theta.reshape(self.weight_shape)

    def coef(self, theta: FloatArray) -> FloatArray:
        """The coefficient part of ``theta`` (a view, writable if theta is)."""
        return self.weights(theta)[..., : self.n_features]

    def intercept(self, theta: FloatArray) -> FloatArray | float:
        if not self.fit_intercept:
            return 0.0
        return self.weights(theta)[..., self.n_features]

    # -- forward / backward -------------------------------------------------
    def forward(self, theta: FloatArray) -> FloatArray:
        """Raw prediction ``z = X @ coef.T + intercept``; linear in ``theta``."""
        raw = self.data.matmul(self.coef(theta).T)
        if self.fit_intercept:
            raw += np.asarray(self.intercept(theta), dtype=raw.dtype)
        return raw

    def backward(self, grad_raw: FloatArray) -> FloatArray:
        """Chain rule through the unit: ``dJ/dz`` (n,) or (n, K) to ``dJ/dtheta``.

        ::

            dJ/dcoef      = (X.T @ dJ/dz).T
            dJ/dintercept = sum(dJ/dz, axis=0)
        """
        grad_coef = self.data.rmatmul(grad_raw).T
        if not self.fit_intercept:
            return np.ascontiguousarray(grad_coef).ravel()
        grad_intercept = np.asarray(np.sum(grad_raw, axis=0, dtype=np.float64))
        return np.concatenate([grad_coef, grad_intercept[..., None]], axis=-1).ravel()

    def forward_backward(
        self,
        theta: FloatArray,
        pointwise: Callable[[FloatArray, slice], FloatArray],
    ) -> tuple[FloatArray, FloatArray]:
        """``forward`` then ``backward`` through a per-sample map, in one pass.

        ::

            z        = X @ coef.T + intercept
            r        = pointwise(z)                  # e.g. dJ/dz from the loss
            gradient = backward(r)

        ``pointwise(z[rows], rows)`` is called on consecutive blocks of
        samples, so ``X`` is read once (see ``ArrayData.matmul_rmatmul``).
        Returns ``(z, gradient)``.
        """
        n = self.data.n_samples
        shape = (n,) if self.n_outputs == 1 else (n, self.n_outputs)
        raw = np.empty(shape, dtype=self.data.dtype)
        intercept = (
            np.asarray(self.intercept(theta), dtype=raw.dtype)
            if self.fit_intercept else None
        )
        r_sum = np.zeros(shape[1:])
        # Column sums of a (rows, K) block as a product with ones: numpy's
        # reduction down the block is ten times slower. A vector needs none.
        ones = np.ones(min(n, self.data.block_rows(self.n_outputs))) if len(shape) == 2 else None

        def through_intercept(product: FloatArray, rows: slice) -> FloatArray:
            if intercept is not None:
                product += intercept
            r = pointwise(product, rows)
            if intercept is not None:
                r_sum[...] += np.sum(r) if ones is None else ones[: len(r)] @ r
            return r

        grad_coef = self.data.matmul_rmatmul(
            self.coef(theta).T, through_intercept, out=raw
        ).T
        if not self.fit_intercept:
            return raw, np.ascontiguousarray(grad_coef).ravel()
        gradient = np.concatenate([grad_coef, r_sum[..., None]], axis=-1).ravel()
        return raw, gradient

    def hessian(self, blocks: list[tuple[int, int, FloatArray]]) -> FloatArray:
        """Second-order chain rule: ``X~.T @ diag(h_kl) @ X~`` for each block.

        ``blocks`` holds ``(k, l, h_kl)`` for ``k <= l`` where ``h_kl`` is the
        (weighted) pointwise ``d2J/dz_k dz_l``; ``X~ = [X | 1]`` with an
        intercept. Returns the symmetric (n_params, n_params) Hessian. All
        blocks come from one pass over ``X`` (see ``weighted_grams``).
        """
        (hessian,) = self.hessians([blocks])
        return hessian

    def hessians(
        self, block_lists: list[list[tuple[int, int, FloatArray]]]
    ) -> list[FloatArray]:
        """``hessian(blocks)`` for each list, all from one pass over ``X``
        (the Fisher information and the sandwich meat share it)."""
        width = self.weight_shape[-1]
        all_grams = self.data.weighted_grams(
            [h for blocks in block_lists for _, _, h in blocks],
            append_ones=self.fit_intercept,
        )
        hessians = []
        first = 0
        for blocks in block_lists:
            grams, first = all_grams[first : first + len(blocks)], first + len(blocks)
            if len(blocks) == 1:
                hessians.append(grams[0])
                continue
            hessian = np.empty((self.n_params, self.n_params))
            for (k, l, _), block in zip(blocks, grams, strict=True):  # noqa: E741
                rows = slice(k * width, (k + 1) * width)
                cols = slice(l * width, (l + 1) * width)
                hessian[rows, cols] = block
                if k != l:
                    hessian[cols, rows] = block.T
            hessians.append(hessian)
        return hessians
