"""New data against the categories a formula model was trained on.

formulaic encodes a level it has not seen as missing, which (with rows
kept for alignment) comes out as the all-zero dummy row: the reference
level's prediction, given silently. R's ``predict`` and statsmodels refuse
such data ("factor g has new levels c"); so does this check, before
anything is evaluated, naming the column and the unseen values.
"""

from __future__ import annotations

import ast
from typing import Any

from ._formula_codec import python_text


def check_known_levels(spec: Any, frame: Any) -> None:
    """Raise ValueError if a column that a categorical term of ``spec``
    encodes (``g`` or ``C(g, ...)``) holds a value outside the levels stored
    for that term. Missing values are left to the caller's rule."""
    for factor, (kind, state) in spec.encoder_state.items():
        if getattr(kind, "value", kind) != "categorical":
            continue
        column = _encoded_column(str(factor), frame.columns)
        levels = state.get("categories") if isinstance(state, dict) else None
        if column is None or levels is None:
            continue
        values = frame[column]
        present = values[values.notna()]
        unseen = present[~present.isin(list(levels))].unique()
        if len(unseen):
            shown = ", ".join(repr(value) for value in list(unseen)[:5])
            more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
            raise ValueError(
                f"column {column!r} has level(s) {shown}{more} not seen in training "
                f"(the model knows {', '.join(map(repr, levels))}); a model cannot "
                "score a category it never saw"
            )


def _encoded_column(factor: str, columns: Any) -> str | None:
    """The data column behind a categorical factor, when the factor is the
    column itself or ``C(column, ...)``; None for other expressions (those
    still meet formulaic's mismatch check, turned into an error)."""

    names = {str(name) for name in columns}
    if factor in names:
        return factor
    text, aliases = python_text(factor)
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Name):
        name = aliases.get(tree.id, tree.id)
        return name if name in names else None
    if (
        isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)
        and tree.func.id == "C" and tree.args and isinstance(tree.args[0], ast.Name)
    ):
        name = aliases.get(tree.args[0].id, tree.args[0].id)
        return name if name in names else None
    return None
