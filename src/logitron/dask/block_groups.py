"""Row blocks gathered into a few tasks per pass: the scheduler's share small.

A pass over the data used to be one task per row block plus a tree of
additions: at 128 blocks that is some 140 tasks per graph, and on a small
cluster the scheduler's bookkeeping for them (about a millisecond each,
more under load) costs more than the arithmetic (a few milliseconds per
block of 25,000 x 20). Here a pass is one task per *group* of blocks; the
task walks its blocks one at a time, so it holds a single block of ``X`` in
memory at once, and returns the group's partial sums and the list of its
blocks' kept arrays (``KeptBlock``) as one handle.

How the blocks are grouped depends on where they come from:

- **persisted** (the user called ``persist``: each block is a future on a
  worker): the blocks each worker holds are grouped together, one group per
  worker thread, so every group task runs where its blocks are and nothing
  moves between workers;
- **computed from a source** (Parquet files, a seeded random array): the
  block's small graph (read a file, select columns) is carried inside the
  group task and run there (``InlineBlock``), so reading is part of the task
  and not a task of its own, and consecutive blocks are grouped, two groups
  per worker thread (so a slow worker is not waited on for long);
- anything else (a graph that embeds a large in-memory array, which each
  task would carry): one block per group, as before.

A group's handle is recomputable from the graph alone, as a block's was: a
worker lost mid-fit costs the scheduler a re-run of its group tasks.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any

from ..backends.dask_backend import DaskBlocks

#: Largest pickled graph of one block carried inside a task: reading a file
#: or drawing random numbers is a few kilobytes; a graph embedding in-memory
#: data is not carried (each task would ship it).
INLINE_GRAPH_MAX_BYTES = 1 << 16
#: Groups per worker thread for blocks read from their source.
GROUPS_PER_THREAD = 2


class InlineBlock:
    """One row block's ``(X, y, weight)`` as a small graph, run in the task
    that uses it (``materialise``) instead of as tasks of its own.

    Opaque to Dask on purpose (not a dataclass, list or tuple, which Dask
    would search for tasks), with a fixed token so that building a graph
    does not hash the carried graph again at every pass.
    """

    __slots__ = ("graph", "keys", "token")

    def __init__(self, graph: dict[Any, Any], keys: list[Any], token: str) -> None:
        self.graph = graph
        self.keys = keys
        self.token = token

    def __dask_tokenize__(self) -> str:
        return self.token


Source = InlineBlock | tuple[Any, ...]


def materialise(source: Source) -> tuple[Any, ...]:
    """One block's parts (``(X_block, y_block, weight_block)``, or
    ``(y_block, weight_block)``; ``None`` stays ``None``): its carried graph
    run with the synchronous scheduler, or the values Dask passed in."""
    if not isinstance(source, InlineBlock):
        return source
    import dask

    values = dask.get(source.graph, [key for key in source.keys if key is not None])
    # A DataFrame partition read here becomes an array now, and the frame
    # goes: held through the block's arithmetic it would double the task's
    # peak memory (files larger than the workers' memory are read so).
    arrays = iter([_frame_as_array(value) for value in values])
    del values
    return tuple(None if key is None else next(arrays) for key in source.keys)


def _frame_as_array(value: Any) -> Any:
    """A 2-D pandas partition as its NumPy array (``as_block_matrix`` then
    converts no more for float data); anything else as it is."""
    if getattr(value, "ndim", None) == 2 and hasattr(value, "to_numpy"):
        return value.to_numpy()
    return value


@dataclass
class BlockGroups:
    """Per group, the sources of its blocks (``InlineBlock`` or the blocks'
    Delayed ``(X, y, weight)``), in the blocks' order within the group."""

    sources: list[list[Source]]

    @property
    def n_groups(self) -> int:
        return len(self.sources)

    @classmethod
    def of(cls, blocks: DaskBlocks) -> BlockGroups:
        """Groups of the ``(X, y, weight)`` blocks (see the module doc)."""
        return cls.of_parts(
            list(zip(blocks.X_blocks, blocks.y_blocks, blocks.weight_blocks, strict=True))
        )

    @classmethod
    def of_parts(cls, parts: list[tuple[Any, ...]]) -> BlockGroups:
        """Groups of blocks given as tuples of Delayed parts (or None), the
        first part locating a persisted block."""
        graphs = [_graph_of(part) for part in parts]
        client = client_in_use()
        if client is not None and all(external for _, external in graphs):
            by_worker = _held_by_worker(client, [external for _, external in graphs])
            if by_worker is not None:
                threads = client.nthreads()
                groups: list[list[Source]] = []
                for worker, indices in by_worker.items():
                    n_groups = max(1, min(len(indices), threads.get(worker, 1)))
                    groups += [
                        [parts[i] for i in indices[start::n_groups]]
                        for start in range(n_groups)
                    ]
                return cls(groups)
        inline = _inline_all(parts, graphs)
        if inline is None:
            return cls([[part] for part in parts])
        threads_total = (
            sum(client.nthreads().values()) if client is not None else (os.cpu_count() or 1)
        )
        n_groups = max(1, min(len(parts), GROUPS_PER_THREAD * threads_total))
        bounds = [round(i * len(parts) / n_groups) for i in range(n_groups + 1)]
        return cls([list[Source](inline[lo:hi]) for lo, hi in itertools.pairwise(bounds)])


def inline_blocks(parts: list[tuple[Any, ...]]) -> list[InlineBlock] | None:
    """Each block's graph to carry in a task, or None unless every block's
    can be (a persisted block; a graph embedding in-memory data)."""
    return _inline_all(parts, [_graph_of(part) for part in parts])


def _inline_all(
    parts: list[tuple[Any, ...]], graphs: list[tuple[dict[Any, Any], list[Any]]]
) -> list[InlineBlock] | None:
    inline: list[InlineBlock] = []
    for part, (graph, external) in zip(parts, graphs, strict=True):
        block = None if external else _inline(part, graph)
        if block is None:
            return None
        inline.append(block)
    return inline


def client_in_use() -> Any:
    """The ``dask.distributed`` client in use, or None (local schedulers)."""
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - dask without distributed
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _held_by_worker(client: Any, external: list[list[Any]]) -> dict[str, list[int]] | None:
    """Block indices by the worker holding the first key each block's graph
    refers to without defining it (a persisted block), or None unless the
    cluster holds every such key."""
    who_has = client.who_has()
    by_worker: dict[str, list[int]] = {}
    for i, keys in enumerate(external):
        holders = who_has.get(keys[0])
        if not holders:
            return None
        by_worker.setdefault(holders[0], []).append(i)
    return by_worker


def _graph_of(block: tuple[Any, ...]) -> tuple[dict[Any, Any], list[Any]]:
    """``(graph, external keys)`` of one block's parts (``(X, y, weight)``): the tasks
    that compute them, culled, and the keys they use that no task of the
    graph defines (results persisted on the cluster), the first part's first."""
    # The task-spec form names every key a task uses, those outside the
    # graph included (dask.core.get_dependencies drops those).
    from dask._task_spec import convert_legacy_graph

    graph: dict[Any, Any] = {}
    for part in block:
        if part is not None:
            graph.update(part.__dask_graph__())
    graph = convert_legacy_graph(graph)
    needed: dict[Any, Any] = {}
    external: list[Any] = []
    stack = [part.key for part in reversed(block) if part is not None]
    # Popped from the end: the first part's keys are found first.
    while stack:
        key = stack.pop()
        if key in needed or key in external:
            continue
        if key not in graph:
            external.append(key)
            continue
        needed[key] = graph[key]
        stack.extend(sorted(graph[key].dependencies, key=str, reverse=True))
    return needed, external


def _inline(block: tuple[Any, ...], graph: dict[Any, Any]) -> InlineBlock | None:
    """The block's graph to carry in a task, or None when it is too large to
    carry (it embeds in-memory data) or cannot be pickled."""
    import cloudpickle
    from dask.base import tokenize

    try:
        size = len(cloudpickle.dumps(graph))
    except Exception:  # a graph that cannot travel stays a task of its own
        return None
    if size > INLINE_GRAPH_MAX_BYTES:
        return None
    keys = [None if part is None else part.key for part in block]
    return InlineBlock(graph, keys, tokenize(*keys))
