"""Post-fit statistics against statsmodels: average marginal effects with
their delta-method standard errors, and clustered standard errors.

    PYTHONPATH=src python -m benchmarks.bench_statistics --rows 1000000 --features 50

Both libraries fit the same simulated binary problem first (not timed); then
each computation is timed alone, as CPU time of the calling process
(``time.process_time``), best of ``--repeat``:

* effects: ``Statistics.marginal_effects()`` against statsmodels'
  ``LogitResults.get_margeff()`` (average dydx, delta-method covariance);
* clusters: ``stats.with_cov("cluster", groups).cov()`` against
  ``statsmodels.stats.sandwich_covariance.cov_cluster(results, groups)``
  (what ``fit(cov_type="cluster")`` calls).

``model.statistics(X, y)`` (the row check, which computes the fitted
probabilities once and keeps them, as statsmodels' results keep theirs) is
built before the timers start. The two sets of numbers are checked to agree
(rtol 1e-6) before the times are reported.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def problem(rows: int, features: int, seed: int = 0) -> tuple[Any, Any, Any]:
    """Standard normal features, coefficients of size 1/sqrt(d), 1,000 clusters."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    coef = rng.standard_normal(features) / np.sqrt(features)
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(X @ coef - 0.5)))).astype(float)
    groups = rng.integers(0, 1000, size=rows)
    return X, y, groups


def best_time(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> None:
    import statsmodels.api as sm
    from statsmodels.stats import sandwich_covariance

    from logitron import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--memory-limit", type=float, default=4.0, metavar="GB",
                        help="skip statsmodels' get_margeff above this memory need")
    args = parser.parse_args(argv)
    X, y, groups = problem(args.rows, args.features)
    model = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    stats = model.statistics(X, y)
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-10)

    ours_time, ours = best_time(lambda: stats.marginal_effects(), args.repeat)
    # statsmodels' complex-step Jacobian of the per-row effects is an
    # (n, k, k) float64 array before it is averaged.
    jacobian_gb = args.rows * (args.features + 1) ** 2 * 8 / 1e9
    theirs_time = float("nan")
    if jacobian_gb <= args.memory_limit:
        theirs_time, theirs = best_time(lambda: reference.get_margeff(), args.repeat)
        np.testing.assert_allclose(ours.margeff, theirs.margeff, rtol=1e-6)
        np.testing.assert_allclose(ours.se, theirs.margeff_se, rtol=1e-6)
    else:
        print(f"statsmodels get_margeff not run: its Jacobian needs {jacobian_gb:.1f} GB "
              f"(> --memory-limit {args.memory_limit:g})")
    rows = [("average marginal effects", ours_time, theirs_time)]

    ours_time, ours_cov = best_time(
        lambda: stats.with_cov("cluster", groups).cov(), args.repeat
    )
    theirs_time, theirs_cov = best_time(
        lambda: sandwich_covariance.cov_cluster(reference, groups), args.repeat
    )
    np.testing.assert_allclose(ours_cov, theirs_cov, rtol=1e-6)
    rows.append(("clustered covariance", ours_time, theirs_time))

    print(f"{args.rows} x {args.features}, CPU seconds (best of {args.repeat})\n")
    print("| computation | logitron | statsmodels | ratio |")
    print("|---|---|---|---|")
    for name, ours_seconds, theirs_seconds in rows:
        print(f"| {name} | {ours_seconds:.3f} | {theirs_seconds:.3f} | "
              f"{ours_seconds / theirs_seconds:.3f} |")


if __name__ == "__main__":
    main()
