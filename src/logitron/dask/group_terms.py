"""What one task computes on one group of row blocks (see ``block_groups``).

Each function walks its group's blocks one at a time with a block task (of
the same name in ``block_terms``, or the one ``each_block`` is given: the
arithmetic lives there, once), adds the blocks' partial sums and returns the
list of their kept arrays as the group's one handle::

    group_total = sum_{b in group} block_total_b
    group_kept  = [kept_b for b in group]

``kept_groups`` arguments are such lists from earlier group tasks (one per
term of a recipe, see ``RawOnWorkers``), block ``i`` of the group at index
``i`` of each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._numerics import FloatArray
from . import block_terms
from .block_groups import Source, materialise
from .block_model import BlockModel, BlockTerms, Kept


def _added(parts: Iterable[Any]) -> Any:
    total: Any = None
    for part in parts:
        total = part if total is None else total + part
    return total


def evaluate(
    sources: list[Source],
    kept_groups: tuple[list[Kept], ...],
    model: BlockModel,
    theta: FloatArray,
    order: int,
    direction: FloatArray | None,
    recipe: tuple[tuple[float, str], ...],
    check_finite: bool,
) -> tuple[list[Kept], BlockTerms]:
    """``block_terms.evaluate`` over the group's blocks: ``(kept list, sum)``."""
    kept: list[Kept] = []
    totals = []
    for i, source in enumerate(sources):
        X_block, y_block, weight_block = materialise(source)
        block_kept, terms = block_terms.evaluate(
            X_block, y_block, weight_block, tuple(group[i] for group in kept_groups),
            model, theta, order, direction, recipe, check_finite,
        )
        kept.append(block_kept)
        totals.append(terms)
        # Let the block go before the next is read: a group's task then
        # holds one block of X at a time, not two (Parquet files larger
        # than the workers' memory are read in groups of several).
        del X_block, y_block, weight_block
    return kept, _added(totals)


def move_along_line(
    kept_group: list[Kept],
    model: BlockModel,
    theta: FloatArray,
    direction: FloatArray,
    offset: float,
    with_derivative: bool,
) -> tuple[None, BlockTerms]:
    """``block_terms.move_along_line`` over the group's kept blocks (no ``X``)."""
    return None, _added(
        block_terms.move_along_line(kept, model, theta, direction, offset, with_derivative)[1]
        for kept in kept_group
    )


def hessian_product(
    sources: list[Source],
    kept_group: list[Kept],
    model: BlockModel,
    theta: FloatArray,
    vector: FloatArray,
) -> tuple[None, FloatArray | float]:
    """``block_terms.hessian_product`` over the group's blocks."""
    return None, _added(
        block_terms.hessian_product(materialise(source)[0], kept, model, theta, vector)[1]
        for source, kept in zip(sources, kept_group, strict=True)
    )


def each_block(
    sources: list[Source], block_task: Callable[..., tuple[None, Any]], *constants: Any
) -> tuple[None, Any]:
    """``block_task(*block, *constants)`` over the group's blocks, its partial
    sums added: any pass that keeps nothing (the labels, the statistics
    record, a working-set Hessian) runs one task per group like the solver's."""
    return None, _added(
        block_task(*materialise(source), *constants)[1] for source in sources
    )
