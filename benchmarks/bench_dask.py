"""logitron on Dask against dask-ml's LogisticRegression, at equal objective gap.

    python -m benchmarks.bench_dask                     # 1.3 GB, the full run
    python -m benchmarks.bench_dask --gigabytes 0.1 --budget 60   # a quick look

The data set (float64 features, a constant ``bias`` column and a 0/1 label
from a logistic model) is written as Parquet files under a temporary
directory and is larger than the memory limit of the two workers together,
so every pass of every solver streams the files through the workers.
Everything runs on one LocalCluster: 2 worker processes x 1 thread.

The problems are made identical (dask-ml documents ``lambda = 1 / C`` on the
sum of log-likelihoods; its code penalises every coefficient, the intercept
column it would add included, and standardises X unless told not to):

- ``l2``: ``C = 1``; both fit without a separate intercept, the ``bias``
  column carries it, penalised in both; dask-ml with ``normalize=False``
  (standardising would move the penalty onto standardised coefficients).
  dask-ml solvers: ``admm`` (its default) and ``lbfgs``.
- ``unpenalised``: ``C = inf``; dask-ml's ``newton`` ignores ``C``, so it
  solves this one, also with ``normalize=False`` (Newton's steps do not
  depend on the scaling, and the recorded iterates stay in X's coordinates).

The features come in mixed units (``--scale-span``: standard deviations
from 10**-span to 10**span), as raw data do.

Every solver runs once, with tolerances tight enough that it does not stop
before ``--budget`` seconds or its own convergence; the iterate of each
iteration is recorded with the wall time at which the solver sent it to the
cluster for evaluation (the start of the pass that evaluates it), through
hooks on each library's internals (``recording_dask_glm``,
``recording_logitron``). Afterwards each recorded iterate is
scored with the same objective (mean-scale, as logitron's), and a solver's
time is the first moment its relative gap ``(J - J*) / |J*|`` reached
``--gap``, against ``J*`` from logitron's Newton run. Ratios are dask-ml's
time over logitron's best time for the same problem.

Finally ``partial_fit`` streams the same files as in-memory mini-batches
(one file at a time in this process) for ``--epochs`` epochs and reports its
gap to the batch optimum after each.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.dask_stamps import OutOfBudget, Run, recording_dask_glm, recording_logitron

# Files of 8.8 MB (20 features): a worker holds a few while it decodes one,
# well inside the memory left beside the libraries it imports (~300 MB).
ROWS_PER_FILE = 50_000


def write_parquet(
    path: Path, gigabytes: float, n_features: int, scale_span: float, seed: int = 0,
    n_files: int | None = None,
) -> int:
    """Float64 features ``x0..``, a ``bias`` column of ones and a 0/1 ``label``;
    returns the number of rows. Files of ``ROWS_PER_FILE`` rows, or
    ``n_files`` files of equal size when given.

    Feature ``j`` is normal with standard deviation ``scales[j]``, log-spaced
    from ``10**-scale_span`` to ``10**scale_span`` (columns in mixed units,
    as data come), and ``P(1) = sigmoid(X @ (linspace(-1, 1, d) / scales) +
    0.5)``, so every feature carries signal of the same size.
    """
    import pandas as pd

    bytes_per_row = 8 * (n_features + 2)
    rows_per_file = ROWS_PER_FILE
    if n_files is None:
        n_files = max(2, round(gigabytes * 1e9 / (bytes_per_row * ROWS_PER_FILE)))
    else:
        rows_per_file = round(gigabytes * 1e9 / (bytes_per_row * n_files))
    scales = np.logspace(-scale_span, scale_span, n_features)
    coef = np.linspace(-1.0, 1.0, n_features) / scales
    for i in range(n_files):
        rng = np.random.default_rng([seed, i])
        X = rng.normal(size=(rows_per_file, n_features)) * scales
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
        frame["bias"] = 1.0
        frame["label"] = (X @ coef + 0.5 + rng.logistic(size=rows_per_file) > 0) * 1.0
        frame.to_parquet(path / f"part-{i:04d}.parquet", index=False)
    return n_files * rows_per_file


class Objective:
    """The mean-scale objective of a problem on the cluster, scored for many
    iterates in one pass (their blocks share the reads of X)."""

    def __init__(self, X: Any, y: Any, C: float) -> None:
        from logitron import LogisticRegression
        from logitron.dask.inputs import training_problem

        estimator = LogisticRegression(C=C, fit_intercept=False)
        self.objective, _ = training_problem(estimator, X, y, None)

    def values(self, thetas: list[np.ndarray]) -> list[float]:
        import dask

        from logitron.backends.dask_backend import _tree_sum
        from logitron.dask.block_model import VALUE
        from logitron.dask.block_terms import evaluate

        blocks, model = self.objective.blocks, self.objective.model
        call = dask.delayed(evaluate, pure=True)
        totals = [
            _tree_sum([
                call(X_b, y_b, w_b, (), model, np.asarray(theta, float), VALUE,
                     None, (), False)[1]
                for X_b, y_b, w_b in zip(
                    blocks.X_blocks, blocks.y_blocks, blocks.weight_blocks, strict=True
                )
            ])
            for theta in thetas
        ]
        penalty = self.objective.penalty
        return [
            float(terms.value) + penalty.value(np.asarray(theta, float))
            for terms, theta in zip(dask.compute(*totals), thetas, strict=True)
        ]


def run_logitron(problem: str, X: Any, y: Any, C: float, solver: str) -> Run:
    """logitron's fit, each accepted iterate stamped like dask-ml's (see
    ``recording_logitron``) and scored afterwards like theirs."""
    from logitron import LogisticRegression

    run = Run(problem, "logitron", solver)
    model = LogisticRegression(C=C, fit_intercept=False, solver=solver, verbose=1)
    start = time.perf_counter()
    with recording_logitron(run, model, start), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    run.total_seconds = time.perf_counter() - start
    run.note = f"{model.n_iter_[0]} iterations"
    return run


def run_dask_ml(
    client: Any, problem: str, X: Any, y: Any, C: float, solver: str, budget: float
) -> Run:
    """dask-ml's fit, stopped after ``budget`` seconds: at the next recorded
    iterate, or by restarting the workers when one iteration outlasts the
    budget (ADMM's local solves do)."""
    run = Run(problem, "dask-ml", solver)
    worker = threading.Thread(target=_fit_dask_ml, args=(run, X, y, C, solver, budget))
    start = time.perf_counter()
    worker.start()
    worker.join(budget + 5)
    if worker.is_alive():
        client.restart()
        worker.join()
        run.total_seconds = time.perf_counter() - start
        run.note = (f"stopped at the {budget:.0f} s budget (workers restarted) after "
                    f"{len(run.thetas)} iterates")
        warm_up(client)
    return run


def _fit_dask_ml(run: Run, X: Any, y: Any, C: float, solver: str, budget: float) -> None:
    from dask_ml.linear_model import LogisticRegression

    # Standardising X changes a penalised problem (the penalty then acts on
    # standardised coefficients); for newton it changes nothing (its steps
    # are affine invariant) but the coordinates of the iterates the hooks
    # record, which must be those of X to be scored: off everywhere.
    kwargs: dict[str, Any] = {"normalize": False}
    if solver == "admm":
        kwargs.update(abstol=1e-14, reltol=1e-14)
    # Tolerances no solver meets: each runs until the budget (or max_iter).
    max_iter = {"admm": 500, "lbfgs": 2000, "newton": 50}[solver]
    model = LogisticRegression(
        C=C, fit_intercept=False, solver=solver, max_iter=max_iter,
        tol=1e-14, solver_kwargs=kwargs,
    )
    start = time.perf_counter()
    try:
        with recording_dask_glm(run, solver, start, budget), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        run.times.append(time.perf_counter() - start)
        run.thetas.append(np.asarray(model.coef_, dtype=float).ravel())
        run.note = f"{len(run.thetas) - 1} iterates"
    except OutOfBudget:
        run.note = f"stopped at the {budget:.0f} s budget after {len(run.thetas)} iterates"
    except Exception as error:  # the workers restarted under it: out of budget
        run.note = f"stopped ({type(error).__name__}) after {len(run.thetas)} iterates"
    run.total_seconds = time.perf_counter() - start


def warm_up(client: Any) -> None:
    """Untimed: the libraries imported on every worker."""
    client.run(lambda: __import__("logitron") and __import__("dask_ml.linear_model") and None)


def score(run: Run, objective: Objective, optimum_hint: float, target: float) -> None:
    """Objective values of a run's iterates: a thinned set of at most 60 in
    one pass, then the skipped ones just before the first that reached the
    target (so the first time is exact and the cost stays a few passes)."""
    n = len(run.thetas)
    stride = max(1, n // 60)
    chosen = sorted({*range(0, n, stride), n - 1})
    values = dict(zip(chosen, objective.values([run.thetas[i] for i in chosen]), strict=True))
    hits = [i for i in chosen if (values[i] - optimum_hint) / abs(optimum_hint) <= target]
    if hits and stride > 1:
        between = [i for i in range(max(0, hits[0] - stride + 1), hits[0]) if i not in values]
        values.update(zip(between, objective.values([run.thetas[i] for i in between]),
                          strict=True))
    run.times = [run.times[i] for i in sorted(values)]
    run.values = [values[i] for i in sorted(values)]


def time_to_gap(run: Run, optimum: float, target: float) -> tuple[float | None, float]:
    """(first time with relative gap <= target or None, best gap)."""
    gaps = [(value - optimum) / abs(optimum) for value in run.values]
    reached = [t for t, gap in zip(run.times, gaps, strict=True) if gap <= target]
    return (reached[0] if reached else None), (min(gaps) if gaps else np.inf)


def stream_partial_fit(
    path: Path, C: float, n_rows: int, epochs: int, batch: int, optimum_of: Callable
) -> list[tuple[int, float, float]]:
    """(epoch, seconds so far, relative gap) for partial_fit over the files."""
    import pandas as pd

    from logitron import LogisticRegression

    model = LogisticRegression(C=C, fit_intercept=False, learning_rate=0.3)
    rng = np.random.default_rng(0)
    files = sorted(path.glob("*.parquet"))
    rows = []
    seconds = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        for file in rng.permutation(len(files)):
            frame = pd.read_parquet(files[file])
            X = frame.drop(columns="label").to_numpy()
            y = frame["label"].to_numpy()
            order = rng.permutation(len(y))
            for first in range(0, len(y), batch):
                chosen = order[first : first + batch]
                model.partial_fit(X[chosen], y[chosen], classes=[0.0, 1.0], total_weight=n_rows)
        seconds += time.perf_counter() - start
        rows.append((epoch, seconds, optimum_of(model.coef_.ravel())))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.3)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--scale-span", type=float, default=1.0,
                        help="feature standard deviations from 10**-span to 10**span")
    parser.add_argument("--memory-limit", default="600MB", help="per worker")
    parser.add_argument("--gap", type=float, default=1e-6, help="target relative gap")
    parser.add_argument("--budget", type=float, default=90.0,
                        help="seconds per dask-ml solver before its result counts as not reached")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--path", type=Path, default=None)
    parser.add_argument("--ours", default="newton",
                        help="logitron solvers to time, comma-separated")
    args = parser.parse_args()

    import dask.dataframe as dd
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    from logitron.solvers import SOLVERS

    path = args.path or Path(tempfile.mkdtemp(prefix="logitron-bench-"))
    path.mkdir(parents=True, exist_ok=True)
    try:
        if not any(path.glob("*.parquet")):
            write_parquet(path, args.gigabytes, args.features, args.scale_span)
        n_files = len(list(path.glob("*.parquet")))
        n_rows = n_files * ROWS_PER_FILE
        data_bytes = n_rows * 8 * (args.features + 2)
        with LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit,
            dashboard_address=None,
            # Arrow's own allocator keeps freed buffers, which a worker counts
            # against its limit; the system allocator hands them back.
            env={"ARROW_DEFAULT_MEMORY_POOL": "system"},
        ) as cluster, Client(cluster) as client:
            limit = 2 * parse_bytes(args.memory_limit)
            print(f"# {date.today()}, {platform.node()}, {platform.processor() or 'cpu'}, "
                  f"2 workers x 1 thread, {format_bytes(limit)} memory limit in total")
            print(f"# data: {n_rows:,} rows x {args.features + 1} columns, "
                  f"{format_bytes(data_bytes)} as float64 ({data_bytes / limit:.1f}x the "
                  f"workers' limit), {n_files} Parquet files, feature scales "
                  f"1e-{args.scale_span:g}..1e{args.scale_span:g}")

            # Untimed warm-up: imports on the workers, files in the page cache.
            warm_up(client)
            data = dd.read_parquet(path)
            data.sum().compute()
            X_frame, y_series = data.drop(columns="label"), data["label"]
            # dask-ml wants arrays of known chunks (lengths computed here,
            # outside the timings); slicing one array of all the columns keeps
            # X and y in the same blocks, each file read once per pass.
            columns = data.to_dask_array(lengths=True)
            X_array, y_array = columns[:, :-1], columns[:, -1]

            ours = [name for name in args.ours.split(",") if name in SOLVERS]
            problems = {
                "l2": (1.0, ["admm", "lbfgs"]),
                # lbfgs runs on l2 only, to keep the whole run within minutes.
                "unpenalised": (np.inf, ["newton"]),
            }
            table = []
            optima = {}
            for problem, (C, theirs) in problems.items():
                objective = Objective(X_frame, y_series, C)
                runs = []
                for solver in ours:
                    print(f"# running logitron {solver} on {problem} ...", flush=True)
                    runs.append(run_logitron(problem, X_frame, y_series, C, solver))
                for solver in theirs:
                    print(f"# running dask-ml {solver} on {problem} ...", flush=True)
                    runs.append(
                        run_dask_ml(client, problem, X_array, y_array, C, solver, args.budget)
                    )
                hint = min(min(run.values) for run in runs if run.values)
                for run in runs:
                    if run.thetas:
                        score(run, objective, hint, args.gap)
                optimum = min(min(run.values) for run in runs if run.values)
                optima[problem] = (objective, optimum)
                best_ours = min(
                    (t for run in runs if run.library == "logitron"
                     for t in [time_to_gap(run, optimum, args.gap)[0]] if t is not None),
                    default=None,
                )
                for run in runs:
                    seconds, best_gap = time_to_gap(run, optimum, args.gap)
                    ratio = (seconds / best_ours) if (seconds and best_ours) else None
                    table.append((problem, run.library, run.solver, seconds, best_gap,
                                  run.total_seconds, ratio, run.note))

            print(f"\n| problem | library | solver | time to gap <= {args.gap:g} (s) "
                  "| best gap | total (s) | time / logitron's | notes |")
            print("|---|---|---|---:|---:|---:|---:|---|")
            for problem, library, solver, seconds, gap, total, ratio, note in table:
                reached = f"{seconds:.1f}" if seconds is not None else "not reached"
                best = _best(table, problem)
                if ratio is not None:
                    ratio_text = f"{ratio:.1f}"
                elif best is not None:
                    ratio_text = f"> {total / best:.1f}"
                else:
                    ratio_text = "-"
                print(f"| {problem} | {library} | {solver} | {reached} | {gap:.1e} | "
                      f"{total:.1f} | {ratio_text} | {note} |")

            objective, optimum = optima["l2"]
            print(f"\n# partial_fit (Adam, averaged), C=1, mini-batches of {args.batch} rows "
                  "streamed file by file in this process")
            print("| epoch | seconds | relative gap to the batch optimum |")
            print("|---:|---:|---:|")
            for epoch, seconds, value in stream_partial_fit(
                path, 1.0, n_rows, args.epochs, args.batch,
                lambda theta: objective.values([theta])[0],
            ):
                print(f"| {epoch} | {seconds:.1f} | {(value - optimum) / abs(optimum):.1e} |")
    finally:
        if args.path is None:
            shutil.rmtree(path, ignore_errors=True)


def _best(table: list[tuple], problem: str) -> float | None:
    times = [row[3] for row in table if row[0] == problem and row[1] == "logitron" and row[3]]
    return min(times) if times else None


if __name__ == "__main__":
    main()
