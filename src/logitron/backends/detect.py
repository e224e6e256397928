"""Which backend an input belongs to, without importing optional libraries.

``is_dask_collection`` runs on every input of ``fit`` and ``predict``: it
must cost nothing when dask is not in use, so it looks dask up only among
the modules already imported (an object cannot be a dask collection unless
dask is).
"""

from __future__ import annotations

import sys
from typing import Any


def is_dask_collection(*inputs: Any) -> bool:
    """Whether any input is a dask collection (False without importing dask)."""
    dask = sys.modules.get("dask")
    return dask is not None and any(dask.is_dask_collection(obj) for obj in inputs)
