"""Fit logistic regression on Parquet data larger than the cluster's memory.

    python examples/dask_larger_than_memory.py                 # 1.6 GB of data
    python examples/dask_larger_than_memory.py --gigabytes 0.2 # a quick look

1. Write the data set as Parquet files under a temporary directory, one file
   (one Dask partition) at a time, so this process never holds it either.
2. Start a LocalCluster of 2 worker processes whose memory limits add up to
   less than the data.
3. Fit ``logitron.LogisticRegression`` on ``dask.dataframe.read_parquet``:
   each solver iteration streams every file through the workers once (one
   graph per iteration) and only d-sized sums come back.
4. Predict lazily and score, in one more pass.

Against a real cluster, replace step 2 with
``Client("tcp://scheduler-address:8786")``; the fit is the same code.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

# 50,000 rows (8 MB) per file: with 150,000, 600 MB workers paused and spilled
# under the benchmark (bench_dask.py), where several partitions are in flight.
ROWS_PER_FILE = 50_000


def write_parquet(path: Path, gigabytes: float, n_features: int, seed: int = 0) -> int:
    """Write ``gigabytes`` of float64 features plus a 0/1 label; return the rows.

    Labels follow a logistic model with coefficients ``linspace(-1, 1, d)``
    and intercept 0.5, so the fit has a known target.
    """
    import pandas as pd

    bytes_per_row = 8 * (n_features + 1)
    n_files = max(1, round(gigabytes * 1e9 / (bytes_per_row * ROWS_PER_FILE)))
    coef = np.linspace(-1.0, 1.0, n_features)
    columns = [f"x{j}" for j in range(n_features)]
    for i in range(n_files):
        rng = np.random.default_rng([seed, i])
        X = rng.normal(size=(ROWS_PER_FILE, n_features))
        raw = X @ coef + 0.5 + rng.logistic(size=ROWS_PER_FILE)
        frame = pd.DataFrame(X, columns=columns)
        frame["label"] = (raw > 0).astype(np.float64)
        frame.to_parquet(path / f"part-{i:04d}.parquet", index=False)
    return n_files * ROWS_PER_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.6)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--memory-limit", default="600MB", help="per worker")
    parser.add_argument("--path", type=Path, default=None, help="default: a temp dir")
    args = parser.parse_args()

    import dask.dataframe as dd
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    from logitron import LogisticRegression

    path = args.path or Path(tempfile.mkdtemp(prefix="logitron-parquet-"))
    path.mkdir(parents=True, exist_ok=True)
    try:
        # 1. the data, written file by file
        n_rows = write_parquet(path, args.gigabytes, args.features)
        in_memory = n_rows * 8 * (args.features + 1)
        print(f"{n_rows:,} rows x {args.features} features: {format_bytes(in_memory)} "
              f"as float64 in {len(list(path.glob('*.parquet')))} Parquet files")

        # 2. a cluster with less memory than the data
        with LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=args.memory_limit,
            dashboard_address=None,
            # Arrow's own allocator keeps the buffers of every file read, which
            # a worker counts against its limit (and then pauses); the system
            # allocator hands them back.
            env={"ARROW_DEFAULT_MEMORY_POOL": "system"},
        ) as cluster, Client(cluster):
            total_limit = 2 * parse_bytes(args.memory_limit)
            print(f"workers' memory limit: {format_bytes(total_limit)} in total "
                  f"(the data is {in_memory / total_limit:.1f} times that)")

            # 3. the fit: X and y are lazy columns of the same DataFrame
            data = dd.read_parquet(path)
            X, y = data.drop(columns="label"), data["label"]
            model = LogisticRegression(C=1.0, verbose=1)
            start = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - start
            print(f"fit: {seconds:.1f} s, {model.n_iter_[0]} Newton iterations")
            print("coef_:", np.round(model.coef_.ravel(), 3))
            print("intercept_:", np.round(model.intercept_, 3))

            # 4. lazy predictions (a dask Series with the index of X),
            #    computed once for the accuracy
            predicted = model.predict(X)
            accuracy = (predicted == y).mean().compute()
            print(f"training accuracy: {accuracy:.4f}")
    finally:
        if args.path is None:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
