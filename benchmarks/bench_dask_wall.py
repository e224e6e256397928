"""Wall time of ``fit`` on Dask, as users see it: logitron against dask-ml.

    python -m benchmarks.bench_dask_wall                  # the documented run
    python -m benchmarks.bench_dask_wall --rows 200000 --parquet-rows 400000  # a quick look

One LocalCluster, 2 worker processes x 1 thread, fits the same unpenalised
problem four ways: ``X`` (a ``bias`` column and ``--features`` features in
mixed units, from ``bench_dask.write_parquet``) either

- **persisted**: read once and persisted in the workers' memory, or
- **parquet**: read from Parquet files at every pass, the files larger than
  the workers' memory limit (``--memory-limit`` each),

in 16 and in 128 row blocks (chunks, or files). Time is ``fit`` from its call
to its return, nothing stamped inside it. Each solver (logitron's default;
dask-ml's ``newton``, ``lbfgs`` and ``admm``, with their default
standardisation) is run at tolerances from loose to tight (``TOLERANCES``;
ADMM's ``abstol = reltol``) until its coefficients reach the relative
objective gap ``(J - J*) / |J*| <= --gap``; its time is that run's (the
median of ``--repeat``, each run's seconds in the notes), so no solver is
charged for a tolerance tighter than it needs. Logitron's statistics, which
dask-ml has none of, are computed when first asked for: after each of its
runs the default ``summary()`` is timed apart (column ``summary``: no pass
when Newton's last pass was at the estimate, else the record's pass,
``dask.lazy_record``), then the whole record, sandwich meat included
(``summary(cov_type="HC1")``, column ``record``: one pass, or none when
``summary()`` computed it); ``fit + summary + record`` is what a user who
wants every statistic pays. ``J*`` is the lowest objective any run reached (logitron at
``tol=1e-12`` included), scored afterwards with one objective for all.
A solver whose fit takes over ``--budget`` seconds without reaching the gap
is reported as not reached, with the seconds its ladder took (its ratio a
lower bound).

Graphs are counted by a scheduler plugin (``update_graph``, every library);
passes over the data are logitron's own count (graphs that read every block
of ``X``: ``DaskBlocks.data_passes``) and, for dask-ml, tasks that read a
block of ``X`` (a ``read_parquet`` task, or a task taking a persisted block
as input) divided by the number of blocks.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from distributed.diagnostics.plugin import SchedulerPlugin

from benchmarks.bench_dask import Objective, write_parquet

#: Tolerances tried, loosest first.
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10)
DASK_ML_SOLVERS = ("newton", "lbfgs", "admm")
#: dask-ml's iteration limits: above its default for lbfgs (100), so the
#: tolerance decides; ADMM's iterations (an L-BFGS solve on every block and
#: a consensus step) take seconds each, so it is capped to keep the run short.
MAX_ITER = {"newton": 50, "lbfgs": 500, "admm": 50}


class Counter(SchedulerPlugin):
    """A scheduler plugin counting graphs and the tasks that read ``X``
    (a ``SchedulerPlugin``: the scheduler calls its other hooks too, as
    when a worker is restarted)."""

    name = "wall-counter"

    def __init__(self, scheduler: Any, X_keys: set[Any]) -> None:
        self.scheduler = scheduler
        self.X_keys = X_keys
        self.graphs = 0
        self.reads = 0

    def update_graph(self, scheduler: Any, **kwargs: Any) -> None:
        self.graphs += 1

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish != "memory":
            return
        if "read_parquet" in str(key) or "read-parquet" in str(key):
            self.reads += 1
            return
        task = self.scheduler.tasks.get(key)
        if task is not None and self.X_keys:
            self.reads += sum(dep.key in self.X_keys for dep in task.dependencies)


Fitted = tuple[
    np.ndarray, str, Callable[[], int] | None, Callable[[], tuple[float, float]] | None
]


def fit_logitron(X: Any, y: Any, tol: float) -> Fitted:
    from logitron import LogisticRegression
    from logitron.dask import inputs

    made: list[Any] = []
    original = inputs.training_problem

    def keeping(*args: Any, **kwargs: Any) -> Any:
        problem = original(*args, **kwargs)
        made.append(problem[0])
        return problem

    inputs.training_problem = keeping
    try:
        model = LogisticRegression(C=np.inf, fit_intercept=False, tol=tol).fit(X, y)
    finally:
        inputs.training_problem = original
    def statistics() -> tuple[float, float]:
        # What dask-ml has none of, timed apart (dask.lazy_record): the
        # default summary, then the record with its meat (one pass).
        start = time.perf_counter()
        model.summary()
        middle = time.perf_counter()
        model.summary(cov_type="HC1")
        return middle - start, time.perf_counter() - middle

    return (np.ravel(model.coef_), f"{model.n_iter_[0]} iterations",
            lambda: made[0].data_passes, statistics)


def fit_dask_ml(X: Any, y: Any, solver: str, tol: float) -> Fitted:
    from dask_ml.linear_model import LogisticRegression

    kwargs: dict[str, Any] = {}
    if solver == "admm":
        kwargs.update(abstol=tol, reltol=tol)
    model = LogisticRegression(
        C=1e12, fit_intercept=False, solver=solver, tol=tol, max_iter=MAX_ITER[solver],
        solver_kwargs=kwargs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return np.ravel(model.coef_), "", None, None


def time_to_gap(
    fit: Callable[[float], Fitted],
    score: Callable[[np.ndarray], float], optimum: float, args: Any, counter: Counter,
    n_blocks: int,
) -> dict[str, Any]:
    """The loosest tolerance whose fit reaches the gap, and that fit's time
    (median of ``args.repeat`` runs), graphs and passes; tolerances tried in
    turn until one does or one fit takes over ``args.budget`` seconds. For a
    fit with statistics, its summary and record after each timed run are
    timed apart (``summary``, ``record``: medians)."""
    spent = 0.0
    row: dict[str, Any] = {"tol": None, "seconds": None, "gap": np.inf}
    for tol in TOLERANCES:
        counter.graphs = counter.reads = 0
        start = time.perf_counter()
        theta, note, passes, statistics = fit(tol)
        seconds = time.perf_counter() - start
        spent += seconds
        row.update(tol=tol, note=note, graphs=counter.graphs,
                   passes=passes() if passes is not None else counter.reads / n_blocks,
                   gap=(score(theta) - optimum) / abs(optimum))
        if row["gap"] <= args.gap:
            times, summaries = [seconds], []
            for repeat in range(args.repeat):
                if statistics is not None:
                    summaries.append(statistics())
                if repeat == args.repeat - 1:
                    break
                start = time.perf_counter()
                _, _, _, statistics = fit(tol)
                times.append(time.perf_counter() - start)
            row["seconds"] = float(np.median(times))
            row["runs"] = times
            if summaries:
                row["summary"], row["record"] = np.median(summaries, axis=0)
            return row
        if seconds > args.budget:
            break  # a tighter tolerance only takes longer
    row["seconds_spent"] = spent
    return row


Cell = tuple[str, int, tuple[Any, Any], tuple[Any, Any], set]


def cells(client: Any, args: Any, path: Path) -> list[Cell]:
    """``(layout, blocks, X and y for logitron, X and y for dask-ml, X keys)``
    for each cell of ``args.layouts``."""
    import dask.dataframe as dd
    from distributed import futures_of, wait

    out = []
    layouts = args.layouts.split(",")
    # Only the layouts asked for are built: the persisted cells read the
    # files too, which on data larger than the workers' memory costs restarts.
    for n_blocks in (16, 128) if "persisted" in layouts else ():
        # From the small files: a worker decodes one at a time within its limit.
        memory = dd.read_parquet(path / "128").to_dask_array(lengths=True)[: args.rows]
        columns = memory.rechunk((-(-args.rows // n_blocks), -1))
        # X and y persisted apart, as a user persists what they fit on.
        X, y = client.persist([columns[:, :-1], columns[:, -1]])
        wait([X, y])
        keys = {future.key for future in futures_of(X)}
        out.append(("persisted", n_blocks, (X, y), (X, y), keys))
    for n_blocks in args.parquet_blocks if "parquet" in layouts else ():
        frame = dd.read_parquet(path / str(n_blocks))
        # dask-ml wants arrays of known chunks (lengths read here, untimed);
        # one array of all the columns keeps each file read once per pass.
        columns = frame.to_dask_array(lengths=True)
        X_frame, y_series = frame.drop(columns="label"), frame["label"]
        out.append(("parquet", n_blocks, (X_frame, y_series),
                    (columns[:, :-1], columns[:, -1]), set()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000, help="rows persisted in memory")
    parser.add_argument("--parquet-gigabytes", type=float, default=1.2)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--scale-span", type=float, default=1.0)
    parser.add_argument("--memory-limit", default="550MB", help="per worker")
    parser.add_argument("--gap", type=float, default=1e-8)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="a fit longer than this without reaching the gap ends the ladder")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--path", type=Path, default=None)
    parser.add_argument("--parquet-blocks", type=lambda text: [int(n) for n in text.split(",")],
                        default=[16, 128], help="Parquet cells to run (files per data set)")
    parser.add_argument("--dask-ml-solvers", default=",".join(DASK_ML_SOLVERS))
    parser.add_argument("--layouts", default="persisted,parquet",
                        help="which data layouts to run, comma-separated")
    args = parser.parse_args()

    import dask
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    path = args.path or Path(tempfile.mkdtemp(prefix="logitron-wall-"))
    try:
        for n_files in (16, 128):
            folder = path / str(n_files)
            if not any(folder.glob("*.parquet")):
                folder.mkdir(parents=True, exist_ok=True)
                write_parquet(folder, args.parquet_gigabytes, args.features, args.scale_span,
                              n_files=n_files)
        # No pausing or spilling: nothing is meant to stay in memory but the
        # persisted cells' data, and a paused worker would stall a pass.
        with dask.config.set({"distributed.worker.memory.pause": False,
                              "distributed.worker.memory.spill": False,
                              "distributed.worker.memory.target": False}), LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit,
            dashboard_address=None, env={"ARROW_DEFAULT_MEMORY_POOL": "system"},
        ) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("logitron") and __import__("dask_ml.linear_model")
                       and None)
            limit = 2 * parse_bytes(args.memory_limit)
            parquet_bytes = sum(f.stat().st_size for f in (path / "16").glob("*.parquet"))
            print(f"# {date.today()}, {platform.node()}, 2 workers x 1 thread, "
                  f"{format_bytes(limit)} memory limit in total; persisted: {args.rows:,} x "
                  f"{args.features + 1} float64; parquet: {args.parquet_gigabytes:g} GB as "
                  f"float64 ({format_bytes(parquet_bytes)} of files, "
                  f"{args.parquet_gigabytes * 1e9 / limit:.1f}x the limit); gap {args.gap:g}")
            print("| data | blocks | library | solver | seconds | ratio | summary | record "
                  "| tol | gap | graphs | passes | notes |")
            print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            for layout, n_blocks, ours, theirs, keys in cells(client, args, path):
                run_cell(cluster, client, args, layout, n_blocks, ours, theirs, keys)
    finally:
        if args.path is None:
            shutil.rmtree(path, ignore_errors=True)


def run_cell(cluster: Any, client: Any, args: Any, layout: str, n_blocks: int,
             ours: tuple[Any, Any], theirs: tuple[Any, Any], keys: set) -> None:
    """One data layout: the reference optimum, then every solver's time."""
    scorer = Objective(ours[0], ours[1], np.inf)
    counter = Counter(cluster.scheduler, keys)
    cluster.scheduler.add_plugin(counter)
    try:
        reference = fit_logitron(ours[0], ours[1], 1e-12)[0]
        # J*: logitron's Newton to its tightest tolerance (quadratic
        # convergence: the optimum to rounding).
        optimum = scorer.values([reference])[0]

        def score(theta: np.ndarray) -> float:
            return scorer.values([theta])[0]

        rows = [("logitron", "auto", time_to_gap(
            lambda tol: fit_logitron(ours[0], ours[1], tol), score, optimum, args, counter,
            n_blocks))]
        for solver in filter(None, args.dask_ml_solvers.split(",")):
            rows.append(("dask-ml", solver, time_to_gap(
                partial(fit_dask_ml, theirs[0], theirs[1], solver), score, optimum,
                args, counter, n_blocks)))
    finally:
        cluster.scheduler.remove_plugin(name=counter.name)
    ours_seconds = rows[0][2]["seconds"]
    for library, solver, row in rows:
        seconds = row["seconds"]
        if seconds is None:
            shown, ratio = f"not reached in {row['seconds_spent']:.0f}", "-"
            if ours_seconds:
                ratio = f"> {row['seconds_spent'] / ours_seconds:.1f}"
        else:
            shown = f"{seconds:.2f}"
            ratio = f"{seconds / ours_seconds:.1f}" if ours_seconds else "-"
        summary = f"{row['summary']:.2f} | {row['record']:.2f}" if "summary" in row else " |"
        runs = "runs " + ", ".join(f"{t:.1f}" for t in row.get("runs", []))
        notes = "; ".join(filter(None, [row.get("note", ""), runs if "runs" in row else ""]))
        print(f"| {layout} | {n_blocks} | {library} | {solver} | {shown} | {ratio} | "
              f"{summary} | {row['tol']:g} | {row['gap']:.1e} | {row['graphs']} | "
              f"{row['passes']:.1f} | {notes} |", flush=True)
    fastest = [row["seconds"] for library, _, row in rows[1:] if row["seconds"] is not None]
    if ours_seconds and fastest:
        with_summary = ""
        if "summary" in rows[0][2]:
            mine = rows[0][2]
            with_summary = (
                f"over logitron's fit + summary: "
                f"{min(fastest) / (ours_seconds + mine['summary']):.1f}; "
                f"+ record: {min(fastest) / (ours_seconds + mine['summary'] + mine['record']):.1f}"
            )
        print(f"| {layout} | {n_blocks} | fastest dask-ml / logitron | | | "
              f"**{min(fastest) / ours_seconds:.1f}** | | | | | | | {with_summary} |", flush=True)


if __name__ == "__main__":
    main()
