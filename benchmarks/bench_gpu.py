"""logitron against scikit-learn's array-API fit on the same torch tensors.

One command, on a CUDA machine (or ``--device cpu`` with small sizes, to try
it anywhere)::

    python -m benchmarks.bench_gpu --rows 1000000 --features 100 --output gpu.md

For float32 and float64, two classes and five, it fits on the same torch
tensors on the device:

* logitron (``array_api_dispatch=True``, solver ``"auto"`` and ``"lbfgs"``);
* scikit-learn's ``LogisticRegression(solver="lbfgs")`` under
  ``array_api_dispatch=True`` (its array-API path);
* logitron on NumPy copies on the CPU, for reference;
* cuML's ``LogisticRegression`` when ``cuml`` imports (else a note says so).

Equal accuracy, not equal ``tol`` (as ``benchmarks/harness.py``): each fit is
timed at the loosest tolerance (searched by factors of 10) whose fit reaches
the relative objective gap ``(J - J*) / |J*| <= 1e-8``, ``J`` evaluated in
float64 on the device by one ruler for all, ``J*`` from a float64 Newton fit
to rounding level. float32 fits may stop above the target (their rounding
level); the table gives the gap each reached. Time is wall time with the
device synchronised, after one warm-up fit on a slice of the rows; the
fastest of ``--repeats`` fits is kept.

Needs numpy, scipy, scikit-learn and torch only (no Dask, pandas or
formulaic); ``SCIPY_ARRAY_API=1`` is set here before scipy is imported, as
scikit-learn's array-API mode requires.
"""

from __future__ import annotations

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy
import sklearn
from sklearn import config_context

import logitron
from logitron.array_api.fit import one_hot
from logitron.array_api.namespace import namespace_of, to_host
from logitron.array_api.objective import NamespaceObjective

TARGET_GAP = 1e-8
#: Tolerances tried, loosest first; the loosest that reaches the gap is timed.
TOLERANCES = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12)


@dataclass
class Row:
    """One fitter on one problem: its time, gap and iterations (or a note)."""

    dtype: str
    classes: int
    fitter: str
    seconds: float | None = None
    gap: float | None = None
    tol: float | None = None
    n_iter: int | None = None
    note: str = ""


class Ruler:
    """The mean-scale objective of ``C`` and the data in float64 on the
    device (``logitron.array_api.objective``), and its optimum ``J*``."""

    def __init__(self, X64: Any, y: np.ndarray, n_classes: int, C: float) -> None:
        self.objective = NamespaceObjective(
            namespace_of(X64), X64, one_hot(y, n_classes), np.ones(len(y)), C=C
        )
        with config_context(array_api_dispatch=True):
            tight = logitron.LogisticRegression(C=C, solver="newton", tol=1e-13)
            tight.fit(X64, y)
        self.optimum = self.value(tight.coef_, tight.intercept_)

    def value(self, coef: Any, intercept: Any) -> float:
        unit = self.objective.unit
        theta = unit.pack(to_host(coef).astype(np.float64),
                          to_host(intercept).astype(np.float64))
        return self.objective.value(theta)

    def gap(self, coef: Any, intercept: Any) -> float:
        return (self.value(coef, intercept) - self.optimum) / abs(self.optimum)


def _synchronise(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fit: Callable[[float], Any], device: str, repeats: int) -> tuple[float, Any]:
    best, model = np.inf, None
    for _ in range(repeats):
        _synchronise(device)
        start = time.perf_counter()
        model = fit(0.0)
        _synchronise(device)
        best = min(best, time.perf_counter() - start)
    return best, model


def time_to_gap(
    make: Callable[[float], Any], data: tuple[Any, Any], ruler: Ruler, row: Row,
    device: str, repeats: int, dispatch: bool,
) -> Row:
    """Fill ``row`` with the time of the loosest tolerance reaching the gap."""
    X, y = data
    best_gap = np.inf
    for tol in TOLERANCES:
        def fit(_: float, tol: float = tol) -> Any:
            with config_context(array_api_dispatch=dispatch):
                return make(tol).fit(X, y)

        try:
            seconds, model = _timed(fit, device, repeats)
        except Exception as error:  # a library that cannot fit this input
            row.note = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
            return row
        gap = ruler.gap(model.coef_, model.intercept_)
        n_iter = int(np.max(to_host(model.n_iter_)))
        if gap < best_gap:
            best_gap = gap
            row.seconds, row.gap, row.tol, row.n_iter = seconds, gap, tol, n_iter
        if gap <= TARGET_GAP:
            break
    if row.gap is not None and row.gap > TARGET_GAP:
        row.note = "target gap not reached (smallest gap shown)"
    return row


def problem(rows: int, features: int, n_classes: int, seed: int) -> tuple[np.ndarray, ...]:
    """Standard-normal features and labels drawn from a random linear model
    (so the optimum is finite and not trivial)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features))
    weights = rng.standard_normal((features, n_classes)) / np.sqrt(features)
    raw = X @ weights
    proba = np.exp(raw - raw.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    y = (proba.cumsum(axis=1) < rng.uniform(size=(rows, 1))).sum(axis=1)
    return X, np.minimum(y, n_classes - 1)


def fitters(C: float, max_iter: int) -> dict[str, tuple[Callable[[float], Any], str]]:
    """Each fitter: a maker of an estimator from ``tol``, and where its data live."""
    from sklearn.linear_model import LogisticRegression as SklearnLR

    chosen: dict[str, tuple[Callable[[float], Any], str]] = {
        "logitron auto (device)": (
            lambda tol: logitron.LogisticRegression(C=C, tol=tol, max_iter=max_iter), "device"),
        "logitron lbfgs (device)": (
            lambda tol: logitron.LogisticRegression(
                C=C, solver="lbfgs", tol=tol, max_iter=max_iter), "device"),
        "scikit-learn lbfgs (device)": (
            lambda tol: SklearnLR(C=C, solver="lbfgs", tol=tol, max_iter=max_iter), "device"),
        "logitron auto (NumPy, CPU)": (
            lambda tol: logitron.LogisticRegression(C=C, tol=tol, max_iter=max_iter), "host"),
    }
    try:
        from cuml.linear_model import LogisticRegression as CumlLR

        chosen["cuML qn (device)"] = (
            lambda tol: CumlLR(C=C, tol=tol, max_iter=max_iter), "device")
    except ImportError:
        pass
    return chosen


def versions(device: str) -> str:
    import torch

    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else platform.processor()
    try:
        import cuml

        cuml_version = cuml.__version__
    except ImportError:
        cuml_version = "not importable: its rows are skipped"
    sklearn_version = getattr(sklearn, "__version__", "?")
    return (
        f"device {device} ({name}); Python {platform.python_version()}, torch "
        f"{torch.__version__}, NumPy {np.__version__}, SciPy {scipy.__version__}, "
        f"scikit-learn {sklearn_version}, logitron {logitron.__version__}, "
        f"cuML {cuml_version}"
    )


def run(args: argparse.Namespace) -> list[Row]:
    import torch

    rows: list[Row] = []
    for n_classes in args.classes:
        X_host, y = problem(args.rows, args.features, n_classes, args.seed)
        X64 = torch.asarray(X_host, device=args.device)
        ruler = Ruler(X64, y, n_classes, args.C)
        for dtype in args.dtypes:
            X_device = X64.to(getattr(torch, dtype))
            y_device = torch.asarray(y, device=args.device)
            X_cpu = X_host.astype(dtype)
            for name, (make, where) in fitters(args.C, args.max_iter).items():
                data = (X_device, y_device) if where == "device" else (X_cpu, y)
                warm = (data[0][: min(2000, args.rows)], data[1][: min(2000, args.rows)])
                row = Row(dtype, n_classes, name)
                try:  # the first fit pays for kernels' compilation and caches
                    with config_context(array_api_dispatch=where == "device"):
                        make(1e-4).fit(*warm)
                except Exception as error:
                    row.note = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
                    rows.append(row)
                    continue
                rows.append(time_to_gap(
                    make, data, ruler, row, args.device, args.repeats, where == "device"
                ))
                print(_line(rows[-1], None), file=sys.stderr, flush=True)
    return rows


def _line(row: Row, reference: float | None) -> str:
    seconds = "-" if row.seconds is None else f"{row.seconds:.3f}"
    ratio = "-" if row.seconds is None or not reference else f"{row.seconds / reference:.2f}"
    gap = "-" if row.gap is None else f"{row.gap:.1e}"
    tol = "-" if row.tol is None else f"{row.tol:g}"
    n_iter = "-" if row.n_iter is None else str(row.n_iter)
    return (f"| {row.dtype} | {row.classes} | {row.fitter} | {seconds} | {ratio} | "
            f"{gap} | {tol} | {n_iter} | {row.note} |")


def table(rows: list[Row], header: str) -> str:
    """The Markdown table, each time also as a ratio to logitron auto's on
    the device for the same dtype and classes."""
    lines = [
        header, "",
        "| dtype | classes | fitter | seconds | ratio to logitron auto (device) | gap "
        "| tol | iterations | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        reference = next(
            (r.seconds for r in rows if r.fitter == "logitron auto (device)"
             and r.dtype == row.dtype and r.classes == row.classes), None,
        )
        lines.append(_line(row, reference))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--classes", type=lambda s: [int(k) for k in s.split(",")],
                        default=[2, 5])
    parser.add_argument("--dtypes", type=lambda s: s.split(","),
                        default=["float32", "float64"])
    parser.add_argument("--device", default=None, help="cuda (default if available) or cpu")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--max-iter", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    import torch

    if args.device is None:
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    header = (
        f"logitron vs scikit-learn's array-API LogisticRegression, {args.rows:,} x "
        f"{args.features}, C={args.C:g}, target gap {TARGET_GAP:g}\n\n{versions(args.device)}"
    )
    print(header, file=sys.stderr, flush=True)
    text = table(run(args), header)
    print(text)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
