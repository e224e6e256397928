"""A Dask fit's starting point: the in-memory fit of a sample of the blocks.

The sample's rows are taken on the workers that read their blocks; one task
fits them with the in-memory fit (``fitting.fit_arrays``) and returns theta.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .._numerics import FloatArray
from ..backends.dask_backend import _tree_sum, as_block_matrix
from ..fitting import FitSettings, fit_arrays
from ..inference.separation import classifies_every_row
from . import group_terms
from .block_model import HESSIAN, BlockModel
from .block_terms import encoded
from .objective import DENSE_HESSIAN_MAX_PARAMS

if TYPE_CHECKING:
    from .objective import DaskLogisticObjective


#: Solvers that start from the in-memory fit of a sample of the blocks: the
#: Newton methods (Dask's automatic choices) converge quadratically from near
#: the optimum, where each iteration saved is a pass over the data, and their
#: last iterate is exact whatever the path. The others keep the in-memory
#: path step for step (L-BFGS, whose curvature memory starts empty, gained
#: nothing from the start in trials, and its answer is only as exact as tol).
SAMPLE_START_SOLVERS = frozenset({"newton", "prox-newton"})
#: The sample reads at most one block in SAMPLE_START_MIN_BLOCKS (so data of
#: fewer blocks, whose passes are cheap too, start as in memory) and at most
#: SAMPLE_START_MAX_BLOCKS blocks, spread evenly over the data.
SAMPLE_START_MIN_BLOCKS = 8
SAMPLE_START_MAX_BLOCKS = 8
#: Values of X in the sample (32 MB in float64, a small share of a worker's
#: memory). On the Dask benchmark's data (7.4M rows x 20) the sample's
#: 200,000 rows put the first Newton step within 8e-9 (relative objective
#: gap) of the optimum, against 1.2e-7 from one block's 50,000: one pass
#: fewer to convergence.
SAMPLE_START_VALUES = 1 << 22


def sample_start(
    objective: DaskLogisticObjective, solver: str, settings: FitSettings, theta0: FloatArray
) -> FloatArray:
    """A starting point from the in-memory fit of rows sampled from a few
    blocks, in one graph (the sampling tasks run where their blocks are
    read; one task fits), which also evaluates the objective there (value,
    gradient, Hessian: what Newton asks first) and leaves it in the
    objective's cache.

    A fit far from the optimum spends its first Newton iterations, each a
    pass over all the blocks, getting close; the optimum of a sample (its
    penalty scaled to the same strength per unit of weight) is already
    within the sampling error of the full one, where Newton converges
    quadratically, and that error shrinks with the sample's rows. Blocks
    are taken evenly over the data and rows evenly over each block, so data
    sorted by time or by class still give a sample of all of it. Used only
    for the default start (zeros), for the solvers in
    ``SAMPLE_START_SOLVERS`` and data of at least ``SAMPLE_START_MIN_BLOCKS``
    blocks; else, or when the sample's fit is a poor start (see
    ``block_terms.fit_sample``), ``theta0``.
    """
    import dask

    blocks = objective.blocks
    if (
        solver not in SAMPLE_START_SOLVERS
        or blocks.n_blocks < SAMPLE_START_MIN_BLOCKS
        or np.any(theta0)
    ):
        return theta0
    n_sampled = min(SAMPLE_START_MAX_BLOCKS, blocks.n_blocks // SAMPLE_START_MIN_BLOCKS)
    chosen = np.linspace(0, blocks.n_blocks - 1, n_sampled).round().astype(int)
    rows_per_block = max(1, SAMPLE_START_VALUES // (n_sampled * blocks.n_features))
    take = dask.delayed(sample_rows, pure=True)
    parts = [
        take(blocks.X_blocks[i], blocks.y_blocks[i], blocks.weight_blocks[i],
             objective.model, rows_per_block)
        for i in chosen
    ]
    start = dask.delayed(start_point, pure=True)(
        parts, objective.model, settings, solver, np.asarray(theta0, dtype=np.float64)
    )
    if objective.n_params > DENSE_HESSIAN_MAX_PARAMS:
        blocks.graphs_submitted += 1
        (theta,) = dask.compute(start)
        return np.asarray(theta, dtype=np.float64)
    # The solver's first request is the Hessian at the start: it rides in
    # the same graph, each group task taking the start from the fit task,
    # so the start costs no round trip of its own.
    evaluate = dask.delayed(group_terms.evaluate_at, pure=True)
    terms = _tree_sum([
        evaluate(sources, start, objective.model, HESSIAN, True)
        for sources in objective.groups.sources
    ])
    blocks.graphs_submitted += 1
    blocks.data_passes += 1
    theta, total = dask.compute(start, terms)
    theta = np.asarray(theta, dtype=np.float64)
    objective.prime(theta, HESSIAN, total)
    return theta


def start_point(
    parts: list[tuple[np.ndarray, np.ndarray, FloatArray]],
    model: BlockModel,
    settings: FitSettings,
    solver: str,
    theta0: FloatArray,
) -> FloatArray:
    """The sample's fit (``fit_sample``), or ``theta0`` when it is a poor start."""
    _, theta = fit_sample(parts, model, settings, solver)
    return theta0 if theta is None else theta


def sample_rows(
    X_block: Any, y_block: Any, weight_block: Any, model: BlockModel, max_rows: int
) -> tuple[np.ndarray, np.ndarray, FloatArray]:
    """At most ``max_rows`` rows of one block, evenly strided through it (a
    block sorted by time or by class still gives rows from all its span):
    ``(X, class indices, weights with class weights)``."""
    X = as_block_matrix(X_block, model.dtype)
    y_index, weight = encoded(model, len(X), y_block, weight_block)
    stride = max(1, -(-len(X) // max_rows))
    if stride == 1:
        return X, y_index, weight
    return np.ascontiguousarray(X[::stride]), y_index[::stride], weight[::stride]


def fit_sample(
    parts: list[tuple[np.ndarray, np.ndarray, FloatArray]],
    model: BlockModel,
    settings: FitSettings,
    solver: str,
) -> tuple[None, FloatArray | None]:
    """theta of the in-memory fit of the rows ``sample_rows`` took from a few
    blocks, or ``None`` when it would be a poor start (a class missing, no
    weight, or any warning: separation, no convergence).

    The sample's problem has the penalty per unit of weight of the whole
    one, ``1/(C_s S_s) = 1/(C S)``: its optimum estimates the full optimum
    from the sample's rows alone.
    """
    X = np.concatenate([part[0] for part in parts])
    y_index = np.concatenate([part[1] for part in parts])
    weight = np.concatenate([part[2] for part in parts])
    sample_weight = float(np.sum(weight))
    if sample_weight <= 0 or len(np.unique(y_index[weight > 0])) < len(model.classes):
        return None, None
    C = settings.C * model.total_weight / sample_weight
    sample_settings = dataclasses.replace(
        settings, C=C, solver=solver, tol=None, max_iter=None, verbose=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            # Only the coefficients are wanted: no statistics (an unpenalised
            # record's Gram products, certificate or separation programs
            # would cost a small worker its memory). All classes are in the
            # sample (checked above), so y_index already indexes them.
            outcome = fit_arrays(X, y_index, len(model.classes), weight, sample_settings)
        except (Warning, ArithmeticError):
            return None, None
    if not outcome.result.converged:
        return None, None
    unit = outcome.objective.unit
    if np.isposinf(C) and classifies_every_row(unit.forward(outcome.theta), y_index, weight):
        return None, None  # a separating sample: its fit diverges, no start
    # The representative a fitted softmax model reports (``unpack``).
    centre_coef = bool(np.isposinf(C)) or settings.l1_ratio == 0.0
    coef, intercept = unit.unpack(outcome.theta, centre_coef=centre_coef)
    return None, unit.pack(coef, intercept)
