"""``backends.is_dask_collection``: which inputs go to the Dask backend,
decided without importing dask."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from logitron.backends import is_dask_collection

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_fit_and_predict_in_memory_never_import_dask() -> None:
    # A fresh interpreter: this one may have imported dask for other tests.
    script = textwrap.dedent(
        """
        import sys

        import numpy as np

        import logitron
        from logitron.backends import is_dask_collection

        rng = np.random.default_rng(0)
        X = rng.standard_normal((40, 3))
        y = (X[:, 0] > 0).astype(int)
        model = logitron.LogisticRegression().fit(X, y)
        model.predict_proba(X)
        print(is_dask_collection(X, y), "dask" in sys.modules)
        """
    )
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC), os.environ.get("PYTHONPATH", "")]
    ))
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["False", "False"]


def test_dask_collections_are_told_from_arrays() -> None:
    import dask.array as da
    import dask.dataframe as dd
    import pandas as pd

    X = np.ones((6, 2))
    assert is_dask_collection(da.from_array(X, chunks=3))
    assert is_dask_collection(X, None, dd.from_pandas(pd.DataFrame(X), npartitions=2))
    assert not is_dask_collection(X, sp.csr_matrix(X), pd.DataFrame(X), None)
    assert not is_dask_collection()
