"""The two ways a command can fail, and the exit code each one gets.

A failing command prints one line on stderr and exits non-zero, never with a
traceback: 2 when the command line itself is wrong (as argparse does), 1 when
the command line is fine but the data or a file is not.
"""

from __future__ import annotations

EXIT_DATA = 1
EXIT_USAGE = 2


class CliError(Exception):
    """An error the user can fix; ``str(error)`` is the whole message."""

    exit_code = EXIT_DATA


class UsageError(CliError):
    """Options that do not fit together or are out of range (exit 2)."""

    exit_code = EXIT_USAGE


class DataError(CliError):
    """A missing, malformed or unsuitable input file (exit 1)."""

    exit_code = EXIT_DATA
