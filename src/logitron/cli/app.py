"""``logitron``: the parser that dispatches to one module per subcommand, and
the single place where errors become a one-line message and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from .. import __version__
from . import demo, effects, evaluate, plot, predict, summary, train
from .errors import EXIT_DATA, EXIT_USAGE, CliError
from .tables import one_line

SUBCOMMANDS = (train, predict, evaluate, summary, effects, plot, demo)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with usage errors reported on one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> ArgumentParser:
    """The full command line: ``logitron [--version] SUBCOMMAND ...``."""
    parser = ArgumentParser(
        prog="logitron",
        description=(
            "Logistic regression as a one-neuron network: train, evaluate, explain "
            "and apply models from the command line."
        ),
        epilog="Run 'logitron SUBCOMMAND --help' for the options of each subcommand.",
    )
    parser.add_argument("--version", action="version", version=f"logitron {__version__}")
    subparsers = parser.add_subparsers(
        title="subcommands", dest="command", metavar="SUBCOMMAND",
        parser_class=ArgumentParser,
    )
    subparsers.required = True
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``logitron`` with ``argv`` (default ``sys.argv[1:]``); return the
    exit code: 0 on success, 1 for bad data or files, 2 for bad usage."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _warnings_on_one_line(f"{parser.prog} {args.command}"):
            return int(args.run(args) or 0)
    except CliError as error:
        return _fail(parser, args, str(error), error.exit_code)
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_DATA
    except (OSError, ValueError, TypeError, ArithmeticError) as error:
        # File-system failures, the estimator's input checks and a diverging
        # fit already say what is wrong in one sentence; a traceback would
        # only bury it.
        return _fail(parser, args, _one_line(error), EXIT_DATA)
    except KeyboardInterrupt:
        return _fail(parser, args, "interrupted", 130)
    except Exception as error:
        # The promise is one line and an exit code, whatever failed.
        return _fail(
            parser, args, f"unexpected {type(error).__name__}: {_one_line(error)}", EXIT_DATA
        )


@contextlib.contextmanager
def _warnings_on_one_line(prog: str) -> Iterator[None]:
    """Show warnings (a fit that did not converge, separable classes) as one
    line on stderr each, like errors, instead of Python's two-line format."""

    def show(message: Any, category: Any, filename: str, lineno: int,
             file: Any = None, line: Any = None) -> None:
        print(f"{prog}: warning: {_one_line(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _fail(parser: ArgumentParser, args: argparse.Namespace, message: str, code: int) -> int:
    print(f"{parser.prog} {args.command}: error: {message}", file=sys.stderr)
    return code


def _one_line(error: BaseException | str) -> str:
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        return f"{error.filename}: {error.strerror}"
    return one_line(error)
