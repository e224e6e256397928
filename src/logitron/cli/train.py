"""``logitron train``: fit a model on a CSV or Parquet file, optionally check
it on held-out rows, and write a model file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .._missing import record_dropped
from . import metrics, options, tables, train_firth
from .errors import DataError, UsageError
from .model_input import CliModel, formula_functions
from .progress import progress_display, show_progress
from .train_data import (
    add_missing_argument,
    apply_missing_rule,
    categorical_columns,
    class_weight_option,
    feature_columns,
    features_formula,
    final_cost,
    final_progress_line,
    resolve_class_weight,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="fit a model on a CSV or Parquet file and write a model file",
        description=(
            "Fit a logistic regression to DATA (CSV, or Parquet for .parquet/.pq) "
            "and write it to a model file (JSON, see logitron.io). Choose the "
            "label column with --target and the features with --features (all "
            "other columns by default), or give a --formula. With --test-size a "
            "share of the rows is held out, the model is fitted on the rest and "
            "scored on it. The objective is C * sum_i s_i * logloss_i + "
            "0.5 * ||coef||^2 (intercept unpenalised; --C inf: no penalty)."
        ),
        epilog=(
            "examples:\n"
            "  logitron train data.csv --target y -o model.json\n"
            "  logitron train data.csv --target y --features age,income --standardize "
            "--test-size 0.25 -o model.json\n"
            "  logitron train data.csv --formula 'y ~ age + C(city)' --C inf -o model.json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_data_argument(parser, "training data: .csv, .parquet or .pq")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="MODEL",
        help="where to write the model file (replaced atomically)",
    )
    what = parser.add_argument_group("what to fit")
    what.add_argument("--target", metavar="COLUMN", help="column with the class labels")
    what.add_argument(
        "--features", type=options.names, action="append", metavar="A,B,...",
        help="feature columns, comma-separated (default: every column but the "
        "target and weights); may be repeated; text columns are encoded as "
        "categories, as C(column) in a formula",
    )
    what.add_argument(
        "--formula", metavar="FORMULA",
        help="a model formula such as 'y ~ x1 + np.log(x2) + C(group)' (needs "
        "formulaic); replaces --target and --features",
    )
    what.add_argument(
        "--sample-weight", metavar="COLUMN", help="column of non-negative row weights",
    )
    add_missing_argument(what)
    what.add_argument(
        "--standardize", action="store_true",
        help="centre and scale each feature before fitting (stored in the model file; "
        "with --formula write scale(x) in the formula instead)",
    )
    _add_estimator_options(parser)
    check = parser.add_argument_group("held-out evaluation and display")
    check.add_argument(
        "--test-size", type=options.fraction, metavar="FRACTION",
        help="hold out this share of the rows (stratified) and report metrics on them",
    )
    check.add_argument(
        "--seed", type=int, default=0, help="seed of the train/test split (default: 0)",
    )
    check.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="show iteration and cost on stderr while fitting (default: when "
        "stderr is a terminal)",
    )
    parser.set_defaults(run=run)


def _add_estimator_options(parser: Any) -> None:
    """The estimator's parameters, one option each."""
    from ..solvers import SOLVERS

    model = parser.add_argument_group("estimator options (see logitron.LogisticRegression)")
    model.add_argument(
        "--C", type=options.penalty_c, metavar="C",
        help="inverse penalty strength, > 0; 'inf' for an unpenalised fit "
        "(needed by 'logitron summary' for standard errors) (default: 1.0)",
    )
    model.add_argument(
        "--l1-ratio", type=options.unit_interval, metavar="R",
        help="share of L1 in the penalty, in [0, 1] (default: 0, pure L2); "
        "values > 0 need a solver that handles L1",
    )
    model.add_argument(
        "--solver", choices=["auto", *SOLVERS],
        help="gd: the classic gradient-descent recipe; newton: Newton's method; "
        "auto picks one (default: auto)",
    )
    model.add_argument(
        "--tol", type=options.non_negative, metavar="TOL",
        help="stopping tolerance in the solver's own rule (default: the solver's)",
    )
    model.add_argument(
        "--max-iter", type=options.count, metavar="N",
        help="iteration limit (default: the solver's)",
    )
    model.add_argument(
        "--learning-rate", type=options.positive, metavar="RATE",
        help="step size of the gd solver (default: 0.1)",
    )
    model.add_argument(
        "--class-weight", type=class_weight_option, metavar="balanced|LABEL=W,...",
        help="'balanced', or weights per class such as 'yes=3,no=1'",
    )
    model.add_argument(
        "--no-intercept", action="store_true",
        help="fit without an intercept (with --formula write '- 1' instead)",
    )
    model.add_argument(
        "--random-state", type=int, metavar="SEED",
        help=(
            "start from small random weights with this seed (default: zeros "
            "for gd, the intercept-only optimum for the other solvers)"
        ),
    )
    train_firth.add_arguments(model)


def run(args: argparse.Namespace) -> int:
    _check_usage(args)
    data_path: Path = args.data
    frame = tables.read_table(data_path)
    if args.formula is not None:
        _formula_variables(args.formula)  # a formula that does not parse: a usage error
    target = _formula_target(args.formula) if args.formula is not None else args.target
    frame, n_dropped = apply_missing_rule(args, data_path, frame, target)
    split = _split(frame, data_path, target, args.test_size, args.seed)
    train_frame = frame.loc[split[0]] if split else frame
    test_frame = frame.loc[split[1]] if split else None
    weight = _weights(data_path, train_frame, args.sample_weight)

    with progress_display(args.progress) as progress:
        if args.formula is not None:
            model, features = _fit_formula(args, args.formula, train_frame, weight)
        else:
            model, features = _fit_columns(args, data_path, train_frame, target, weight)
        trained = CliModel(args.output, model)
        estimator = trained.estimator
        if progress is not None and not args.firth:  # Firth's fit reports no iterations
            progress.write(final_progress_line(estimator))

    record = getattr(estimator, "inference_", None)
    n_dropped += 0 if record is None else record.n_dropped  # rows logit() dropped
    record_dropped(estimator, n_dropped)
    # Progress was a display of this run, not a setting of the model.
    if not args.firth:
        estimator.set_params(verbose=0)
    print(f"fitted {len(train_frame)} rows, {len(features)} features, classes "
          f"{', '.join(map(str, trained.classes))}: {_fit_line(args, estimator)}")
    training: dict[str, Any] = {
        "data_file": str(data_path),
        "data_sha256": _sha256(data_path),
        "n_rows": len(frame),
        "n_train": len(train_frame),
        "target": target,
        "features": features,
        "formula": getattr(estimator, "formula_", None),
        "standardize": bool(args.standardize),
        "sample_weight": args.sample_weight,
        "missing": args.missing,
        "n_dropped_missing": n_dropped,
    }
    evaluations = {}
    if target in frame.columns:
        evaluations["train"] = _score(trained, data_path, train_frame, target)
        if test_frame is not None:
            evaluations["test"] = _score(trained, data_path, test_frame, target)
    else:
        print(f"(the response {target!r} is an expression, not a column: no scores)")
    if test_frame is not None:
        training.update(n_test=len(test_frame), test_size=args.test_size, split_seed=args.seed)
    headings = {"train": "on the training rows", "test": "on the held-out test rows"}
    for name, result in evaluations.items():
        print(f"\n{headings[name]}:\n{result.as_text(full=name == 'test')}")
        training[f"{name}_metrics"] = {
            "accuracy": result.accuracy, "log_loss": result.log_loss, "roc_auc": result.roc_auc,
        }
    from ..io import save

    save(model, args.output, training=training)
    print(f"\nmodel written to {args.output}")
    return 0


def _fit_line(args: argparse.Namespace, estimator: Any) -> str:
    if args.firth:
        return train_firth.fit_line(estimator)
    iterations = int(np.asarray(estimator.n_iter_).max())
    return (f"solver {estimator.solver_}, {iterations} iterations, "
            f"final cost {final_cost(estimator)}")


def _check_usage(args: argparse.Namespace) -> None:
    train_firth.check_usage(args)
    if args.formula is not None:
        for given, flag in [
            (args.target, "--target"), (args.features, "--features"),
            (args.standardize, "--standardize"), (args.no_intercept, "--no-intercept"),
        ]:
            if given:
                hint = {
                    "--standardize": "write scale(x) in the formula",
                    "--no-intercept": "write '- 1' in the formula",
                }.get(flag, "the formula names the columns")
                raise UsageError(f"{flag} cannot be combined with --formula; {hint}")
        if "~" not in args.formula:
            raise UsageError("--formula needs a response: write it as 'y ~ x1 + x2'")
    elif args.target is None:
        raise UsageError("give --target COLUMN (with optional --features) or --formula")
    if args.output.exists() and args.output.is_dir():
        raise UsageError(f"--output {args.output} is a folder; give a file name")
    if args.output.resolve() == args.data.resolve():
        raise UsageError("--output would overwrite the training data; choose another name")
    if not args.output.parent.exists():
        raise UsageError(f"--output: the folder {args.output.parent} does not exist")


def _formula_target(formula: str) -> str:
    return formula.split("~", 1)[0].strip()


def _split(
    frame: Any, path: Path, target: str, test_size: float | None, seed: int
) -> tuple[Any, Any] | None:
    if test_size is None:
        return None
    from sklearn.model_selection import train_test_split

    stratify = None
    if target in frame.columns:
        tables.require_complete(path, frame, target)
        stratify = frame[target].to_numpy()
        counts = frame[target].value_counts()
        if counts.min() < 2:
            raise DataError(
                f"{path}: label {counts.idxmin()!r} occurs once; a stratified held-out "
                "split needs at least 2 rows of every class"
            )
    try:
        train_rows, test_rows = train_test_split(
            frame.index.to_numpy(), test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as error:
        raise DataError(f"{path}: cannot hold out {test_size:g} of the rows: {error}") from None
    return np.sort(train_rows), np.sort(test_rows)


def _weights(path: Path, frame: Any, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    values = tables.numeric_matrix(path, frame, [column]).to_numpy()[:, 0]
    if np.any(values < 0):
        raise DataError(f"{path}: weight column {column!r} has negative values")
    return values


def _estimator_params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "C": 1.0 if args.C is None else args.C,
        "l1_ratio": args.l1_ratio or 0.0,
        "solver": args.solver or "auto",
        "tol": args.tol,
        "max_iter": args.max_iter,
        "learning_rate": args.learning_rate or 0.1,
        "class_weight": args.class_weight,
        "random_state": args.random_state,
        "verbose": 1 if show_progress(args.progress) else 0,
    }


def _fit_columns(
    args: argparse.Namespace, path: Path, frame: Any, target: str, weight: Any
) -> tuple[Any, list[str]]:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..estimator import LogisticRegression

    tables.require_columns(path, frame, [target], "target")
    features = feature_columns(args, path, frame, target)
    tables.require_columns(path, frame, features, "feature")
    categorical = categorical_columns(frame, features)
    if categorical:
        formula = features_formula(
            target, features, categorical,
            standardize=args.standardize, intercept=not args.no_intercept,
        )
        print(f"encoding {', '.join(map(repr, categorical))} as categories: {formula}")
        return _fit_formula(args, formula, frame, weight)
    X = tables.numeric_matrix(path, frame, features)
    tables.require_complete(path, frame, target)
    # A Series, not its values: the summary names the response after it.
    y = frame[target]
    if args.firth:
        estimator: Any = train_firth.estimator(args, fit_intercept=not args.no_intercept)
    else:
        estimator = LogisticRegression(fit_intercept=not args.no_intercept,
                                       **_estimator_params(args))
        estimator.set_params(class_weight=resolve_class_weight(args.class_weight, y.to_numpy()))
    if args.standardize:
        scaler = StandardScaler().set_output(transform="pandas")
        model: Any = Pipeline([("standardize", scaler), ("logistic", estimator)])
        model.fit(X, y, logistic__sample_weight=weight)
    else:
        model = estimator.fit(X, y, sample_weight=weight)
    return model, features


def _fit_formula(
    args: argparse.Namespace, formula: str, frame: Any, weight: Any
) -> tuple[Any, list[str]]:
    if args.firth:
        model = train_firth.fit_formula(args, formula, frame, weight)
        return model, [str(name) for name in model.feature_names_in_]
    logit = formula_functions()[0]
    params = _estimator_params(args)
    target = _formula_target(formula).strip("`")
    # Under --missing error, name the column and line of the first gap.
    for name in sorted(_formula_variables(formula)):
        if name in frame.columns:
            tables.require_complete(args.data, frame, name)
    if target in frame.columns:
        params["class_weight"] = resolve_class_weight(
            args.class_weight, frame[target].to_numpy()
        )
    try:
        model = logit(formula, frame.reset_index(drop=True), sample_weight=weight,
                      missing=args.missing, **params)
    except Exception as error:
        if isinstance(error, (ValueError, TypeError, KeyError, NameError)) or (
            type(error).__module__.startswith("formulaic")
        ):
            raise DataError(f"{args.data}: cannot fit {formula!r}: "
                            f"{tables.one_line(error)}") from None
        raise
    return model, [str(name) for name in model.feature_names_in_]


def _formula_variables(formula: str) -> set[str]:
    from formulaic import Formula

    try:
        return {str(name) for name in Formula(formula).required_variables}
    except Exception as error:  # formulaic's parse errors share no base class
        raise UsageError(
            f"--formula {formula!r} does not parse: {tables.one_line(error)}"
        ) from None


def _score(model: CliModel, path: Path, frame: Any, target: str) -> metrics.Evaluation:
    features = model.features(path, frame, target)
    y = model.labels(path, frame, target)
    return metrics.evaluate(
        y, model.model.predict(features), model.predict_proba(features), model.classes
    )


def _sha256(path: Path) -> str:
    from ..io import sha256_file

    return sha256_file(path)
