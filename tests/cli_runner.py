"""Run the command line the way a user does: in a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def run_cli(
    *args: object, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m logitron ARGS...`` on this checkout's sources; output as text."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SRC), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-m", "logitron", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd, input=stdin,
        timeout=300, check=False,
    )


def assert_fails(
    result: subprocess.CompletedProcess[str], code: int, *words: str
) -> None:
    """A failure as the CLI promises it: exit ``code``, nothing on stdout, one
    line on stderr that contains each of ``words``, no traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
