"""The documentation's promises: every Python block of README.md and of each
page in docs/ runs as printed, and every link between the pages leads to a
file that exists.

A page's Python blocks run in order in one namespace, in a fresh working
directory, as a reader would paste them one after another. A block that
cannot run here (a remote cluster, a cloud bucket) says so in the page, in
a comment on the line just above its fence::

    <!-- no-run: needs a Dask cluster and an s3 bucket -->
    ```python
    ...
    ```

Pages with runners of their own (see ``OWN_RUNNERS``) are left to them.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN_RUNNERS = frozenset({"tutorial.md", "statistics.md", "sklearn.md"})
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
NO_RUN = re.compile(r"^<!--\s*no-run:(?P<reason>.*?)-->\s*$")
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, its code, the page line its code
    starts on (1-based), and the reason it is not run (None: it is run)."""

    language: str
    code: str
    line: int
    no_run: str | None


def fenced_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order.

    A block ends at a fence of the same character at least as long as the
    one that opened it (CommonMark), so a page may show a fence inside a
    longer one. A block never closed runs to the end of the text.
    """
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        words = opening["info"].split()
        above = _line_above(lines, index)
        marker = NO_RUN.match(above)
        start = index + 1
        end = start
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        blocks.append(Block(
            language=words[0].lower() if words else "",
            code="\n".join(lines[start:end]) + "\n",
            line=start + 1,
            no_run=marker["reason"].strip() if marker else None,
        ))
        index = end + 1
    return blocks


def _line_above(lines: list[str], index: int) -> str:
    """The nearest non-blank line above ``lines[index]``, stripped."""
    for line in reversed(lines[:index]):
        if line.strip():
            return line.strip()
    return ""


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped) >= len(fence)
        and set(stripped) == {fence[0]}
    )


def documentation_pages() -> list[Path]:
    """README.md and every page of docs/ that this test runs."""
    docs = sorted((ROOT / "docs").glob("*.md"))
    return [ROOT / "README.md", *(page for page in docs if page.name not in OWN_RUNNERS)]


def python_blocks(page: Path) -> list[Block]:
    return [
        block for block in fenced_blocks(page.read_text(encoding="utf-8"))
        if block.language in ("python", "py")
    ]


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


PAGES_WITH_CODE = [page for page in documentation_pages() if python_blocks(page)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=name)
def test_python_blocks_run_in_order(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Figures go to files: no display is needed, and none may be opened.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    # A page may set environment variables for its reader (docs/array-api.md
    # sets SCIPY_ARRAY_API); the tests after it must not see them.
    environment = dict(os.environ)
    try:
        for block in python_blocks(page):
            if block.no_run is not None:
                continue
            # Leading newlines put a traceback's line numbers on the page's lines.
            source = "\n" * (block.line - 1) + block.code
            exec(compile(source, name(page), "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(environment)
        if "matplotlib.pyplot" in sys.modules:
            import matplotlib.pyplot as plt

            plt.close("all")


def test_blocks_left_out_say_why() -> None:
    for page in documentation_pages():
        for block in python_blocks(page):
            if block.no_run is not None:
                assert block.no_run, f"{name(page)}:{block.line}: no-run without a reason"


def test_every_page_with_code_has_a_block_that_runs() -> None:
    assert ROOT / "README.md" in PAGES_WITH_CODE
    for page in PAGES_WITH_CODE:
        assert any(block.no_run is None for block in python_blocks(page)), name(page)


def test_links_between_pages_lead_to_files() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for match in LINK.finditer(page.read_text(encoding="utf-8")):
            target = match["target"].split("#", 1)[0]
            if not target or re.match(r"^[a-z]+:", target):
                continue
            assert (page.parent / target).exists(), f"{name(page)}: {match['target']}"


def test_every_docs_page_is_linked_from_the_index() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    linked = {match["target"].split("#", 1)[0] for match in LINK.finditer(index)}
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "README.md":
            assert page.name in linked, f"docs/README.md does not link {page.name}"


def test_the_runner_reads_fences_and_markers_as_written() -> None:
    page = "\n".join([
        "# A page",
        "```python",
        "x = 1",
        "```",
        "<!-- no-run: needs a cluster -->",
        "",
        "```python",
        'Client("tcp://scheduler:8786")',
        "```",
        "````markdown",
        "```python",
        "not python of this page",
        "```",
        "````",
        "~~~sh",
        "logitron demo",
        "~~~",
    ])
    blocks = fenced_blocks(page)
    assert [(b.language, b.line, b.no_run) for b in blocks] == [
        ("python", 3, None),
        ("python", 8, "needs a cluster"),
        ("markdown", 11, None),
        ("sh", 16, None),
    ]
    assert blocks[0].code == "x = 1\n"
    assert blocks[2].code == "```python\nnot python of this page\n```\n"
