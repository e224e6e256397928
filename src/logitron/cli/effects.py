"""``logitron effects``: marginal effects of a model file's features, with
delta-method standard errors, z, p-values and intervals."""

from __future__ import annotations

import argparse
from typing import Any

from . import options
from .errors import UsageError
from .model_input import CliModel
from .statistics_input import add_covariance_arguments, cov_choice, load_statistics


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "effects",
        help="marginal effects of each feature, from the training data",
        description=(
            "Marginal effects of an unpenalised model (train with --C inf) on the "
            "probability of each class, evaluated on DATA (the training rows): the "
            "average over rows (--at overall), or at the means, medians or zeros, "
            "as statsmodels' get_margeff and Stata's margins, dydx(*). Standard "
            "errors by the delta method, under the covariance chosen."
        ),
    )
    options.add_model_argument(parser)
    options.add_data_argument(parser, "the training rows: .csv, .parquet or .pq")
    parser.add_argument(
        "--at", choices=["overall", "mean", "median", "zero"], default="overall",
        help="where the effects are evaluated (default: overall, the average effect)",
    )
    parser.add_argument(
        "--method", choices=["dydx", "eyex", "dyex", "eydx"], default="dydx",
        help="dydx: change in probability per unit; ey*: relative change; *ex: per "
        "relative change of the feature (default: dydx)",
    )
    parser.add_argument(
        "--discrete", action="store_true",
        help="discrete changes for 0/1 and count features instead of slopes",
    )
    parser.add_argument(
        "--by-variable", action="store_true",
        help="formula models: the average effect of each data column through every "
        "term it enters (np.log(x), x:z), levels of a categorical column against "
        "its first (R's avg_slopes / avg_comparisons); --at and --discrete do not apply",
    )
    parser.add_argument(
        "--alpha", type=options.fraction, default=0.05,
        help="confidence intervals at level 1 - alpha (default: 0.05)",
    )
    add_covariance_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = CliModel.load(args.model)
    statistics = load_statistics(
        model, args.data, args.target, cov_choice(args), args.cluster
    )
    if args.by_variable:
        if args.at != "overall" or args.discrete:
            raise UsageError("--by-variable gives average effects: drop --at and --discrete")
        effects = statistics.average_slopes(method=args.method, alpha=args.alpha)
    else:
        effects = statistics.marginal_effects(
            at=args.at, method=args.method, dummy=args.discrete, count=args.discrete,
            alpha=args.alpha,
        )
    print(
        f"marginal effects ({args.method}, at {args.at}) of {args.model} on "
        f"{args.data}; covariance {statistics.cov_type}\n"
    )
    print(effects.summary_frame().to_string(float_format=lambda v: f"{v:.6g}"))
    return 0
