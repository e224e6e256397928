"""``logitron predict``: labels and class probabilities for every row of a
data file, streamed chunk by chunk, as CSV."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import intervals, options, tables
from .errors import UsageError
from .model_input import CliModel


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="predict labels and class probabilities for a data file",
        description=(
            "Apply a model file to DATA (CSV, or Parquet for .parquet/.pq) and write "
            "CSV with one row per input row: the predicted label ('predicted') and "
            "the probability of each class ('proba_<label>'), columns named by "
            "--keep first. The file is read and written in chunks, so inputs larger "
            "than memory work. Without --output the CSV goes to stdout."
        ),
    )
    options.add_model_argument(parser)
    options.add_data_argument(parser, "rows to predict: .csv, .parquet or .pq")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="CSV",
        help="write here (atomically: complete or not at all) instead of stdout",
    )
    parser.add_argument(
        "--keep", type=options.names, metavar="A,B,...",
        help="input columns to copy into the output first (e.g. an id column)",
    )
    parser.add_argument(
        "--chunk-size", type=options.count, default=100_000, metavar="ROWS",
        help="rows read and predicted at a time (default: 100000)",
    )
    parser.add_argument(
        "--interval", type=options.fraction, nargs="?", const=0.05, metavar="ALPHA",
        help="binary unpenalised models: add the standard error and the 1 - ALPHA "
        "confidence interval of the probability (default ALPHA: 0.05)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.output is not None and args.output.resolve() in (
        args.data.resolve(), args.model.resolve()
    ):
        raise UsageError("--output would overwrite an input file; choose another name")
    if args.output is not None and args.output.is_dir():
        raise UsageError(f"--output {args.output} is a folder; give a file name")
    if args.output is not None and not args.output.parent.exists():
        raise UsageError(f"--output: the folder {args.output.parent} does not exist")
    model = CliModel.load(args.model)
    if args.interval is not None:
        intervals.check_interval_model(model)
    chunks = tables.iter_table(args.data, args.chunk_size)
    with _destination(args.output) as stream:
        for number, frame in enumerate(chunks):
            predictions = predict_frame(
                model, args.data, frame, args.keep or [], args.interval
            )
            predictions.to_csv(stream, index=False, header=number == 0, lineterminator="\n")
    return 0


def predict_frame(
    model: CliModel, path: Path, frame: Any, keep: list[str],
    interval: float | None = None,
) -> Any:
    """The output rows for one chunk: kept columns, label, probabilities."""
    pd = tables.pandas()
    tables.require_columns(path, frame, keep, "--keep")
    features = model.features(path, frame, model.default_target())
    proba = model.predict_proba(features)
    labels = model.model.predict(features)
    columns: dict[str, Any] = {name: frame[name].to_numpy() for name in keep}
    columns["predicted"] = np.asarray(labels)
    for index, label in enumerate(model.classes):
        columns[f"proba_{label}"] = proba[:, index]
    if interval is not None:
        columns.update(intervals.interval_columns(model, features, interval))
    return pd.DataFrame(columns)


@contextlib.contextmanager
def _destination(output: Path | None) -> Iterator[IO[str]]:
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    from ..io import atomic_write

    with atomic_write(output) as stream:
        yield stream
