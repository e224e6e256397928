"""``offset(...)`` in a formula: R's known term of the log-odds, coefficient 1.

``logit("y ~ x + offset(np.log(t))", data)`` fits::

    z = intercept + coef * x + np.log(t)

formulaic has no ``offset``, so the term is taken out of the formula text
before formulaic sees it (``split_offset``) and evaluated on the data as a
one-column expression of its own (``evaluate_offset``). The formula text a
model keeps (``formula_``, and so its model file) still holds the term:
predictions on new data split it again and apply it, and a file from before
offsets existed has none. Several ``offset()`` terms add up, as in R.

An offset must be a stateless expression (column names, numbers, arithmetic,
NumPy's elementwise functions): a transform that learns from the training
data (``scale``, ``C``...) would be recomputed on new data, so it is refused.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import numpy as np

from ._formula_codec import (
    UnsafeFormulaError,
    check_expression_is_safe,
    check_names_are_columns,
    python_text,
)

#: Calls an offset may make: functions of each value alone.
_STATELESS_CALLS = frozenset(
    {"I", "log", "log2", "log10", "exp", "exp2", "exp10"}
    | {
        f"{module}.{name}"
        for module in ("np", "numpy")
        for name in (
            "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "square", "abs",
            "sign", "floor", "ceil", "round", "clip", "minimum", "maximum", "power",
            "sin", "cos", "tanh", "arctan",
        )
    }
)

#: ``offset(`` as a call of its own, not the tail of a longer name.
_KEYWORD = re.compile(r"(?<![\w.`])offset\(")


class OffsetFormulaError(ValueError):
    """An ``offset(`` that is not a whole term, or is unclosed or empty."""


def split_offset(formula: str) -> tuple[str, str | None]:
    """``(formula without its offset terms, their sum as one expression)``;
    the expression is None when the formula has no ``offset(...)`` term.

    Raises ``OffsetFormulaError`` when an ``offset(`` is not a whole term of
    the right-hand side (``x * offset(t)``) or its parentheses do not close.
    """
    if "~" not in formula or not _KEYWORD.search(formula.split("~", 1)[1]):
        return formula, None
    lhs, rest = formula.split("~", 1)
    offsets, kept = [], ""
    while (match := _KEYWORD.search(rest)) is not None:
        before, opening = rest[: match.start()].rstrip(), match.end() - 1
        end = _closing_paren(rest, opening, formula)
        offsets.append(rest[opening + 1 : end].strip())
        after = rest[end + 1 :].lstrip()
        if (before and not before.endswith("+")) or (after and after[0] not in "+-"):
            raise OffsetFormulaError(
                f"offset(...) must be a term of its own in {formula!r} (added with '+')."
            )
        # The term goes with the '+' that joined it to the others.
        if before:
            kept += before.removesuffix("+") + " "
        else:
            after = after.removeprefix("+")
        rest = after
    right = (kept + rest).strip()
    if any(not text for text in offsets):
        raise OffsetFormulaError(
            f"offset() in {formula!r} needs an expression, e.g. offset(np.log(t))."
        )
    # Only an offset left on the right: the intercept-only model with it.
    right = right or "1"
    expression = " + ".join(f"({text})" for text in offsets)
    check_offset_expression(expression)
    return f"{lhs.rstrip()} ~ {right}", expression


def _closing_paren(text: str, open_at: int, formula: str) -> int:
    depth = 0
    for position in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[position], 0)
        if depth == 0:
            return position
    raise OffsetFormulaError(f"offset( in {formula!r} has no closing parenthesis.")


def check_offset_expression(expression: str) -> None:
    """Raise ``UnsafeFormulaError`` unless ``expression`` is safe to evaluate
    (``_formula_codec``) and calls only stateless functions."""
    check_expression_is_safe(expression)
    tree = ast.parse(python_text(expression)[0], mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) not in _STATELESS_CALLS:
            raise UnsafeFormulaError(
                f"the offset {expression!r} calls {ast.unparse(node.func)!r}: an offset "
                "may use only column names, numbers, arithmetic and elementwise "
                "functions such as np.log, so new data get the same values."
            )


def evaluate_offset(expression: str, frame: Any) -> np.ndarray:
    """The offset of each row of ``frame`` (float64, NaN where missing)."""
    import formulaic

    check_names_are_columns(formulaic.Formula("0 + {" + expression + "}"), frame.columns)
    matrix = formulaic.model_matrix(
        "0 + {" + expression + "}", frame, na_action="ignore", context={"np": np}
    )
    if matrix.shape[1] != 1:
        raise ValueError(f"offset({expression}) must give one number per row.")
    return np.asarray(matrix, dtype=np.float64)[:, 0]
