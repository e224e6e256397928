"""docs/tutorial.md runs top to bottom and its asserts hold; its notebook
and its figure are what ``docs/make_tutorial_files.py`` makes of it."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
TUTORIAL = DOCS / "tutorial.md"

pytest.importorskip("matplotlib")


def make_files() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_tutorial_files",
                                                  DOCS / "make_tutorial_files.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_tutorial_runs_top_to_bottom(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = python_blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert len(blocks) >= 15
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"{TUTORIAL.name} block {number}", "exec"), namespace)
    output = capsys.readouterr().out
    assert "gradient check at 3 parameters" in output
    # The asserted numbers the prose states, checked once more by name.
    assert namespace["cost_gap"] > 1e-2           # type: ignore[operator]
    assert namespace["newton"].n_iter_[0] <= 6    # type: ignore[attr-defined]
    folder = namespace["folder"]
    assert isinstance(folder, Path)
    for name in ("training.png", "training.gif", "newton.html", "softmax.png"):
        assert (folder / name).stat().st_size > 1000, name


def test_the_notebook_is_the_page() -> None:
    committed = json.loads((DOCS / "tutorial.ipynb").read_text(encoding="utf-8"))
    assert committed == make_files().notebook(TUTORIAL.read_text(encoding="utf-8"))
    code = ["".join(cell["source"]) for cell in committed["cells"]
            if cell["cell_type"] == "code"]
    assert code == [block.rstrip("\n") for block in python_blocks(TUTORIAL.read_text())]


def test_the_figures_regenerate(tmp_path: Path) -> None:
    from PIL import Image

    from tests.cli_runner import assert_valid_image

    written = make_files().write_figures(tmp_path)
    assert sorted(path.name for path in written) == ["training.gif", "training.png"]
    assert_valid_image(tmp_path / "training.png")
    for name in ("training.png", "training.gif"):
        with Image.open(tmp_path / name) as fresh, Image.open(DOCS / name) as committed:
            assert fresh.size == committed.size
            assert getattr(fresh, "n_frames", 1) == getattr(committed, "n_frames", 1)
    with Image.open(tmp_path / "training.gif") as gif:
        assert gif.n_frames == 16
