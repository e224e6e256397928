"""A Dask fit's starting point: the in-memory fit of a sample of the blocks,
drawn in the graph that reads the labels.

A fit far from the optimum spends its first Newton iterations, each a pass
over all the blocks, getting close; the optimum of a sample (its penalty
scaled to the same strength per unit of weight) is already within the
sampling error of the full one, where Newton converges quadratically, and
that error shrinks with the sample's rows. Blocks are taken evenly over the
data and rows evenly over each block, so data sorted by time or by class
still give a sample of all of it.

``fit`` must read the labels first (the classes, their weights), in one
graph over the label columns. The sample rides in that graph
(``labels_and_start``): tasks beside the labels' read a few blocks of ``X``
and take their rows, and one task, once the labels are counted, builds the
model from them as the client will, fits the sample in memory
(``fitting.fit_arrays``) and returns theta. The client gets the labels and
the start together, and the solver's first pass (the gradient and Hessian
at the start) is a graph of its own, with no task waiting on another: its
tasks spread over the workers from the start. The sample costs no round
trip and no wait of its own; its reads overlap the labels'.

It is drawn for the solvers in ``SAMPLE_START_SOLVERS`` (``"auto"``
resolves to one on Dask) on data of at least ``SAMPLE_START_MIN_BLOCKS``
blocks, and used (``sample_start``) when the fit starts from zero
coefficients; a warm or random start discards it, as does a poor sample
(``fit_sample``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._numerics import FloatArray
from ..backends.dask_backend import (
    DaskBlocks,
    NoLocalData,
    _tree_sum,
    as_block_matrix,
    as_block_vector,
)
from ..fitting import FitSettings, fit_arrays, resolve_solver
from ..inference.separation import classifies_every_row
from ..neuron import LinearUnit
from . import block_model, group_terms
from .block_groups import BlockGroups, InlineBlock, client_in_use, inline_blocks, materialise
from .block_model import BlockModel, LabelStats

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
#: Values of X in the sample (256 MB in float64; the sampled blocks are
#: read whole anyway, so more of their rows cost no reading, only the
#: sample's fit on one worker and its memory). The first Newton step's
#: relative objective gap falls as the square of the sample's rows (on the
#: Dask benchmark's data, 6.8M rows x 21: about 2e-8 from 200,000 rows, 2e-9
#: to 5e-9 from 400,000), and so does the bound on the gradient after that
#: step (``solvers.newton_certificate``), which lets Newton stop without a
#: pass to confirm it. On the benchmark's 3.6 GB of Parquet (21M rows x 21,
#: 1.5 GB workers), at ``tol=1e-3``:
#:
#: ============  =================  ==================  ===================
#: sample rows   16 files: bound    128 files: bound    sample's fit
#: ============  =================  ==================  ===================
#: 400,000       1.8e-3 (2 passes)  --                  0.5 s
#: 800,000       8.5e-4 (1 pass)    1.3e-3 (2 passes)   0.5 s
#: 1,340,000     3.5e-4 (1 pass)    6.9e-4 (1 pass)     1.2 s
#: ============  =================  ==================  ===================
#:
#: (the last row is this setting: all rows of the sampled blocks, which
#: hold 1.34M rows at 128 files). The workers' peak memory, set by reading a
#: 150 MB file, went from 0.90 to 1.08 GB.
SAMPLE_START_VALUES = 1 << 25


def labels_and_start(
    blocks: DaskBlocks, settings: FitSettings | None, class_weight: Any, fit_intercept: bool
) -> tuple[LabelStats, FloatArray | None]:
    """The labels' counts and weight sums, and the sample's start (or None:
    not drawn, or a poor start), from one graph (module doc). ``settings``
    None: no start (``partial_fit``'s batches)."""
    import dask

    groups = BlockGroups.of_parts(blocks.label_blocks)
    each = dask.delayed(group_terms.each_block, pure=True)
    stats = _tree_sum([each(sources, block_model.label_stats)[1] for sources in groups.sources])
    blocks.graphs_submitted += 1
    chosen = _sampled_blocks(blocks, settings)
    if settings is None or chosen is None:
        (total,) = dask.compute(stats)
        return total, None
    rows_per_block = max(1, SAMPLE_START_VALUES // (len(chosen) * blocks.n_features))
    parts = _sample_tasks(
        [(blocks.X_blocks[i], blocks.y_blocks[i], blocks.weight_blocks[i]) for i in chosen],
        blocks.dtype, rows_per_block,
    )
    start = dask.delayed(start_from_labels, pure=True)(
        stats, parts, settings, class_weight, blocks.n_features, fit_intercept, blocks.dtype
    )
    total, theta = dask.compute(stats, start)
    return total, None if theta is None else np.asarray(theta, dtype=np.float64)


def sample_start(
    objective: DaskLogisticObjective, solver: str, theta0: FloatArray
) -> FloatArray:
    """The sample's start drawn with the labels (``objective.sample_theta``)
    when the fit starts from zero coefficients with one of
    ``SAMPLE_START_SOLVERS``; else ``theta0``."""
    start = objective.sample_theta
    if start is None or solver not in SAMPLE_START_SOLVERS or np.any(
        objective.unit.coef(theta0)
    ):
        return theta0
    return start


def _sampled_blocks(blocks: DaskBlocks, settings: FitSettings | None) -> np.ndarray | None:
    """Indices of the blocks the sample reads, or None for no sample."""
    if (
        settings is None
        or (settings.solver != "auto" and settings.solver not in SAMPLE_START_SOLVERS)
        or blocks.n_blocks < SAMPLE_START_MIN_BLOCKS
    ):
        return None
    n_sampled = min(SAMPLE_START_MAX_BLOCKS, blocks.n_blocks // SAMPLE_START_MIN_BLOCKS)
    return np.linspace(0, blocks.n_blocks - 1, n_sampled).round().astype(int)


def _sample_tasks(
    chosen: list[tuple[Any, ...]], dtype: np.dtype, rows_per_block: int
) -> list[Any]:
    """One Delayed ``sample_rows`` per sampled block. A block read from its
    source (``block_groups.InlineBlock``) is read inside its task, and the
    tasks are placed on the workers in turn: left to the scheduler, the
    reads of two files went to one worker, one after the other, while the
    other worker waited (0.55 s of a 9 s fit of 16 Parquet files)."""
    import dask

    client = client_in_use()
    inline = inline_blocks(chosen) if client is not None else None
    if inline is None:
        take = dask.delayed(sample_rows, pure=True)
        return [take(*block, dtype, rows_per_block) for block in chosen]
    workers = sorted(client.nthreads())
    tasks = []
    for i, block in enumerate(inline):
        with dask.annotate(workers=[workers[i % len(workers)]], allow_other_workers=True):
            tasks.append(dask.delayed(sample_rows_read, pure=True)(block, dtype, rows_per_block))
    return tasks


def sample_rows_read(
    source: InlineBlock, dtype: np.dtype, max_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``sample_rows`` of a block read here, from its carried graph."""
    X_block, y_block, weight_block = materialise(source)
    return sample_rows(X_block, y_block, weight_block, dtype, max_rows)


def sample_rows(
    X_block: Any, y_block: Any, weight_block: Any, dtype: np.dtype, max_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """At most ``max_rows`` rows of one block, evenly strided through it (a
    block sorted by time or by class still gives rows from all its span):
    ``(X, labels, sample weights or None)`` as stored (the model that
    encodes them is known only once the labels are counted)."""
    X = as_block_matrix(X_block, dtype)
    y = as_block_vector(y_block)
    weight = None if weight_block is None else as_block_vector(weight_block)
    stride = max(1, -(-len(X) // max_rows))
    if stride == 1:
        return X, y, weight
    return (
        np.ascontiguousarray(X[::stride]), y[::stride],
        None if weight is None else weight[::stride],
    )


def start_from_labels(
    stats: LabelStats,
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
    settings: FitSettings,
    class_weight: Any,
    n_features: int,
    fit_intercept: bool,
    dtype: np.dtype,
) -> FloatArray | None:
    """theta of the sample's fit (``fit_sample``) under the model and solver
    the client will build from ``stats``, or None: labels or rows the client
    will refuse (it says why), a solver that takes no start, a poor start."""
    try:
        model = BlockModel.of_labels(stats, class_weight, n_features, fit_intercept, dtype)
        unit = LinearUnit(NoLocalData(stats.n_rows, n_features, dtype), model.n_outputs,
                          fit_intercept)
        solver = resolve_solver(settings, unit, len(model.classes), distributed=True)
        if solver not in SAMPLE_START_SOLVERS:
            return None
        encoded = []
        for X, y, weight in parts:
            y_index = model.encode(y)
            encoded.append((X, y_index, model.weights(y_index, weight)))
    except ValueError:
        return None  # the client's checks raise it, with their message
    return fit_sample(encoded, model, settings, solver)[1]


def fit_sample(
    parts: Sequence[tuple[np.ndarray, np.ndarray, FloatArray]],
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
        except (Warning, ArithmeticError, ValueError):
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
