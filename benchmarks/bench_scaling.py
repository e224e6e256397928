"""Time and peak memory of ``fit`` against rows and features, both libraries.

Usage (from the repository root)::

    python -m benchmarks.bench_scaling                      # rows and features
    python -m benchmarks.bench_scaling --max-rows 1e6 --max-features 3000
    python -m benchmarks.bench_scaling --plots docs          # also draw the PNGs

Two sweeps of the dense problems of ``tests/problems.py`` (Gaussian
features, labels from a logistic model, ``C = 1``, so the optimum exists at
every size, ``d > n`` included):

* **rows**: ``n`` from 1e4 up to ``--max-rows`` (default 3e6, about half a
  minute per library at that size here) at 20 features;
* **features**: ``d`` from 10 up to ``--max-features`` (default 1e4) at
  ``--feature-rows`` rows (default 5,000; 1e4 features are then 400 MB).

Each point fits logitron's ``auto`` and scikit-learn's default ``lbfgs`` (at
``tol=1e-8``, which reaches a relative objective gap of about 1e-8 on the
suite's problems, as logitron's default tolerance does) in a forked child,
with one thread and with all threads (``os.cpu_count()``), for BLAS and
OpenMP alike. One thread is timed in CPU seconds (robust to other programs
on a shared machine), all threads in wall seconds (the only clock that
credits them). Fits shorter than half a second are repeated and the fastest
kept. Peak memory is what ``tracemalloc`` sees ``fit`` allocate beyond
``X`` (one more run, one thread).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
import tracemalloc
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from tests.problems import dense_data
from threadpoolctl import threadpool_limits

from logitron import LogisticRegression

from .harness import machine_line

ROW_FEATURES = 20
LIBRARIES = ("logitron", "sklearn")


@dataclass
class Point:
    """One fit of one library at one size and thread count."""

    sweep: str
    n_samples: int
    n_features: int
    library: str
    threads: int
    seconds: float | None
    peak_bytes: int | None
    n_iter: int | None
    error: str = ""

    @property
    def x_bytes(self) -> int:
        return self.n_samples * self.n_features * 8


def make_estimator(library: str) -> Any:
    """logitron's automatic choice or scikit-learn's default solver."""
    if library == "logitron":
        return LogisticRegression(C=1.0, max_iter=1_000)
    return SklearnLogisticRegression(C=1.0, tol=1e-8, max_iter=20_000)


def _child(
    connection: Connection, library: str, X: np.ndarray, y: np.ndarray,
    threads: int, trace: bool,
) -> None:
    timer = time.process_time if threads == 1 else time.perf_counter
    try:
        with threadpool_limits(limits=threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = slice(0, 200)  # warm-up: lazy imports, BLAS set-up
            make_estimator(library).fit(X[rows], y[rows])
            seconds, spent, peak = np.inf, 0.0, None
            for _ in range(1 if trace else 20):
                model = make_estimator(library)
                if trace:
                    tracemalloc.start()
                start = timer()
                model.fit(X, y)
                elapsed = timer() - start
                if trace:
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                seconds, spent = min(seconds, elapsed), spent + elapsed
                if spent > 0.5:
                    break
        connection.send(("ok", seconds, peak, int(np.max(model.n_iter_))))
    except Exception as error:  # reported in the table, not raised
        connection.send(("error", f"{type(error).__name__}: {error}", None, None))


def _run(
    library: str, X: np.ndarray, y: np.ndarray, threads: int, trace: bool,
    timeout: float,
) -> tuple[str, Any, Any, Any]:
    """One child fit (forked: X is shared, not copied); killed after
    ``timeout`` seconds."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, library, X, y, threads, trace)
    )
    process.start()
    sender.close()
    message: Any = ("error", f"over {timeout:.0f} s", None, None)
    if receiver.poll(timeout):
        try:
            message = receiver.recv()
        except EOFError:
            message = ("error", f"child exited with code {process.exitcode}", None, None)
    if process.is_alive():
        process.kill()
    process.join()
    return message


def measure(
    sweep: str, n: int, d: int, thread_counts: Sequence[int], timeout: float
) -> list[Point]:
    """Every library and thread count at one size."""
    # Not through dense_data's cache: a few of these sizes fill the memory.
    X, y = dense_data.__wrapped__(n, d, seed=0)
    points = []
    for library in LIBRARIES:
        _, _, peak, _ = _run(library, X, y, 1, True, timeout)
        for threads in thread_counts:
            status, seconds, _, n_iter = _run(library, X, y, threads, False, timeout)
            ok = status == "ok"
            point = Point(
                sweep, n, d, library, threads, seconds if ok else None,
                peak, n_iter, "" if ok else str(seconds),
            )
            print(f"  {_row(point)}", file=sys.stderr)
            points.append(point)
    return points


def sizes(largest: float, smallest: float) -> list[int]:
    """1, 3, 10, 30, ... times ``smallest``, up to ``largest``."""
    out, size = [], smallest
    while size <= largest * (1 + 1e-9):
        out.append(int(size))
        size *= 3 if str(int(size))[0] == "1" else 10 / 3
    return out


def _row(point: Point) -> str:
    seconds = "-" if point.seconds is None else f"{point.seconds:.3f}"
    peak = "-" if point.peak_bytes is None else f"{point.peak_bytes / 2**20:.1f}"
    ratio = "-" if point.peak_bytes is None else f"{point.peak_bytes / point.x_bytes:.2f}"
    return (
        f"| {point.sweep} | {point.n_samples:,} | {point.n_features:,} | "
        f"{point.library} | {point.threads} | {seconds} | {point.n_iter or '-'} | "
        f"{peak} | {ratio} | {point.error} |"
    )


def table(points: list[Point]) -> str:
    """The points as a Markdown table."""
    header = (
        "| sweep | rows | features | library | threads | time (s) | iter | "
        "peak MiB beyond X | peak / X | note |\n|" + "---|" * 10
    )
    return "\n".join([header, *(_row(p) for p in points)])


def plot(points: list[Point], sweep: str, path: str) -> None:
    """Time and peak memory against the swept size, one line per library and
    thread count, as a PNG."""
    import matplotlib.pyplot as plt

    axis = "n_samples" if sweep == "rows" else "n_features"
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for color, library in zip(("C0", "C1"), LIBRARIES, strict=True):
        mine = [p for p in points if p.sweep == sweep and p.library == library]
        for threads in sorted({p.threads for p in mine}):
            done = [p for p in mine if p.threads == threads and p.seconds is not None]
            clock = "CPU" if threads == 1 else "wall"
            left.loglog(
                [getattr(p, axis) for p in done], [p.seconds for p in done],
                marker="o", color=color, linestyle="-" if threads == 1 else "--",
                label=f"{library}, {threads} thread(s), {clock} s",
            )
        traced = [p for p in mine if p.threads == 1 and p.peak_bytes]
        right.loglog(
            [getattr(p, axis) for p in traced],
            [(p.peak_bytes or 0) / p.x_bytes for p in traced], marker="o", color=color,
            label=library,
        )
    fixed = (f"{ROW_FEATURES} features" if sweep == "rows"
             else f"{points[-1].n_samples:,} rows")
    left.set(xlabel=sweep, ylabel="seconds of fit", title=f"time ({fixed}, C=1)")
    right.set(xlabel=sweep, ylabel="peak allocation / size of X",
              title="peak memory beyond X")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-rows", type=float, default=3e6)
    parser.add_argument("--max-features", type=float, default=1e4)
    parser.add_argument("--feature-rows", type=int, default=5_000)
    parser.add_argument("--sweeps", default="rows,features")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="a fit is stopped after this many seconds")
    parser.add_argument("--plots", help="folder for scaling-rows.png, scaling-features.png")
    parser.add_argument("--output", help="also write the points as JSON")
    args = parser.parse_args(argv)
    thread_counts = sorted({1, os.cpu_count() or 1})
    started = time.perf_counter()
    points: list[Point] = []
    sweeps = args.sweeps.split(",")
    if "rows" in sweeps:
        for n in sizes(args.max_rows, 1e4):
            print(f"# rows {n:,} x {ROW_FEATURES}", file=sys.stderr)
            points += measure("rows", n, ROW_FEATURES, thread_counts, args.timeout)
    if "features" in sweeps:
        for d in sizes(args.max_features, 10):
            print(f"# features {args.feature_rows:,} x {d:,}", file=sys.stderr)
            points += measure("features", args.feature_rows, d, thread_counts, args.timeout)
    print(
        f"Scaling of `fit` ({machine_line(1)}; 1 thread in CPU seconds, "
        f"{max(thread_counts)} threads in wall seconds), ran in "
        f"{time.perf_counter() - started:.0f} s.\n\n{table(points)}"
    )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump([asdict(p) for p in points], handle, indent=1)
    if args.plots:
        for sweep in sweeps:
            plot(points, sweep, os.path.join(args.plots, f"scaling-{sweep}.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
