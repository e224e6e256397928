"""A fingerprint of the fits: every fitted number's bytes, for comparing two
commits bit for bit after a change that must not change results (a
restructuring, a cleanup).

Usage (from the repository root of each checkout)::

    python -m benchmarks.fingerprint before.json     # on the old commit
    python -m benchmarks.fingerprint after.json      # on the new one
    python -m benchmarks.fingerprint --compare before.json after.json

It fits every small named problem of ``tests/problems.py`` and four
benchmark problems with every solver (with and without an L1 term where
the solver takes one), ``LogisticRegressionCV``, 30 ``partial_fit`` steps
and six Dask fits, and records ``coef_``, ``intercept_``, ``n_iter_``,
``loss_curve_``, the Fisher information and sandwich meat of unpenalised
fits, and the ``model`` part of a saved model file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from tests.problems import SMALL_PROBLEMS, get_problem

import logitron
from logitron import LogisticRegression, LogisticRegressionCV

SOLVERS = ["auto", "gd", "newton", "newton-cg", "lbfgs", "prox-newton", "fista"]
LARGER = ["dense-100kx20-noreg", "nearsep-20kx20", "softmax-50kx50-K5", "unscaled-50kx20"]


def _bytes(array: Any) -> str:
    return np.ascontiguousarray(array).tobytes().hex()


def _fitted(model: Any) -> dict[str, Any]:
    record = getattr(model, "inference_", None)
    return {
        "coef": _bytes(model.coef_), "intercept": _bytes(model.intercept_),
        "n_iter": int(model.n_iter_[0]), "curve": _bytes(np.asarray(model.loss_curve_)),
        "solver": model.solver_,
        "information": None if record is None else _bytes(record.information),
        "meat": None if record is None else _bytes(record.meat),
    }


def _solver_fits() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in [*SMALL_PROBLEMS, *LARGER]:
        problem = get_problem(name)
        for solver in SOLVERS:
            if solver == "gd" and problem.X.shape[0] > 1000:
                continue
            proximal = solver in ("auto", "prox-newton", "fista") and problem.C != np.inf
            for l1_ratio in [0.0, 0.5] if proximal else [0.0]:
                model = LogisticRegression(
                    C=problem.C, solver=solver, l1_ratio=l1_ratio,
                    max_iter=2000 if solver == "gd" else None,
                )
                key = f"{name}/{solver}/{l1_ratio}"
                try:
                    out[key] = _fitted(model.fit(problem.X, problem.y))
                except ValueError as error:
                    out[key] = f"{type(error).__name__}: {error}"
    return out


def _other_fits() -> dict[str, Any]:
    import dask
    import dask.array as da

    out: dict[str, Any] = {}
    cancer = get_problem("breast_cancer")
    X, y = cancer.X, cancer.y
    cv = LogisticRegressionCV(Cs=5, cv=3).fit(X, y)
    out["cv"] = {"C": float(np.ravel(cv.C_)[0]), "coef": _bytes(cv.coef_)}
    streamed = LogisticRegression(C=1.0, learning_rate=0.1)
    rng = np.random.default_rng(0)
    for _ in range(3):
        for rows in np.array_split(rng.permutation(len(y)), 10):
            streamed.partial_fit(X[rows], y[rows], classes=[0, 1])
    out["partial_fit"] = _fitted(streamed)
    small = get_problem("small-dense")
    X_big, y_big = np.vstack([small.X] * 40), np.concatenate([small.y] * 40)
    with dask.config.set(scheduler="synchronous"):
        for C in (1.0, np.inf):
            for solver in ("newton", "lbfgs", "prox-newton"):
                l1_ratio = 0.5 if solver == "prox-newton" and C != np.inf else 0.0
                model = LogisticRegression(C=C, solver=solver, l1_ratio=l1_ratio).fit(
                    da.from_array(X_big, chunks=(1200, -1)), da.from_array(y_big, chunks=1200)
                )
                out[f"dask/{C}/{solver}"] = {"coef": _bytes(model.coef_)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        logitron.save(LogisticRegression(C=np.inf).fit(X, y), path)
        out["model_file"] = json.dumps(json.loads(path.read_text())["model"], sort_keys=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="where to write, or two files to compare")
    parser.add_argument("--compare", action="store_true", help="compare two fingerprints")
    args = parser.parse_args(argv)
    if args.compare:
        first, second = (json.loads(Path(name).read_text()) for name in args.files[:2])
        differ = sorted(key for key in first.keys() | second.keys()
                        if first.get(key) != second.get(key))
        print(f"{len(first)} and {len(second)} entries; {len(differ)} differ")
        for key in differ[:20]:
            print("  ", key)
        raise SystemExit(1 if differ else 0)
    warnings.simplefilter("ignore")
    out = {**_solver_fits(), **_other_fits()}
    Path(args.files[0]).write_text(json.dumps(out, sort_keys=True))
    print(f"{len(out)} entries written to {args.files[0]}")


if __name__ == "__main__":
    main()
