"""``logitron demo`` and the command line's frame (help, version, usage errors)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from logitron.cli.textplot import line_plot
from tests.cli_runner import assert_fails, run_cli


def test_demo_compares_gd_with_newton_and_draws_the_gd_curve() -> None:
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["solver"])
    assert lines[header].split() == [
        "solver", "iterations", "fit", "time", "train", "acc", "test", "acc",
        "test", "log-loss",
    ]
    rows: dict[str, tuple[int, float, float, float]] = {}
    for line in lines[header + 2 : header + 4]:
        solver, iterations, seconds, unit, train, test, log_loss = line.split()
        assert unit == "ms"
        assert float(seconds) > 0
        rows[solver] = (int(iterations), float(train), float(test), float(log_loss))
    assert set(rows) == {"gd", "newton"}
    for n_iter, train_accuracy, test_accuracy, test_log_loss in rows.values():
        assert n_iter >= 1
        assert 0.9 < train_accuracy <= 1.0
        assert 0.9 < test_accuracy <= 1.0
        assert 0.0 < test_log_loss < 0.3
    # The recipe takes hundreds of small steps; Newton a handful of large ones.
    assert rows["gd"][0] > 10 * rows["newton"][0]
    start = next(i for i, line in enumerate(lines) if line.startswith("cost of the gd"))
    axis = next(i for i in range(start, len(lines)) if lines[i].lstrip().startswith("+--"))
    plot = lines[start + 1 : axis]
    assert plot[0] == "cost"
    assert sum("*" in line for line in plot) >= 10
    assert lines[axis + 1].split() == ["1", str(rows["gd"][0])]
    assert "predicted probabilities on the 143 test rows are bit-identical" in result.stdout


def test_help_lists_every_subcommand() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout
    demo_help = run_cli("demo", "--help")
    assert demo_help.returncode == 0
    assert "--test-size" in demo_help.stdout
    assert "breast-cancer" in demo_help.stdout


def test_version() -> None:
    from logitron import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"logitron {__version__}"


def test_usage_errors_exit_2_with_one_line() -> None:
    assert_fails(run_cli(), 2, "required")
    assert_fails(run_cli("fly"), 2, "invalid choice", "fly")
    assert_fails(run_cli("demo", "--test-size", "1.5"), 2, "--test-size", "between 0 and 1")
    assert_fails(run_cli("demo", "--frobnicate"), 2, "unrecognized arguments", "--frobnicate")


def test_installed_console_script_runs() -> None:
    script = Path(sys.executable).with_name("logitron")
    if not script.exists():
        pytest.skip("logitron is not installed in this environment (running from src/)")
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("logitron ")


def test_line_plot_puts_the_start_top_left_and_the_end_bottom_right() -> None:
    curve = np.exp(-np.linspace(0.0, 5.0, 200))
    lines = line_plot(curve, width=40, height=8).splitlines()
    plot = [line.split("|", 1)[1].ljust(40) for line in lines[1:9]]
    assert plot[0][0] == "*"
    assert plot[-1][-1] == "*"
    assert plot[-1][0] == " "
    assert lines[1].split()[0] == f"{curve.max():.4g}"
    assert lines[8].split()[0] == f"{curve.min():.4g}"
    # Joined columns: every column has at least one mark.
    assert all(any(row[c] == "*" for row in plot) for c in range(40))


def test_line_plot_of_a_constant_curve_is_one_row() -> None:
    lines = line_plot([2.0, 2.0, 2.0], width=10, height=4).splitlines()
    assert lines[1].endswith("|" + "*" * 10)
    assert all("*" not in line for line in lines[2:5])


@pytest.mark.parametrize("values", [[], [1.0, np.nan], [[1.0, 2.0]]])
def test_line_plot_rejects_what_it_cannot_draw(values: object) -> None:
    with pytest.raises(ValueError, match="finite values"):
        line_plot(values)  # type: ignore[arg-type]
