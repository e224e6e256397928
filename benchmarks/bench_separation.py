"""Separated data: logitron's fit and first ``summary()`` against statsmodels.

The commonest separation in practice is a rare level of a categorical
feature seen in one class only (``tests.problems.rare_level_in_one_class``:
ten continuous features and four dummies of a five-level factor whose 2%
level occurs in one class). logitron's unpenalised fit diagnoses it (a
``PerfectSeparationWarning`` naming the feature) and its first ``summary()``
says which estimates are infinite; statsmodels' ``Logit`` / ``MNLogit``
fits and reports standard errors of the diverged estimates (with a warning
on binary data). Reported: CPU seconds (``time.process_time``, one BLAS
thread, fastest of ``--repeat``) of logitron's ``fit``, its first
``summary()``, statsmodels' fit plus ``bse``, and the ratio of the sums.

Usage (from the repository root)::

    PYTHONPATH=src python -m benchmarks.bench_separation
    PYTHONPATH=src python -m benchmarks.bench_separation --rows 300,1000 --repeat 1
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from tests.problems import rare_level_in_one_class
from threadpoolctl import threadpool_limits

from logitron import LogisticRegression


def fastest(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest CPU time of ``repeat`` calls of ``run`` and its last result."""
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.process_time()
        result = run()
        best = min(best, time.process_time() - start)
    return best, result


def row(n: int, n_classes: int, repeat: int) -> str:
    """One table row: logitron's fit and summary() against statsmodels."""
    import statsmodels.api as sm

    X, y = rare_level_in_one_class(n_classes, n=n)
    fit_seconds, summary_seconds = np.inf, np.inf
    for _ in range(repeat):  # summary() is timed on a fresh fit each time
        start = time.process_time()
        model = LogisticRegression(C=np.inf).fit(X, y)
        middle = time.process_time()
        model.summary()
        fit_seconds = min(fit_seconds, middle - start)
        summary_seconds = min(summary_seconds, time.process_time() - middle)
    record = model.inference_
    assert record is not None
    named = "(among others)" not in record.separation
    design = sm.add_constant(X.to_numpy())
    family = sm.Logit if n_classes == 2 else sm.MNLogit
    with warnings.catch_warnings():
        # statsmodels sets its ConvergenceWarning to "always" on import.
        warnings.simplefilter("ignore")
        theirs, _ = fastest(lambda: family(y, design).fit(disp=0).bse, repeat)
    ours = fit_seconds + summary_seconds
    return (
        f"| {n:,} | {n_classes} | {fit_seconds:.4f} | {summary_seconds:.4f} | "
        f"{theirs:.4f} | {ours / theirs:.2f} | {'yes' if named else 'no'} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="300,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        "| rows | classes | logitron fit (s) | first summary() (s) | "
        "statsmodels fit + bse (s) | ratio | separating set whole |"
    )
    print("|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in (int(value) for value in args.rows.split(",")):
            for n_classes in (2, 3):
                print(row(n, n_classes, args.repeat), flush=True)


if __name__ == "__main__":
    main()
