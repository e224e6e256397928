"""``logitron plot``: figures of a model file as PNG or SVG."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from . import options, plot_training, tables
from .errors import CliError, DataError, UsageError
from .model_input import CliModel

NEEDS_DATA = {"boundary": True, "roc": True, "calibration": True,
              "curve": False, "coefficients": False,
              "training": True}  # hook (issue 21): see cli/plot_training.py


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw a model's learning curve, decision boundary, ROC, calibration "
        "or coefficients",
        description=(
            "Draw a figure of a model file and write it as PNG or SVG (by the "
            "suffix of --output). Kinds: 'curve' (cost after each iteration), "
            "'coefficients' (with confidence intervals for unpenalised fits), and, "
            "with labelled DATA: 'boundary' (decision boundary over two features, "
            "the others at their median), 'roc' (ROC curve and AUC), "
            "'calibration' (observed frequency against predicted probability), "
            "'training' (the model refitted on DATA, its boundary, cost and "
            "coefficients over the iterations: .gif or .html animation, .png or "
            ".svg small multiples). "
            "Needs matplotlib: pip install 'logitron[plot]'."
        ),
    )
    parser.add_argument(
        "kind", choices=list(NEEDS_DATA), metavar="KIND",
        help=f"which figure: {', '.join(NEEDS_DATA)}",
    )
    options.add_model_argument(parser)
    parser.add_argument(
        "data", type=Path, nargs="?", metavar="DATA",
        help="labelled rows (.csv, .parquet, .pq); needed by boundary, roc, calibration, "
        "training",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE",
        help="image to write: .png or .svg, for training also .gif or .html "
        "(replaced atomically)",
    )
    parser.add_argument(
        "--target", metavar="COLUMN",
        help="column with the true labels (default: the one the model was trained on)",
    )
    parser.add_argument(
        "--features", type=options.names, metavar="A,B",
        help="the two features of a decision boundary (default: the model's two)",
    )
    parser.add_argument(
        "--alpha", type=options.fraction, default=0.05,
        help="coefficient intervals at level 1 - alpha (default: 0.05)",
    )
    parser.add_argument(
        "--bins", type=options.count, default=10, help="calibration bins (default: 10)",
    )
    plot_training.add_arguments(parser)  # hook (issue 21)
    parser.set_defaults(run=run)


class _TableModel:
    """A model file that predicts from raw table rows (its formula or column
    selection applied first), as the plotting functions expect."""

    def __init__(self, model: CliModel, path: Path) -> None:
        self._model = model
        self._path = path
        self.classes_ = model.classes
        self.steps = getattr(model.model, "steps", None)

    def predict_proba(self, frame: Any) -> np.ndarray:
        return self._model.predict_proba(self._model.features(self._path, frame))


def run(args: argparse.Namespace) -> int:
    from .. import plots

    if args.kind == "training":  # hook (issue 21): its own outputs and fit
        return plot_training.run(args)
    suffix = args.output.suffix.lower()
    if suffix not in plots.FORMATS:
        raise UsageError(f"--output must end in .png or .svg, not {suffix or 'nothing'!r}")
    if not args.output.parent.exists():
        raise UsageError(f"--output: the folder {args.output.parent} does not exist")
    if NEEDS_DATA[args.kind] and args.data is None:
        raise UsageError(f"'plot {args.kind}' needs a labelled DATA file")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError("plots need matplotlib: pip install 'logitron[plot]'") from None
    model = CliModel.load(args.model)
    if args.kind == "curve":
        ax = plots.learning_curve(model.model)
    elif args.kind == "coefficients":
        ax = plots.coefficients(model.model, alpha=args.alpha)
    else:
        ax = _data_plot(args, model, plots)
    plots.save_figure(ax.figure, args.output)
    print(f"{args.kind} plot written to {args.output}")
    return 0


def _data_plot(args: argparse.Namespace, model: CliModel, plots: Any) -> Any:
    target = args.target or model.default_target()
    if target is None:
        raise UsageError("the model file does not name its label column; give --target")
    frame = tables.read_table(args.data)
    labels = model.labels(args.data, frame, target)
    table_model = _TableModel(model, args.data)
    if args.kind == "roc":
        return plots.roc_curve(table_model, frame, labels)
    if args.kind == "calibration":
        return plots.calibration_curve(table_model, frame, labels, n_bins=args.bins)
    inputs = model.input_columns()
    features = args.features or inputs
    if features is None or len(features) != 2:
        raise UsageError(
            "choose the two axes of the decision boundary with --features A,B"
            + (f" (the model reads {', '.join(inputs)})" if inputs else "")
        )
    columns = inputs or [str(c) for c in frame.columns if c != target]
    tables.require_columns(args.data, frame, features, "--features")
    unknown = [name for name in features if name not in columns]
    if unknown:
        raise UsageError(f"--features: the model does not read {', '.join(unknown)}")
    if any(frame[name].dtype.kind not in "biuf" for name in features):
        raise DataError(f"{args.data}: the axes of a decision boundary must be numeric")
    return plots.decision_boundary(table_model, frame[columns], labels, features=features)
