"""The code blocks of docs/statistics.md run, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

PAGE = Path(__file__).resolve().parents[2] / "docs" / "statistics.md"


def test_statistics_page_runs(capsys) -> None:
    matplotlib.use("Agg")
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 7
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
    assert "odds ratio" in capsys.readouterr().out
