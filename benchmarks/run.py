"""Run the benchmark suite and print its tables in Markdown.

Usage (from the repository root)::

    python -m benchmarks.run                  # the full matrix
    python -m benchmarks.run --quick          # small problems, one repeat
    python -m benchmarks.run --problems dense-100kx20,breast_cancer
    python -m benchmarks.run --threads 2 --output results.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from tests.problems import BENCHMARK_PROBLEMS, SMALL_PROBLEMS, Problem

from .competitors import COMPETITORS, skip_reason
from .fitters import LIBLINEAR, OURS, SKLEARN
from .harness import TARGET_GAP, GapMeter, Run, machine_line, time_to_gap
from .liblinear_meter import liblinear_meter
from .summary_column import summary_section, summary_table

QUICK_PROBLEMS = ["breast_cancer", "dense-100kx20", "nearsep-20kx20", "small-sparse"]
#: Solvers that form the p x p Hessian; skipped above this many parameters.
DENSE_HESSIAN_SOLVERS = {
    ("logitron", "newton"), ("logitron", "newton-cholesky"), ("sklearn", "newton-cholesky"),
}
MAX_DENSE_HESSIAN_PARAMS = 6_000


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    names = args.problems.split(",") if args.problems else (
        QUICK_PROBLEMS if args.quick else list(BENCHMARK_PROBLEMS)
    )
    fitters = [*OURS, *SKLEARN, *COMPETITORS]
    if args.solvers:
        wanted = set(args.solvers.split(","))
        fitters = [f for f in [*fitters, *LIBLINEAR] if f.label.replace(" ", ":") in wanted
                   or f.solver in wanted]
    repeats = args.repeats
    started = time.perf_counter()
    summaries: list[list[str]] = []
    details: list[list[str]] = []
    summary_rows: list[list[str]] = []
    for name in names:
        problem = (BENCHMARK_PROBLEMS.get(name) or SMALL_PROBLEMS[name])()
        print(f"# {name}: {problem.description}, C={problem.C}", file=sys.stderr)
        meter = GapMeter(problem)
        results: list[Run] = []
        fastest = np.inf
        for fitter in fitters:
            if (fitter.library, fitter.solver) in DENSE_HESSIAN_SOLVERS and (
                meter.unit.n_params > MAX_DENSE_HESSIAN_PARAMS
            ):
                results.append(Run(fitter, None, None, None, error="skipped: p x p"))
                continue
            reason = skip_reason(fitter, problem)
            if reason is not None:
                continue
            # liblinear solves another problem (its intercept penalised).
            fitter_meter = liblinear_meter(problem) if fitter.solver == "liblinear" else meter
            if fitter_meter is None:
                skipped = "skipped: liblinear takes two classes and a penalty"
                results.append(Run(fitter, None, None, None, error=skipped))
                continue
            # A fit 20 times slower than the fastest so far has lost anyway;
            # the budget is wall time, which a shared machine stretches.
            budget = min(args.max_seconds, max(args.min_seconds, 20 * fastest))
            if args.clock == "cpu":
                budget *= 2
            best, _ = time_to_gap(
                problem, fitter, fitter_meter, args.threads, budget, repeats,
                measure_memory=not args.no_memory, clock=args.clock,
            )
            results.append(best)
            if best.reached and best.seconds is not None:
                fastest = min(fastest, best.seconds)
            print(f"  {_detail_row(problem, best)}", file=sys.stderr)
        summaries.append(_summary_row(problem, results))
        details.extend(_detail_cells(problem, r) for r in results)
        # summary() after unpenalised fits, in its own table (summary_column).
        auto = [r.tol for r in results if r.fitter.solver == "auto" and r.reached]
        if auto and not args.no_summary:
            summary_rows += summary_table([problem], {name: auto[0]}, args.threads)
    elapsed = time.perf_counter() - started
    text = _report(summaries, details, args.threads, args.clock, elapsed)
    text += summary_section(summary_rows)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--problems", help="comma-separated problem names")
    parser.add_argument("--solvers", help="comma-separated solver names")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="process CPU time (default) or wall time")
    parser.add_argument("--repeats", type=int, default=1,
                        help="extra timed runs of the chosen tolerance")
    parser.add_argument("--min-seconds", type=float, default=3.0,
                        help="a fit may always run this long")
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="a fit never runs longer")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the traced-memory run")
    parser.add_argument("--no-summary", action="store_true",
                        help="skip timing summary() on the unpenalised problems")
    parser.add_argument("--output", help="also write the Markdown to this file")
    return parser.parse_args(argv)


def _size_bytes(X: object) -> int:
    if sp.issparse(X):
        return int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)  # type: ignore[attr-defined]
    return int(np.asarray(X).nbytes)


def _shape(problem: Problem) -> str:
    n, d = problem.X.shape
    kind = "CSR" if problem.is_sparse else str(problem.X.dtype)
    return f"{n:,} x {d:,} {kind}"


def _seconds(run: Run | None) -> str:
    if run is None or run.seconds is None:
        return "-"
    return f"{run.seconds:.4f}"


def _summary_row(problem: Problem, results: list[Run]) -> list[str]:
    # liblinear solves another problem (its intercept penalised): never the best.
    ours = [r for r in results if r.fitter.library == "logitron" and r.reached
            and r.fitter.solver != "liblinear"]
    # The fastest of scikit-learn, glum and statsmodels (issue 18).
    theirs = [r for r in results if r.fitter.library != "logitron" and r.reached
              and r.fitter.solver != "liblinear"]
    auto = next((r for r in ours if r.fitter.solver == "auto"), None)
    best_ours = min(ours, key=lambda r: r.seconds or np.inf, default=None)
    best_theirs = min(theirs, key=lambda r: r.seconds or np.inf, default=None)

    def ratio(run: Run | None, without_record: bool = False) -> str:
        if run is None or best_theirs is None:
            return "-"
        assert run.seconds is not None
        assert best_theirs.seconds is not None
        seconds = run.seconds - (run.record_seconds if without_record else 0.0)
        return f"{seconds / best_theirs.seconds:.2f}"

    def memory(run: Run | None) -> str:
        if run is None or run.peak_bytes is None:
            return "-"
        return f"{run.peak_bytes / _size_bytes(problem.X):.2f}"

    def ours_by_solver(solver: str) -> Run | None:
        return next((r for r in ours if r.fitter.solver == solver), None)

    return [
        problem.name, _shape(problem), f"{problem.C:g}",
        f"{_competitor(best_theirs)} {_seconds(best_theirs)}" if best_theirs else "-",
        f"{auto.solver} {_seconds(auto)}" if auto else "-",
        ratio(auto),
        ratio(auto, without_record=True) if auto and auto.record_seconds else "",
        f"{best_ours.fitter.solver} {_seconds(best_ours)}" if best_ours else "-",
        ratio(best_ours),
        memory(auto),
        " / ".join(memory(ours_by_solver(name)) for name in ("lbfgs", "newton-cg")),
    ]


def _competitor(run: Run) -> str:
    library = "" if run.fitter.library == "sklearn" else f"{run.fitter.library} "
    return library + run.fitter.solver


def _detail_cells(problem: Problem, run: Run) -> list[str]:
    gap = "-" if run.gap is None else f"{max(run.gap, 0.0):.1e}"
    memory = "-" if run.peak_bytes is None else f"{run.peak_bytes / 2**20:.1f}"
    record = f"{run.record_seconds:.3f}" if run.record_seconds else ""
    tol = "default" if run.tol is None else f"{run.tol:g}"
    status = "" if run.reached else (run.error or "gap not reached")
    solver = run.fitter.solver + (
        f" ({run.solver})" if run.fitter.solver == "auto" and run.solver else ""
    )
    return [
        problem.name, run.fitter.library, solver, tol, _seconds(run), record,
        str(run.n_iter) if run.n_iter else "-", gap, memory, status,
    ]


def _detail_row(problem: Problem, run: Run) -> str:
    return " | ".join(_detail_cells(problem, run)[1:])


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _report(
    summaries: list[list[str]], details: list[list[str]], threads: int, clock: str,
    elapsed: float,
) -> str:
    ratios = [float(row[5]) for row in summaries if row[5] != "-"]
    median = f"{statistics.median(ratios):.2f}" if ratios else "-"
    worst = f"{max(ratios):.2f}" if ratios else "-"
    solver_ratios = [float(row[6] or row[5]) for row in summaries if row[5] != "-"]
    solver_median = f"{statistics.median(solver_ratios):.2f}" if ratios else "-"
    summary = _table(
        ["problem", "X", "C", "fastest competitor (s)", "logitron auto (s)",
         "ratio auto", "ratio auto without inference record", "best logitron (s)",
         "ratio best", "auto peak mem / X", "lbfgs / newton-cg peak mem / X"],
        summaries,
    )
    detail = _table(
        ["problem", "library", "solver", "tol", "time (s)", "of which inference record (s)",
         "iter", "gap", "peak MiB", "note"],
        details,
    )
    return (
        f"{'CPU' if clock == 'cpu' else 'Wall'} time of `fit` to a relative "
        f"objective gap <= {TARGET_GAP:g} "
        f"({machine_line(threads)}). Ratio = logitron time / fastest "
        "competitor's time (scikit-learn's solvers, glum where installed, "
        "statsmodels' Logit on unpenalised binary rows); median ratio (auto) "
        f"{median} (worst {worst}), {solver_median} without "
        "the inference record that logitron's unpenalised fits compute (Fisher "
        "information, separation certificate; scikit-learn computes none). Suite "
        f"ran in {elapsed:.0f} s.\n\n{summary}\n\n<details><summary>every solver"
        f"</summary>\n\n{detail}\n\n</details>\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
