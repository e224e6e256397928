"""A formula's encoding state as plain JSON data, and the check that makes a
formula read from a file safe to evaluate.

formulaic evaluates each term of a formula as a Python expression
(``np.log(x)``, ``C(group)``, ``{x ** 2}``). A formula typed by the user is
the user's own code; a formula read from a model file is not, so before a
model file's formula is handed to formulaic, every term is parsed with
``ast`` and must be built only from column names, numbers, strings,
arithmetic and comparisons, and calls to the transforms in
``ALLOWED_CALLS``. Anything else (``__import__``, ``open``, attribute access
outside ``np.`` and ``contr.``, dunder names) is refused without being run.
A column name in backticks (```mean radius```) is read as formulaic reads it.
When the formula meets data, every bare name it reads must be a column of
that data or a known transform (``check_names_are_columns``): formulaic looks
a name the data lack up in Python's namespace, where ``open`` and ``eval``
live.

What a formula needs to encode new data the way it encoded the training data
(formulaic's ``ModelSpec``)::

    formula           "1 + x1 + C(group) + scale(x2)"
    encoder_state     {factor: (kind, {"categories": [...]})}   # levels seen in training
    transform_state   {factor: {...}}                           # e.g. scale's centre and scale

Both states are trees of numbers, strings, lists, dicts (keys may be
integers) and arrays, stored with ``logitron._json_tree``.
"""

from __future__ import annotations

import ast
from typing import Any

from ._json_tree import decode_tree, encode_tree

#: Calls a model file's formula may make: formulaic's stateful transforms and
#: contrasts, and elementwise NumPy functions.
ALLOWED_CALLS = frozenset(
    {"C", "I", "Q", "center", "scale", "standardize", "poly", "bs", "cc", "cr", "cs"}
    | {"lag", "hashed", "log", "log2", "log10", "exp", "exp2", "exp10"}
    | {"Treatment", "Sum", "Helmert", "Diff", "Poly"}
    | {f"contr.{name}" for name in ("treatment", "sum", "helmert", "diff", "poly")}
    | {
        f"{module}.{name}"
        for module in ("np", "numpy")
        for name in (
            "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "square",
            "abs", "sign", "floor", "ceil", "round", "clip", "minimum", "maximum",
            "power", "sin", "cos", "tanh", "arctan",
        )
    }
)

_ALLOWED_NODES = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.UnaryOp,
    ast.Compare, ast.BoolOp, ast.Call, ast.keyword, ast.Attribute, ast.List,
    ast.Tuple, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
)


class UnsafeFormulaError(ValueError):
    """A formula term that is not a plain expression of column names."""


def check_formula_is_safe(formula: str) -> None:
    """Raise ``UnsafeFormulaError`` unless every term of ``formula`` (both
    sides) is built from column names, literals, arithmetic and calls in
    ``ALLOWED_CALLS``. Parses only; evaluates nothing."""
    from formulaic import Formula

    try:
        parsed = Formula(formula)
    except Exception as error:  # formulaic's parse errors share no base class
        raise UnsafeFormulaError(f"cannot parse the formula {formula!r}: {error}") from None
    sides = [parsed.lhs, parsed.rhs] if hasattr(parsed, "lhs") else [parsed]
    for side in sides:
        for term in side:
            for factor in term.factors:
                if factor.eval_method.value == "python":
                    check_expression_is_safe(str(factor.expr))


def data_variables(formula: Any) -> set[str]:
    """Names of the data columns the right-hand side of ``formula`` (text,
    or a formula formulaic parsed, such as a ``ModelSpec``'s) reads.

    formulaic knows this exactly only after it has evaluated the formula on
    data; a formula read from a file has not been, so the names are taken
    from the terms' syntax: every bare name that is not a called function or
    a module (``np``, ``contr``), plus the column quoted by ``Q("...")``.
    """
    from formulaic import Formula

    parsed = Formula(formula) if isinstance(formula, str) else formula
    side = parsed.rhs if hasattr(parsed, "rhs") else parsed
    names: set[str] = set()
    for term in side:
        for factor in term.factors:
            method = factor.eval_method.value
            if method == "lookup":
                names.add(str(factor.expr))
            elif method == "python":
                names |= _expression_variables(str(factor.expr))
    return names


def _expression_variables(expression: str) -> set[str]:
    text, aliases = python_text(expression)
    tree = ast.parse(text, mode="eval")
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Name) and id(node) not in called
            and node.id not in _MODULES | _CONTRASTS
        ):
            names.add(aliases.get(node.id, node.id))
        if (
            isinstance(node, ast.Call) and _dotted_name(node.func) == "Q" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def check_expression_is_safe(expression: str) -> None:
    """Raise ``UnsafeFormulaError`` unless ``expression`` is a Python
    expression of the shape the module docstring allows."""
    text, _ = python_text(expression)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise UnsafeFormulaError(f"formula term {expression!r} is not an expression") from error
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeFormulaError(
                f"formula term {expression!r} contains a {type(node).__name__} "
                "expression, which a model file may not contain"
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeFormulaError(
                f"formula term {expression!r} uses the private name {node.id!r}"
            )
        if isinstance(node, ast.Attribute) and _dotted_name(node) not in ALLOWED_CALLS:
            raise UnsafeFormulaError(
                f"formula term {expression!r} uses the attribute "
                f"{ast.unparse(node)!r}; allowed calls: {', '.join(sorted(ALLOWED_CALLS))}"
            )
        if isinstance(node, ast.Call) and _dotted_name(node.func) not in ALLOWED_CALLS:
            raise UnsafeFormulaError(
                f"formula term {expression!r} calls {ast.unparse(node.func)!r}; "
                f"allowed calls: {', '.join(sorted(ALLOWED_CALLS))}"
            )


#: Names a term may use as a module prefix (``np.log``, ``contr.sum``).
_MODULES = frozenset({"np", "numpy", "contr"})
#: Contrast classes, passed uncalled as in ``C(group, Treatment)``.
_CONTRASTS = frozenset({"Treatment", "Sum", "Helmert", "Diff", "Poly"})
#: Prefix of the stand-in identifiers of backtick-quoted column names.
_QUOTED = "quoted_"


def python_text(expression: str) -> tuple[str, dict[str, str]]:
    """``expression`` with each backtick-quoted column name (```mean radius```)
    replaced by a plain identifier, as formulaic does before evaluating it,
    and the map from each stand-in back to the quoted name.

    The stand-ins start with ``quoted_``, never with ``_``, so the check for
    private names does not mistake a quoted column for a dunder.
    """
    from formulaic.utils.code import sanitize_variable_names

    aliases: dict[str, str] = {}
    text = sanitize_variable_names(expression, {}, aliases, template=_QUOTED + "{}")
    return text, aliases


def check_names_are_columns(formula: Any, columns: Any) -> None:
    """Raise ``UnsafeFormulaError`` unless every bare name the right-hand side
    of ``formula`` reads (not a called function, not ``np``/``contr``) is one
    of ``columns`` or a known transform (``ALLOWED_CALLS``).

    formulaic resolves a name the data lacks in Python's namespace, so a term
    such as ``C(open)`` would otherwise hand a builtin to the evaluation.
    """
    known = {str(column) for column in columns}
    unknown = sorted(data_variables(formula) - known - ALLOWED_CALLS)
    if unknown:
        raise UnsafeFormulaError(
            f"the formula reads {', '.join(map(repr, unknown))}, which "
            "is neither a column of the data nor a known transform"
        )


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return ast.unparse(node)


# -- the model spec -------------------------------------------------------
def encode_model_spec(spec: Any, column_names: list[str] | None = None) -> dict[str, Any]:
    """formulaic ``ModelSpec`` -> plain JSON data (see module docstring).

    ``column_names`` stand in for the spec's own when it has none: a spec
    read from a model file has not built a matrix yet, so formulaic cannot
    list its columns (the caller knows them from the fitted model).
    """
    if spec.structure is not None or column_names is None:
        column_names = [str(name) for name in spec.column_names]
    encoder_state = {}
    for factor, (kind, state) in spec.encoder_state.items():
        # The contrasts object is rebuilt from the formula text itself; the
        # levels seen in training are what new data must be encoded against.
        kept = {key: value for key, value in state.items() if key != "contrasts"}
        encoder_state[str(factor)] = [kind.value, encode_tree(kept)]
    return {
        "formula": formula_text(spec.formula),
        "ensure_full_rank": bool(spec.ensure_full_rank),
        "na_action": str(spec.na_action.value),
        "column_names": column_names,
        "encoder_state": encoder_state,
        "transform_state": encode_tree(dict(spec.transform_state)),
    }


def formula_text(formula: Any) -> str:
    """formulaic's parsed right-hand side back to text that parses to the
    same terms, in the same order.

    ``str(formula)`` does not: it drops the backticks of a quoted column
    (```mean radius``` becomes two words), the braces of a Python term
    (``{x ** 2}`` becomes the formula power ``x ** 2``, i.e. ``x``) and, with
    no intercept, the ``0 +`` (so the text gains an intercept).
    """
    from formulaic import Formula

    terms = [":".join(_factor_text(factor) for factor in term.factors) for term in formula]
    if "1" not in terms:
        terms.insert(0, "0")
    text = " + ".join(terms)
    if [str(term) for term in Formula(text)] != [str(term) for term in formula]:
        raise TypeError(f"cannot store the formula {str(formula)!r} in a model file")
    return text


def _factor_text(factor: Any) -> str:
    expr = str(factor.expr)
    method = factor.eval_method.value
    if method == "lookup":
        return expr if expr.isidentifier() else f"`{expr}`"
    if method == "python":
        return "{" + expr + "}"
    return expr


def decode_model_spec(plain: dict[str, Any]) -> Any:
    """Plain JSON data -> formulaic ``ModelSpec``; the formula is checked
    with ``check_formula_is_safe`` first. Raises ValueError when the data
    are not what ``encode_model_spec`` writes."""
    from formulaic import Formula, ModelSpec
    from formulaic.parser.types import Factor

    formula = _typed(plain, "formula", str)
    check_formula_is_safe(formula)
    encoder_state = {}
    for factor, entry in _typed(plain, "encoder_state", dict).items():
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            raise ValueError(f"encoder state of {factor!r} must be [kind, state]")
        encoder_state[factor] = (Factor.Kind(entry[0]), decode_tree(entry[1]))
    transform_state = decode_tree(plain.get("transform_state"))
    if not isinstance(transform_state, dict):
        raise ValueError("formula field 'transform_state' must be a $dict")
    return ModelSpec(
        formula=Formula(formula),
        ensure_full_rank=_typed(plain, "ensure_full_rank", bool),
        na_action=_typed(plain, "na_action", str),
        encoder_state=encoder_state,
        transform_state=transform_state,
    )


def _typed(plain: dict[str, Any], key: str, kind: type) -> Any:
    value = plain.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"formula field {key!r} must be a {kind.__name__}")
    return value
