"""The linear unit of the neuron: forward and backward, side by side.

::

    forward:   z = X @ coef.T + intercept (+ offset)
    backward:  dJ/dcoef = (X.T @ dJ/dz).T,   dJ/dintercept = sum(dJ/dz, axis=0)

Conventions
-----------
One output (the binary neuron): ``coef`` (d,), ``intercept`` scalar, ``z`` (n,).
K outputs (a softmax layer): ``coef`` (K, d), ``intercept`` (K,), ``z`` (n, K).

Solvers work on one flat parameter vector ``theta``. It is the row-major
ravel of ``W = [coef | intercept]``, shape ``(d + 1,)`` or ``(K, d + 1)``
(without the last column when there is no intercept): the intercept is the
last entry of each neuron's weights, as in scikit-learn's loss module.
Small dense data also hold ``X~ = [X | 1]``, over which ``z = X~ @ W.T``
and the intercept is one more column of each product.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

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
        self.n_params = math.prod(self.weight_shape)  # np.prod costs 4 us a fit
        #: ``X~ = [X | 1]`` where the data hold it (small dense X,
        #: ``ArrayData.with_ones``): the intercept is then one more column of
        #: every product, not a term added around them (a 32 x 3 fit: 450 ->
        #: 416 us). None: products read ``data``.
        self.with_ones = data.with_ones() if fit_intercept else None
        # What every product reads, and whether the intercept is added
        # around the products (X with an intercept) or is in them.
        self._read = data if self.with_ones is None else self.with_ones
        self._intercept_apart = fit_intercept and self.with_ones is None

    def in_float32(self) -> LinearUnit:
        """This unit over a float32 copy of dense ``X`` (half the bytes a
        pass reads). The input check's column sums of squares serve the copy
        too: its preconditioner and gradient floor then cost no pass."""
        data = ArrayData(np.asarray(self.data.X, dtype=np.float32), self.data.column_squares)
        return LinearUnit(data, self.n_outputs, self.fit_intercept)

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

    def _read_weights(self, theta: FloatArray) -> FloatArray:
        """The part of ``W`` the products multiply: all of it over ``X~``,
        ``coef`` where the intercept is added around them."""
        return self.coef(theta) if self._intercept_apart else self.weights(theta)

    def pack(self, coef: FloatArray, intercept: FloatArray | None) -> FloatArray:
        """theta (float64) of ``coef`` (K, d) and ``intercept`` (K,), as
        scikit-learn stores them (``coef_`` is (1, d) for one output)."""
        weights = np.zeros(self.weight_shape)
        theta = weights.ravel()
        self.coef(theta)[...] = np.reshape(coef, self.coef(theta).shape)
        if self.fit_intercept and intercept is not None:
            weights[..., self.n_features] = np.reshape(
                intercept, weights[..., self.n_features].shape
            )
        return theta

    def unpack(
        self, theta: FloatArray, centre_coef: bool
    ) -> tuple[FloatArray, FloatArray]:
        """``(coef (K, d), intercept (K,))`` of theta, as scikit-learn reports them.

        A softmax layer is invariant to a common shift of all classes (see
        ``null_space``): the symmetric (zero-sum over classes) representative
        is reported, as scikit-learn does: always for the intercept, and for
        the coefficients when ``centre_coef`` (no penalty, or a pure L2 one,
        whose exact optimum is zero-sum; centring an L1 fit would undo its
        zeros). Without an intercept the intercept is zeros.
        """
        if self.n_outputs > 1:
            weights = self.weights(theta).copy()
            centred = weights - weights.mean(axis=0)
            free = slice(None) if centre_coef else slice(self.n_features, None)
            weights[:, free] = centred[:, free]
            theta = weights.ravel()
        coef = np.atleast_2d(self.coef(theta))
        intercept = (
            np.atleast_1d(self.intercept(theta)) if self.fit_intercept
            else np.zeros(len(coef))
        )
        return coef, intercept

    def parameter_columns(self) -> NDArray[np.intp]:
        """Column of ``W = [coef | intercept]`` holding each entry of theta (p,):
        feature ``j`` is column ``j``, the intercept column ``n_features``."""
        width = self.weight_shape[-1]
        columns = np.broadcast_to(np.arange(width), self.weight_shape)
        return np.ascontiguousarray(columns).ravel()

    def null_space(self, coef_penalised: bool) -> FloatArray | None:
        """Orthonormal directions of theta along which ``z`` changes by a
        constant per row, so softmax probabilities do not change at all.

        A softmax layer is over-parametrised: adding the same constant to
        every class's intercept (and, when ``coef`` is not penalised, to every
        class's coefficient of one feature) leaves each ``softmax(z)``
        unchanged. The returned (p, m) matrix spans those directions; a
        Newton solver adds its projector to the Hessian to make it positive
        definite without changing the step in the other directions. ``None``
        for one neuron, or when no direction is free.
        """
        n_classes = self.n_outputs
        if n_classes == 1:
            return None
        width = self.weight_shape[-1]
        free_columns = [self.n_features] if self.fit_intercept else []
        if not coef_penalised:
            free_columns = list(range(width))
        if not free_columns:
            return None
        basis = np.zeros((n_classes, width, len(free_columns)))
        for j, column in enumerate(free_columns):
            basis[:, column, j] = 1.0 / np.sqrt(n_classes)
        return basis.reshape(self.n_params, len(free_columns))

    # -- forward / backward -------------------------------------------------
    def forward(self, theta: FloatArray, offset: FloatArray | None = None) -> FloatArray:
        """Raw prediction ``z = X @ coef.T + intercept (+ offset)``.

        ``offset`` (n,) is a known per-row term with coefficient 1 (R's
        ``offset()``); without it ``z`` is linear in ``theta``, which is what
        a direction ``X @ d`` needs.
        """
        raw = self._read.matmul(self._read_weights(theta).T)
        if self._intercept_apart:
            raw += np.asarray(self.intercept(theta), dtype=raw.dtype)
        if offset is not None:
            _add_offset(raw, offset, slice(None))
        return raw

    def backward(self, grad_raw: FloatArray) -> FloatArray:
        """Chain rule through the unit: ``dJ/dz`` (n,) or (n, K) to ``dJ/dtheta``.

        ::

            dJ/dcoef      = (X.T @ dJ/dz).T
            dJ/dintercept = sum(dJ/dz, axis=0)      (X~.T @ dJ/dz with X~)
        """
        grad_coef = self._read.rmatmul(grad_raw).T
        if not self._intercept_apart:
            return np.ascontiguousarray(grad_coef).ravel()
        grad_intercept = np.asarray(np.sum(grad_raw, axis=0, dtype=np.float64))
        return np.concatenate([grad_coef, grad_intercept[..., None]], axis=-1).ravel()

    @cached_property
    def block_shape(self) -> tuple[int, ...]:
        """Shape of the largest block ``forward_backward`` hands its map."""
        rows = min(self.data.n_samples, self._read.block_rows(self.n_outputs))
        return (rows,) if self.n_outputs == 1 else (rows, self.n_outputs)

    def forward_backward(
        self,
        theta: FloatArray,
        pointwise: Callable[[FloatArray, slice], FloatArray],
        offset: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """``forward`` then ``backward`` through a per-sample map, in one pass.

        ::

            z        = X @ coef.T + intercept (+ offset)
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
            if self._intercept_apart else None
        )
        # Each block's sum of r, added up at the end: an in-place sum into a
        # 0-d array costs 1.5 us a block, 7% of a pass over 32 x 3.
        r_sums: list[FloatArray] = []
        # Column sums of a (rows, K) block as a product with ones: numpy's
        # reduction down the block is ten times slower. A vector needs none.
        ones = (
            np.ones(self.block_shape[0])
            if intercept is not None and len(shape) == 2 else None
        )

        def through_intercept(product: FloatArray, rows: slice) -> FloatArray:
            if intercept is not None:
                product += intercept
            if offset is not None:
                _add_offset(product, offset, rows)
            r = pointwise(product, rows)
            if intercept is not None:
                # np.add.reduce is np.sum without its Python wrapper.
                r_sums.append(np.add.reduce(r, axis=None) if ones is None else ones[: len(r)] @ r)
            return r

        # Nothing to add around the products: the loss's map itself.
        block_map = pointwise if intercept is None and offset is None else through_intercept
        grad_coef = self._read.matmul_rmatmul(
            self._read_weights(theta).T, block_map, out=raw
        ).T
        if intercept is None:
            return raw, np.ascontiguousarray(grad_coef).ravel()
        # In float64 from +0.0, in block order, whatever the dtype of r.
        r_sum = np.asarray(sum(r_sums, np.zeros(shape[1:])))
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
        all_grams = self._read.weighted_grams(
            [h for blocks in block_lists for _, _, h in blocks],
            append_ones=self._intercept_apart,
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


def _add_offset(raw: FloatArray, offset: FloatArray, rows: slice) -> FloatArray:
    """``raw += offset[rows]`` (to each output's column of a 2-D ``raw``)."""
    raw += offset[rows] if raw.ndim == 1 else offset[rows, None]
    return raw
