"""Average effects of the *data's* variables through every term they enter.

In ``vote ~ np.log(income) + income:educ + C(party)`` the effect of
``income`` is not one coefficient: it moves two columns of the design. As R's
``marginaleffects::avg_slopes`` and Stata's ``margins, dydx(*)`` do, the
slope of variable ``v`` on row ``i`` is taken through the formula::

    D_i   = d x~_i / d v_i           # the design's derivative, every column
    dydx  = f_i * (D_i @ b)           # f = p * (1 - p);  eydx: (1 - p_i) * (D_i @ b)
    dyex  = dydx * v_i,   eyex = eydx * v_i

averaged with the frequency weights. ``D`` is evaluated by central
differences of the formula itself (step ``1e-5 * max(1, |v|)``, truncation
error of order 1e-10 relative for smooth transforms), so any transform
formulaic can evaluate works. The delta-method Jacobian is exact given
``D``, for the averaging weights ``a``::

    J = (a * c * g) @ D  +  (a * c * g' * (D @ b)) @ X~

with ``g = f`` (dy) or ``1 - p`` (ey), ``g'`` its derivative in ``eta`` and
``c = v`` (ex) or 1. A categorical variable (text, or wrapped in ``C()``)
gets, for each level, the average change in probability when every row is
moved from the reference level (the first) to it, as ``avg_comparisons``.
Binary models only.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.special

from .._formula_codec import data_variables
from .._numerics import FloatArray

_STEP = 1e-5


def formula_effects(
    model: Any,
    frame: Any,
    weight: FloatArray,
    coef: FloatArray,
    cov: FloatArray,
    variables: list[str] | None,
    method: str,
) -> tuple[list[str], FloatArray, FloatArray]:
    """Names, average effects and their covariance (module doc)."""

    spec = getattr(model, "model_spec_", None)
    if spec is None or frame is None:
        raise ValueError(
            "Effects by data variable need a model fitted by logitron.logit and "
            "its DataFrame (model.statistics(df)); use marginal_effects() for "
            "effects by design column."
        )
    known = sorted(data_variables(str(spec.formula)))
    chosen = known if variables is None else list(variables)
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise ValueError(f"The formula reads the variables {known}, not {unknown}.")
    share = weight / np.sum(weight)
    design = _design(model, frame)
    names, effects, rows = [], [], []
    for variable in chosen:
        if _is_categorical(spec, frame, variable):
            for name, effect, row in _contrasts(model, frame, variable, share, coef):
                names.append(name)
                effects.append(effect)
                rows.append(row)
            continue
        if method not in ("dydx", "eyex", "dyex", "eydx"):
            raise ValueError(f"Unknown method {method!r}.")
        effect, row = _slope(model, frame, design, variable, share, coef, method)
        names.append(variable)
        effects.append(effect)
        rows.append(row)
    jacobian = np.array(rows)
    return names, np.array(effects), jacobian @ cov @ jacobian.T


def _slope(
    model: Any, frame: Any, design: FloatArray, variable: str, share: FloatArray,
    coef: FloatArray, method: str,
) -> tuple[float, FloatArray]:
    values = np.asarray(frame[variable], dtype=np.float64)
    step = _STEP * np.maximum(1.0, np.abs(values))
    upper = _design(model, frame.assign(**{variable: values + step}))
    lower = _design(model, frame.assign(**{variable: values - step}))
    derivative = (upper - lower) / (2.0 * step)[:, None]
    proba = scipy.special.expit(design @ coef)
    density = proba * (1.0 - proba)
    if method.startswith("ey"):
        g, g_prime = 1.0 - proba, -density
    else:
        g, g_prime = density, density * (1.0 - 2.0 * proba)
    scale = values if method.endswith("ex") else np.ones_like(values)
    moved = derivative @ coef
    effect = float(np.dot(share, g * moved * scale))
    row = (share * scale * g) @ derivative + (share * scale * g_prime * moved) @ design
    return effect, row


def _contrasts(
    model: Any, frame: Any, variable: str, share: FloatArray, coef: FloatArray
) -> list[tuple[str, float, FloatArray]]:
    levels = sorted(frame[variable].dropna().unique().tolist())
    base = _design(model, frame.assign(**{variable: levels[0]}))
    p_base = scipy.special.expit(base @ coef)
    out = []
    for level in levels[1:]:
        moved = _design(model, frame.assign(**{variable: level}))
        p_moved = scipy.special.expit(moved @ coef)
        row = (share * p_moved * (1 - p_moved)) @ moved
        row -= (share * p_base * (1 - p_base)) @ base
        effect = float(np.dot(share, p_moved - p_base))
        out.append((f"{variable}: {level} - {levels[0]}", effect, row))
    return out


def _design(model: Any, frame: Any) -> FloatArray:
    """``[1, X]`` of ``frame`` through the model's formula."""
    matrix = model.model_spec_.get_model_matrix(frame, na_action="ignore")
    return np.asarray(matrix, dtype=np.float64)


def _is_categorical(spec: Any, frame: Any, variable: str) -> bool:
    if frame[variable].dtype.kind not in "biuf":
        return True
    pattern = re.compile(rf"\bC\(\s*{re.escape(variable)}\b")
    return bool(pattern.search(str(spec.formula)))
