"""The README's promises: its Python example runs as printed, and its two
set-up commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_usage_example_runs_and_predicts_what_it_says() -> None:
    # The usage example is the first Python block that predicts; every
    # block, of the README and of docs/, also runs in tests/docs/test_docs.py.
    example = next(block for block in fenced_blocks("python") if "predict(" in block)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    model = namespace["model"]
    assert "# -> [0 1]" in example
    np.testing.assert_array_equal(
        model.predict([[1.0, 7.0], [4.0, 7.0]]), [0, 1]  # type: ignore[attr-defined]
    )


def test_quick_start_commands_set_themselves_up() -> None:
    commands = [line for block in fenced_blocks("sh") for line in block.splitlines()]
    demo = [c for c in commands if c.endswith("logitron demo")]
    tests = [c for c in commands if c.endswith("-m pytest")]
    assert len(demo) == 1
    assert len(tests) == 1
    for command in (*demo, *tests):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -q ")
    # CI finds the test command in the README by this pattern and runs it.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "^python3 -m venv \\.venv && .*-m pytest" in ci
    assert re.match(r"^python3 -m venv \.venv && .*-m pytest", tests[0])
    # On the first screen: before the usage section.
    assert README.index(tests[0]) < README.index("## Use it")


def test_statistics_example_runs_and_its_summary_names_the_terms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = next(block for block in fenced_blocks("python") if "summary()" in block)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    for term in ("Intercept", "mean radius", "np.log(`mean texture`)", "P>|z|"):
        assert term in printed
