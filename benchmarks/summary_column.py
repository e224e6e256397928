"""The summary column of the in-memory suite: what ``summary()`` costs after
an unpenalised fit, against statsmodels' ``Logit`` fit plus its standard
errors (issue 18: at most one Gram product beyond the fit).

For each ``-noreg`` problem, in this process, with the suite's threads:

* ``fit``: logitron's ``auto`` fit at the tolerance the suite timed;
* ``summary()``: the first call after that fit, which computes the
  statistics record from the kept training data (``_lazy_record``);
* ``Gram``: one weighted Gram product ``X~.T @ diag(h) @ X~`` of the data
  backend, the unit issue 18 counts in;
* statsmodels: ``Logit(y, add_constant(X)).fit(disp=0)`` then ``.bse``;
* peak memory traced during ``summary()``, over the bytes of ``X``.

Each figure is the fastest of repeated CPU-time measurements (as
``harness.fastest_fit_seconds``), so load on a shared machine only adds.
"""

from __future__ import annotations

import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from tests.problems import Problem
from threadpoolctl import threadpool_limits

from logitron import LogisticRegression
from logitron.backends import as_data

_REPEAT_SECONDS = 0.5


def _fastest(prepare: Callable[[], Any], timed: Callable[[Any], Any]) -> float:
    """Fastest CPU time of ``timed(prepare())``, repeated until
    ``_REPEAT_SECONDS`` are used (at most 10 times)."""
    seconds, spent = np.inf, 0.0
    for _ in range(10):
        state = prepare()
        start = time.process_time()
        timed(state)
        elapsed = time.process_time() - start
        seconds, spent = min(seconds, elapsed), spent + elapsed
        if spent > _REPEAT_SECONDS:
            break
    return seconds


def summary_cells(problem: Problem, tol: float | None, threads: int) -> list[str]:
    """``[fit, summary(), summary() / Gram, statsmodels, ratio, peak / X]``
    as table cells for one unpenalised problem."""
    import statsmodels.api as sm

    X, y = problem.X, problem.y

    def fit() -> LogisticRegression:
        return LogisticRegression(C=np.inf, tol=tol).fit(X, y)

    def statsmodels_fit(_: Any) -> Any:
        return sm.Logit(y, sm.add_constant(X)).fit(disp=0).bse

    unit_data = as_data(X)
    weight = np.full(X.shape[0], 0.25)
    with threadpool_limits(limits=threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_seconds = _fastest(lambda: None, lambda _: fit())
        summary_seconds = _fastest(fit, lambda model: model.summary())
        gram_seconds = _fastest(
            lambda: None, lambda _: unit_data.weighted_grams([weight], append_ones=True)
        )
        theirs = _fastest(lambda: None, statsmodels_fit)
        model = fit()
        tracemalloc.start()
        model.summary()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    ours = fit_seconds + summary_seconds
    return [
        problem.name, f"{fit_seconds:.4f}", f"{summary_seconds:.4f}",
        f"{gram_seconds:.4f}", f"{summary_seconds / gram_seconds:.2f}",
        f"{ours:.4f}", f"{theirs:.4f}", f"{ours / theirs:.2f}",
        f"{peak / np.asarray(X).nbytes:.2f}",
    ]


HEADER = [
    "problem", "logitron fit (s)", "summary() after it (s)", "one Gram product (s)",
    "summary() / Gram", "fit + summary() (s)", "statsmodels Logit fit + bse (s)",
    "ratio", "summary() peak mem / X",
]


def summary_table(
    problems: list[Problem], tols: dict[str, float | None], threads: int
) -> list[list[str]]:
    """Rows of the summary table for the unpenalised problems among
    ``problems`` (dense ones: statsmodels takes no sparse matrix)."""
    return [
        summary_cells(problem, tols.get(problem.name), threads)
        for problem in problems
        if np.isposinf(problem.C) and not problem.is_sparse
        and len(np.unique(problem.y)) == 2
    ]


def summary_section(rows: list[list[str]]) -> str:
    """The summary table as a Markdown section ("" without rows)."""
    if not rows:
        return ""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    table = "\n".join(lines)
    return (
        "\nUnpenalised problems: CPU time of `summary()` right after logitron's "
        "`auto` fit (it computes the statistics record then), against one "
        "weighted Gram product over X and statsmodels' `Logit` fit plus `bse` "
        f"(benchmarks/summary_column.py).\n\n{table}\n"
    )
