"""argparse value types shared by the subcommands: each rejects a bad value
with a message argparse prints as a usage error (exit 2)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def fraction(text: str) -> float:
    """A number strictly between 0 and 1."""
    value = number(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text}")
    return value


def unit_interval(text: str) -> float:
    """A number in [0, 1]."""
    value = number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
    return value


def positive(text: str) -> float:
    """A positive finite number."""
    value = number(text)
    if not (value > 0.0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def penalty_c(text: str) -> float:
    """C: a positive number, or inf (also 'none') for no penalty."""
    if text.strip().lower() in ("inf", "none"):
        return math.inf
    value = number(text)
    if not value > 0.0:
        raise argparse.ArgumentTypeError(f"must be a positive number or inf, got {text}")
    return value


def non_negative(text: str) -> float:
    value = number(text)
    if not (value >= 0.0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def count(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def names(text: str) -> list[str]:
    """Comma-separated column names."""
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(f"empty column name in {text!r}")
    return parts


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model", type=Path, metavar="MODEL", help="model file written by 'logitron train'"
    )


def add_data_argument(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("data", type=Path, metavar="DATA", help=help)
