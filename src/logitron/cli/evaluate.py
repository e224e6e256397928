"""``logitron evaluate``: how well a model file predicts labelled data."""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import metrics, options, tables
from .errors import UsageError
from .model_input import CliModel


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model file on labelled data",
        description=(
            "Score a model file on DATA (CSV or Parquet) that holds the true labels: "
            "accuracy, log-loss, ROC AUC (one-vs-rest for more than two classes), "
            "the confusion matrix and scikit-learn's classification report "
            "(precision, recall, F1 per class)."
        ),
    )
    options.add_model_argument(parser)
    options.add_data_argument(parser, "labelled rows: .csv, .parquet or .pq")
    parser.add_argument(
        "--target", metavar="COLUMN",
        help="column with the true labels (default: the one the model was trained on)",
    )
    parser.add_argument(
        "--format", choices=["text", "json"], default="text",
        help="text report, or one JSON object (default: text)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = CliModel.load(args.model)
    target = args.target or model.default_target()
    if target is None:
        raise UsageError("the model file does not name its label column; give --target")
    frame = tables.read_table(args.data)
    labels = model.labels(args.data, frame, target)
    features = model.features(args.data, frame, target)
    result = metrics.evaluate(
        labels, model.model.predict(features), model.predict_proba(features), model.classes
    )
    if args.format == "json":
        print(json.dumps({"data": str(args.data), "target": target, **result.as_dict()}))
    else:
        print(f"model {args.model} on {args.data} (target {target!r})\n")
        print(result.as_text())
    return 0
