"""The statistics object of a model file, built from its training data file:
the part of ``summary`` and ``effects`` that needs the rows again (HC2, HC3
and clustered standard errors, marginal effects)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import options, tables, train_firth
from .errors import UsageError
from .model_input import CliModel

COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
#: The covariances a model file's own record gives, without the data.
RECORD_COV_TYPES = ("nonrobust", "HC0", "HC1")


def add_covariance_arguments(parser: argparse.ArgumentParser) -> None:
    """``--cov-type``, ``--cluster`` and ``--target`` (and the data where the
    subcommand takes it as an option)."""
    parser.add_argument(
        "--cov-type", choices=COV_TYPES, default="nonrobust",
        help="nonrobust: inverse Fisher information; HC0..HC3: sandwich covariances "
        "(R's sandwich::vcovHC); cluster: cluster-robust by --cluster (R's vcovCL, "
        "Stata's vce(cluster)). HC2, HC3 and cluster need the training data "
        "(default: nonrobust)",
    )
    parser.add_argument(
        "--cluster", type=options.names, metavar="COLUMN[,COLUMN]",
        help="cluster column of the training data (two for two-way clustering); "
        "implies --cov-type cluster",
    )
    parser.add_argument(
        "--target", metavar="COLUMN",
        help="label column of the training data (default: the one the model was "
        "trained on)",
    )


def cov_choice(args: argparse.Namespace) -> str:
    """``--cov-type``, made ``cluster`` by ``--cluster``; refuses a mismatch."""
    if args.cluster and args.cov_type not in ("nonrobust", "cluster"):
        raise UsageError(f"--cluster gives clustered errors; drop --cov-type {args.cov_type}")
    if args.cov_type == "cluster" and not args.cluster:
        raise UsageError("--cov-type cluster needs --cluster COLUMN")
    if args.cluster and len(args.cluster) > 2:
        raise UsageError("--cluster takes one column, or two for two-way clustering")
    return "cluster" if args.cluster else str(args.cov_type)


def load_statistics(
    model: CliModel, data: Path, target: str | None, cov_type: str,
    cluster: list[str] | None,
) -> Any:
    """``estimator.statistics(...)`` on the rows of ``data`` (the training file)."""
    estimator = model.estimator
    train_firth.refuse_firth_model(estimator, "a statistics object from the data")
    if getattr(estimator, "inference_", None) is None:
        raise UsageError(
            "statistics need an unpenalised model fitted in memory (train with --C inf)"
        )
    frame = tables.read_table(data)
    if cluster:
        tables.require_columns(data, frame, cluster, "--cluster")
        for name in cluster:
            tables.require_complete(data, frame, name)
    if model.formula is not None:
        groups = cluster or None
        return estimator.statistics(frame, cov_type=cov_type, groups=groups)
    target = target or model.default_target()
    if target is None:
        raise UsageError("the model file does not name its label column; give --target")
    labels = model.labels(data, frame, target)
    features = model.features(data, frame, target)
    if hasattr(model.model, "steps"):
        # The estimator saw the standardized features.
        features = model.model[:-1].transform(features)
    groups = None
    if cluster:
        values = frame[cluster].to_numpy()
        groups = values[:, 0] if len(cluster) == 1 else values
    return estimator.statistics(features, labels, cov_type=cov_type, groups=groups)


def check_summary_options(args: argparse.Namespace) -> None:
    """Refuse inconsistent covariance options before anything is printed."""
    cov_type = cov_choice(args)
    if args.data is None and cov_type not in RECORD_COV_TYPES:
        raise UsageError(f"--cov-type {cov_type} needs the training rows: give --data")


def summary(model: CliModel, args: argparse.Namespace) -> Any:
    """``logitron summary``'s table: from the record, or from the data when
    the covariance needs them (or ``--data`` is given)."""
    check_summary_options(args)
    cov_type = cov_choice(args)
    if args.data is None:
        return model.estimator.summary(
            alpha=args.alpha, cov_type=cov_type, odds_ratios=args.odds_ratios
        )
    statistics = load_statistics(model, args.data, args.target, cov_type, args.cluster)
    return statistics.summary(alpha=args.alpha, odds_ratios=args.odds_ratios)
