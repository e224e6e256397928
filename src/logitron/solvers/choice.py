"""What ``solver="auto"`` picks, from the shape, storage and dtype of X."""

from __future__ import annotations

from typing import Any


def choose_solver(
    n_samples: int,
    n_features: int,
    n_classes: int,
    is_sparse: bool,
    dtype: Any,
    l1: bool,
) -> str:
    """The registered solver expected to reach the optimum fastest."""
    from . import SOLVERS

    if l1:
        for name, solver in SOLVERS.items():
            if solver.handles_l1:
                return name
        raise ValueError("no registered solver handles an L1 penalty")
    n_params = (n_features + 1) * (1 if n_classes == 2 else n_classes)
    if not is_sparse and n_params <= 200:
        return "newton"
    return "newton-cg"
