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


def write_dataset(path: Path, n: int = 160, seed: int = 0) -> None:
    """A small labelled table: an id, three numeric features on different
    scales, a text column, and a yes/no label that depends on them."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(50.0, 10.0, size=n)
    x3 = rng.uniform(0.0, 1.0, size=n)
    city = rng.choice(["Lyon", "Oslo", "Rome"], size=n)
    raw = 1.5 * x1 - 0.08 * (x2 - 50.0) + 1.0 * (city == "Oslo") + rng.logistic(size=n)
    label = np.where(raw > 0.3, "yes", "no")
    lines = ["id,x1,x2,x3,city,label"]
    lines += [
        f"r{i},{float(x1[i])!r},{float(x2[i])!r},{float(x3[i])!r},{city[i]},{label[i]}"
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def assert_valid_image(path: Path) -> None:
    """A PNG that decodes to a picture with real content, or an SVG document
    with drawn paths."""
    data = path.read_bytes()
    if path.suffix == ".png":
        import matplotlib.image
        import numpy as np

        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(path)
        assert pixels.ndim == 3
        assert pixels.shape[0] > 200
        assert pixels.shape[1] > 200
        ink = np.any(pixels[..., :3] < 0.9, axis=-1)
        assert ink.mean() > 0.02, "the image is almost blank"
    else:
        import xml.etree.ElementTree as ElementTree

        root = ElementTree.fromstring(data)
        assert root.tag.endswith("svg")
        paths = [element for element in root.iter() if element.tag.endswith("path")]
        assert len(paths) > 10
