"""``logitron plot training MODEL DATA -o FILE``: watch the model learn.

The model file says how the model was fitted (its parameters and
preprocessing); this refits a copy of it on the labelled DATA, recording the
solver's iterates (``logitron.trace.record_fit``), and draws them: an
animation for ``.gif`` / ``.html``, small multiples for ``.png`` / ``.svg``.
The model file is not changed.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..solvers import SOLVERS
from . import options, tables
from .errors import CliError, DataError, UsageError
from .model_input import CliModel

FIGURE_SUFFIXES = (".png", ".svg")
ANIMATION_SUFFIXES = (".gif", ".html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options only ``plot training`` reads."""
    group = parser.add_argument_group("training (watch the fit)")
    group.add_argument(
        "--frames", type=options.count, metavar="N",
        help="training: at most N frames of an animation (default: 40), or N "
        "panels of a .png/.svg figure (default: 4)",
    )
    group.add_argument(
        "--solver", metavar="NAME",
        help="training: refit with this solver instead of the model's "
        f"({', '.join(SOLVERS)})",
    )
    group.add_argument(
        "--learning-rate", type=options.positive, metavar="RATE",
        help="training: gradient descent's learning rate for the refit",
    )


def check_output(args: argparse.Namespace) -> None:
    suffix = args.output.suffix.lower()
    if suffix not in FIGURE_SUFFIXES + ANIMATION_SUFFIXES:
        raise UsageError(
            "--output of 'plot training' must end in .gif or .html (an animation) "
            f"or .png or .svg (a figure), not {suffix or 'nothing'!r}"
        )
    if not args.output.parent.exists():
        raise UsageError(f"--output: the folder {args.output.parent} does not exist")
    if args.data is None:
        raise UsageError("'plot training' needs the labelled DATA to refit on")


def run(args: argparse.Namespace) -> int:
    """Refit the model file's model on DATA and draw its path."""
    from sklearn.base import clone

    from .. import plots
    from ..trace import record_fit

    check_output(args)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError("plots need matplotlib: pip install 'logitron[plot]'") from None
    model = CliModel.load(args.model)
    if model.formula is not None:
        raise UsageError("'plot training' draws models of two plain columns; this "
                         "model reads a formula")
    target = args.target or model.default_target()
    if target is None:
        raise UsageError("the model file does not name its label column; give --target")
    frame = tables.read_table(args.data)
    labels = model.labels(args.data, frame, target)
    features = model.features(args.data, frame, target)
    if features.shape[1] != 2:
        raise DataError(
            f"{args.data}: the model reads {features.shape[1]} features; the training "
            "figures draw a boundary over exactly two"
        )
    refit = clone(model.model)
    _override(refit, args)
    trace = record_fit(refit, features, labels)
    suffix = args.output.suffix.lower()
    if suffix in ANIMATION_SUFFIXES:
        max_frames = args.frames or 40
        animation = plots.training_animation(trace, features, labels,
                                             max_frames=max_frames)
        plots.save_animation(animation, args.output)
        frames = min(trace.n_iter, max_frames)
        print(f"training animation ({frames} frames) written to {args.output}")
    else:
        figure = plots.training_figure(trace, features, labels, panels=args.frames or 4)
        plots.save_figure(figure, args.output)
        print(f"training plot written to {args.output}")
    return 0


def _override(model: Any, args: argparse.Namespace) -> None:
    """Apply --solver and --learning-rate to the estimator step."""
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    if args.solver is not None:
        if args.solver not in SOLVERS:
            raise UsageError(f"--solver: choose one of {', '.join(SOLVERS)}, "
                             f"not {args.solver!r}")
        estimator.set_params(solver=args.solver)
    if args.learning_rate is not None:
        estimator.set_params(learning_rate=args.learning_rate)
