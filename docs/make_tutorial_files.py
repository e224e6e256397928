"""Make the files that go with docs/tutorial.md: its notebook and its figures.

::

    python docs/make_tutorial_files.py      # writes docs/tutorial.ipynb,
                                            # docs/training.png, docs/training.gif

The notebook is the page cut into cells: each fenced ``python`` block a code
cell, the text between them a markdown cell (nbformat 4, written with the
standard library: no jupytext or nbconvert needed). The figures show the
page's data (its first code block) fitted by the classic recipe, as the page
shows them; tests/docs/test_tutorial.py regenerates both and compares.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
BLOCK = re.compile(r"```python\n(.*?)```\n?", flags=re.DOTALL)


def notebook(markdown: str) -> dict[str, Any]:
    """The page as an nbformat-4 notebook (a JSON-ready dict)."""
    cells: list[dict[str, Any]] = []
    position = 0
    for match in BLOCK.finditer(markdown):
        cells.append(_cell("markdown", markdown[position : match.start()]))
        cells.append(_cell("code", match.group(1)))
        position = match.end()
    cells.append(_cell("markdown", markdown[position:]))
    return {
        "cells": [cell for cell in cells if cell["source"]],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }


def _cell(kind: str, text: str) -> dict[str, Any]:
    lines = text.strip("\n").splitlines(keepends=True)
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": lines}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def write_figures(folder: Path) -> list[Path]:
    """``training.png`` (4 panels) and ``training.gif`` (16 frames): the
    page's ten students fitted by ``gd`` with learning rate 0.1."""
    from logitron import LogisticRegression, plots
    from logitron.trace import record_fit

    data: dict[str, Any] = {}
    first_block = BLOCK.search((DOCS / "tutorial.md").read_text(encoding="utf-8"))
    assert first_block is not None
    exec(first_block.group(1), data)
    X, y = data["X"], data["y"]
    trace = record_fit(LogisticRegression(solver="gd", learning_rate=0.1), X, y)
    png = plots.save_figure(plots.training_figure(trace, X, y, panels=4),
                            folder / "training.png", dpi=70)
    animation = plots.training_animation(trace, X, y, max_frames=16, dpi=50)
    gif = plots.save_animation(animation, folder / "training.gif", fps=4)
    return [png, gif]


def main() -> int:
    page = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    target = DOCS / "tutorial.ipynb"
    target.write_text(json.dumps(notebook(page), indent=1, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    for path in [target, *write_figures(DOCS)]:
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
