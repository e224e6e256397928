"""The ``logitron`` command line (also ``python -m logitron``).

Each subcommand lives in its own module with a ``register(subparsers)``
function that declares its options and the function that runs it.
"""

from .app import build_parser, main

__all__ = ["build_parser", "main"]
