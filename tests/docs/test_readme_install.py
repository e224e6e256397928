"""Issue 14, item 16: every ``pip install`` in the README and docs works from
a clone.

logitron is not on a package index, so ``pip install "logitron[dask]"``
fails in a fresh environment; what works is the clone itself, ``"."`` or
``".[extra,...]"``, with extras that ``pyproject.toml`` defines.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def install_targets() -> list[str]:
    """The package arguments of every ``pip install`` the README and the
    docs pages show."""
    targets = []
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    for match in re.finditer(r"pip install ([^`\n#&;|]*)", text):
        words = [word for word in shlex.split(match.group(1)) if not word.startswith("-")]
        targets += words
    return targets


def defined_extras() -> set[str]:
    """The keys of ``[project.optional-dependencies]`` (read without tomllib,
    which Python 3.10 lacks)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*=", section, re.MULTILINE))


def test_readme_installs_only_the_clone_with_defined_extras() -> None:
    extras = defined_extras()
    targets = install_targets()
    assert targets, "the README shows no pip install"
    for target in targets:
        match = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", target)
        assert match is not None, f"README installs {target!r}, which is not this clone"
        named = set(filter(None, (match.group(1) or "").split(",")))
        assert named <= extras, f"README names undefined extras {sorted(named - extras)}"
