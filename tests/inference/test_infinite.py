"""Which maximum-likelihood estimates are infinite: per term, with direction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from logitron import LogisticRegression, PerfectSeparationWarning, load, save
from logitron.inference import FitInference
from logitron.inference.infinite import infinite_directions

DATA = Path(__file__).parents[1] / "data" / "endometrial.csv"


@pytest.fixture(scope="module")
def endometrial() -> pd.DataFrame:
    return pd.read_csv(DATA)


def record(model: LogisticRegression) -> FitInference:
    assert model.inference_ is not None
    return model.inference_


def fit_separated(X, y) -> LogisticRegression:
    with pytest.warns(PerfectSeparationWarning, match="FirthLogisticRegression"):
        return LogisticRegression(C=np.inf, solver="newton").fit(X, y)


def count_infinite_labels(monkeypatch) -> list[int]:
    """Count the calls of ``infinite_labels`` (its linear programs), where
    the fit's record and the pending record call it; the list grows by one
    per call."""
    from logitron import _lazy_record
    from logitron.inference import fit_record

    calls: list[int] = []
    labels = fit_record.infinite_labels

    def counted(*args, **kwargs):
        calls.append(1)
        return labels(*args, **kwargs)

    monkeypatch.setattr(fit_record, "infinite_labels", counted)
    monkeypatch.setattr(_lazy_record, "infinite_labels", counted)
    return calls


def test_endometrial_matches_published_detectseparation(endometrial):
    # Published reference: brglm2's README (github.com/ikosmidis/brglm2),
    # update(glm(HG ~ NV + PI + EH, binomial, endometrial),
    # method = detect_separation) prints
    #   (Intercept) 0   NV Inf   PI 0   EH 0
    model = fit_separated(endometrial[["NV", "PI", "EH"]], endometrial["HG"])
    assert record(model).infinite == ("", "+inf", "", "")
    # With the classes swapped NV's coefficient runs off the other way.
    swapped = fit_separated(endometrial[["NV", "PI", "EH"]], 1 - endometrial["HG"])
    assert record(swapped).infinite == ("", "-inf", "", "")


def test_the_fit_warns_and_leaves_the_directions_to_the_first_reader(
    endometrial, monkeypatch
):
    # The fit's warning needs the separation diagnosis, not the infinite
    # estimates (one or two linear programs per coefficient): those are
    # computed when the record is first read, from the kept data, checked.
    calls = count_infinite_labels(monkeypatch)
    X = endometrial[["NV", "PI", "EH"]].to_numpy(dtype=float)
    model = fit_separated(X, endometrial["HG"])
    assert calls == []
    assert "_pending_record" in model.__dict__
    assert record(model).infinite == ("", "+inf", "", "")  # brglm2's, as above
    assert "separation" in record(model).separation
    assert calls == [1]
    changed = fit_separated(X.copy(), endometrial["HG"])
    changed.__dict__["_pending_record"].X[0, 0] += 1.0
    with pytest.raises(ValueError, match="changed after fit"):
        changed.summary()


def test_the_directions_are_computed_once_for_repeated_summaries(endometrial, monkeypatch):
    # summary() reads the pending record without completing the estimator's:
    # the programs still run once.
    calls = count_infinite_labels(monkeypatch)
    model = fit_separated(endometrial[["NV", "PI", "EH"]], endometrial["HG"])
    first, second = str(model.summary()), str(model.summary())
    assert first == second
    assert record(model).infinite == ("", "+inf", "", "")
    assert calls == [1]


def test_complete_separation_on_one_feature():
    # y = 1 exactly when x > 1.5: z = b * (x - 1.5) separates for every b > 0,
    # so the slope runs to +inf and the intercept (-1.5 b) to -inf.
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    directions = infinite_directions(
        X, np.array([0, 0, 1, 1]), np.ones(4), fit_intercept=True, n_classes=2
    )
    np.testing.assert_array_equal(directions, [[-1.0, 1.0]])


def test_identified_data_have_no_infinite_estimates():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + rng.standard_normal(60) > 0).astype(int)
    directions = infinite_directions(X, y, np.ones(60), fit_intercept=True, n_classes=2)
    np.testing.assert_array_equal(directions, np.zeros((1, 3)))
    assert record(LogisticRegression(C=np.inf).fit(X, y)).infinite == ()


def test_softmax_rows_follow_the_summary_parametrisation():
    # Class 2 appears exactly when x2 = 1. Its equation (against class 0):
    # intercept -> -inf (never at x2 = 0), x2 -> +inf, and x1 may tilt either
    # way while the intercept runs off (+/-inf). Class 1's x2 coefficient is
    # unbounded both ways: at x2 = 1 neither class 1 nor class 0 is observed.
    rng = np.random.default_rng(1)
    x1 = rng.standard_normal(90)
    x2 = np.r_[np.zeros(60), np.ones(30)]
    y = np.r_[(x1[:60] + rng.standard_normal(60) > 0).astype(int), np.full(30, 2)]
    directions = infinite_directions(
        np.column_stack([x1, x2]), y, np.ones(90), fit_intercept=True, n_classes=3
    )
    np.testing.assert_array_equal(directions, [[0, 0, 2], [-1, 2, 1]])


def test_summary_shows_directions_instead_of_standard_errors(endometrial):
    model = fit_separated(endometrial[["NV", "PI", "EH"]], endometrial["HG"])
    text = str(model.summary())
    row = next(line for line in text.splitlines() if line.startswith("NV "))
    assert row.split() == ["NV", "+inf", "n/a", "n/a", "n/a", "n/a", "n/a"]
    assert "FirthLogisticRegression gives finite" in text
    # A finite row keeps its numbers (R's glm: EH -2.90261, se 0.84555).
    eh = next(line for line in text.splitlines() if line.startswith("EH "))
    assert eh.split()[:3] == ["EH", "-2.9026", "0.8456"]


def test_model_files_keep_the_directions(endometrial, tmp_path):
    model = fit_separated(endometrial[["NV", "PI", "EH"]], endometrial["HG"])
    loaded = load(save(model, tmp_path / "model.json"))
    assert record(loaded).infinite == ("", "+inf", "", "")
    # Files written before the field existed read as "no infinite estimates".
    plain = record(model).to_dict()
    del plain["infinite"]
    assert FitInference.from_dict(plain).infinite == ()


def _two_programs_per_coordinate(X, y, n_classes):
    """The reference directions: the least and the greatest ``w_j`` over the
    cone for every coordinate ``j`` (no point reused, no budget), in the
    programs' order (intercept last)."""
    from logitron.inference import infinite
    from logitron.inference.separation_lp import MARGIN_THRESHOLD, margin_matrix, scaled_design

    design = scaled_design(X, np.arange(len(y)), True)
    constraints, _, _ = margin_matrix(design, y, n_classes)
    expected = np.zeros(constraints.shape[1])
    for j, unit in enumerate(np.eye(constraints.shape[1])):
        low = infinite._box_optimum(constraints, unit)[j]
        high = infinite._box_optimum(constraints, -unit)[j]
        if low < -MARGIN_THRESHOLD or high > MARGIN_THRESHOLD:
            expected[j] = (
                1.0 if low >= -MARGIN_THRESHOLD else -1.0 if high <= MARGIN_THRESHOLD else 2.0
            )
    return expected


@pytest.mark.parametrize("kind", ["complete", "quasi-complete"])
def test_directions_match_two_programs_per_coordinate(kind):
    # The points of the cone found along the way spare most programs; the
    # directions are those of a min and a max program for every coordinate.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 12))
    if kind == "complete":
        y = (X[:, 0] - 0.3 * X[:, 2] > 0).astype(int)
    else:  # x2 = 1 only in class 1; the other rows overlap
        X[:, 1] = rng.random(120) < 0.2
        y = np.where(X[:, 1] == 1, 1, (X[:, 0] + rng.logistic(size=120) > 0).astype(int))
    found = infinite_directions(X, y, np.ones(len(y)), fit_intercept=True, n_classes=2)
    np.testing.assert_array_equal(
        found[0], np.roll(_two_programs_per_coordinate(X, y, 2), 1)
    )
    assert np.any(found != 0)


def test_every_coordinate_is_examined_past_the_naming_budget(monkeypatch):
    # Quasi-complete separation by the group x1 = 1 (all class 1). Outside
    # it the classes overlap on 20 continuous features, whose estimates and
    # the intercept's converge. x22 is non-zero only inside the group, with
    # values of both signs: its coefficient may go either way while x1's
    # runs to +inf. From a first cone direction along x1 alone (any point
    # of the cone may come first), x22 must still be found: the support is
    # read off the rows the widest direction leaves at margin 0, not from
    # programs under a budget.
    from logitron.inference import infinite

    def along_x1(constraints):
        start = np.zeros(constraints.shape[1])
        start[0] = 1.0
        return start

    monkeypatch.setattr(infinite, "max_total_margin", along_x1)
    rng = np.random.default_rng(5)
    n, group = 200, 30
    X = np.zeros((n, 22))
    X[:group, 0] = 1.0
    X[:, 1:21] = rng.standard_normal((n, 20))
    X[:group, 21] = np.tile([0.5, -0.5], group // 2)
    y = np.r_[np.ones(group, int), (X[group:, 1] + rng.logistic(size=n - group) > 0)]
    found = infinite_directions(X, y, np.ones(n), fit_intercept=True, n_classes=2)
    expected = np.zeros(23)
    expected[1], expected[22] = 1.0, 2.0  # intercept first: x1 +inf, x22 either way
    np.testing.assert_array_equal(found[0], expected)
    np.testing.assert_array_equal(
        found[0], np.roll(_two_programs_per_coordinate(X, y, 2), 1)
    )


def test_softmax_directions_match_two_programs_per_coordinate():
    # Three classes, quasi-complete: class 2 only where x3 = 1.
    rng = np.random.default_rng(6)
    X = rng.normal(size=(150, 4))
    X[:, 3] = rng.random(150) < 0.2
    y = np.where(X[:, 3] == 1, 2, (X[:, 0] + rng.logistic(size=150) > 0).astype(int))
    found = infinite_directions(X, y, np.ones(150), fit_intercept=True, n_classes=3)
    expected = _two_programs_per_coordinate(X, y, 3).reshape(2, 5)
    np.testing.assert_array_equal(found, np.roll(expected, 1, axis=1))
    assert np.any(found != 0)


def test_groups_of_coordinates_match_two_programs_per_coordinate(monkeypatch):
    # Complete separation with about as many parameters as rows (4 classes,
    # random labels): every coordinate takes both signs. Seeking the signs
    # of many coordinates in one program gives the reference's directions
    # with fewer programs than one coordinate at a time (3 for these 87
    # coordinates with HiGHS 1.x, against 12 before groups).
    from logitron.inference import infinite

    rng = np.random.default_rng(27)
    X = rng.normal(size=(30, 28))
    y = rng.integers(0, 4, size=30)
    programs: list[int] = []
    optimum = infinite._box_optimum

    def counted(constraints, objective):
        programs.append(1)
        return optimum(constraints, objective)

    monkeypatch.setattr(infinite, "_box_optimum", counted)
    found = infinite_directions(X, y, np.ones(30), fit_intercept=True, n_classes=4)
    monkeypatch.setattr(infinite, "_box_optimum", optimum)
    expected = _two_programs_per_coordinate(X, y, 4).reshape(3, 29)
    np.testing.assert_array_equal(found, np.roll(expected, 1, axis=1))
    assert np.all(found == 2.0)
    assert len(programs) <= 6
