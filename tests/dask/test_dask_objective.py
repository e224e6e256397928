"""The distributed objective against the in-memory one, term by term.

These tests check the maths and the bookkeeping (what is cached, which call
reads X) on Dask's synchronous scheduler; tests/dask/test_dask.py runs the
estimator on a real multi-process cluster.
"""

import dask
import dask.array as da
import numpy as np
import pytest

from logitron import LogisticRegression
from logitron._validation import class_weight_vector
from logitron.dask import objective as dask_objective
from logitron.dask.inputs import training_problem
from logitron.neuron import LinearUnit
from tests.helpers import make_objective


@pytest.fixture(autouse=True)
def synchronous_scheduler():
    with dask.config.set(scheduler="synchronous"):
        yield


def make_twins(n_classes=2, fit_intercept=True, C=0.7, l1_ratio=0.0, class_weight=None,
               weighted=True, seed=0, n_samples=90, n_features=4, chunk=25):
    """The same problem as a Dask objective and an in-memory objective."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = rng.integers(0, n_classes, size=n_samples)
    weight = rng.uniform(0.2, 3.0, size=n_samples) if weighted else np.ones(n_samples)
    estimator = LogisticRegression(
        C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, class_weight=class_weight
    )
    distributed, classes = training_problem(
        estimator,
        da.from_array(X, chunks=(chunk, n_features)),
        da.from_array(y, chunks=chunk),
        da.from_array(weight, chunks=chunk) if weighted else None,
    )
    weight_sums = np.bincount(y, weights=weight, minlength=n_classes)
    weight = weight * class_weight_vector(class_weight, classes, weight_sums)[y]
    in_memory = make_objective(
        X, y, sample_weight=weight, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept
    ).objective
    return distributed, in_memory, rng


CASES = [
    pytest.param(dict(n_classes=2), id="binary"),
    pytest.param(dict(n_classes=2, fit_intercept=False, l1_ratio=0.4), id="binary-enet"),
    pytest.param(dict(n_classes=2, C=np.inf, class_weight={0: 2.0}), id="binary-unpenalised"),
    pytest.param(dict(n_classes=3, class_weight="balanced"), id="softmax"),
    pytest.param(dict(n_classes=4, l1_ratio=1.0, fit_intercept=False), id="softmax-l1"),
]


@pytest.mark.parametrize("case", CASES)
def test_every_term_equals_the_in_memory_objective(case):
    distributed, in_memory, rng = make_twins(**case)
    theta = rng.normal(size=in_memory.n_params)
    assert distributed.n_params == in_memory.n_params
    assert distributed.value(theta) == pytest.approx(in_memory.value(theta), rel=1e-13)
    value, gradient, hessian = distributed.value_gradient_hessian(theta)
    expected = in_memory.value_gradient_hessian(theta)
    assert value == pytest.approx(expected[0], rel=1e-13)
    np.testing.assert_allclose(gradient, expected[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hessian, expected[2], rtol=1e-12, atol=1e-15)
    vector = rng.normal(size=in_memory.n_params)
    _, _, hessp = distributed.value_gradient_hessp(theta)
    np.testing.assert_allclose(hessp(vector), expected[2] @ vector, rtol=1e-12, atol=1e-15)
    assert distributed.nonsmooth_value(theta) == pytest.approx(
        in_memory.nonsmooth_value(theta), rel=1e-14
    )
    np.testing.assert_array_equal(distributed.prox(theta, 0.3), in_memory.prox(theta, 0.3))
    null_space = distributed.null_space()
    if null_space is None:
        assert in_memory.null_space() is None
    else:
        np.testing.assert_array_equal(null_space, in_memory.null_space())


def test_distributed_hessian_vector_products_for_many_parameters(monkeypatch):
    # Above the dense-Hessian threshold each product is one graph over the
    # z kept on the workers; force that path on a small problem.
    monkeypatch.setattr(dask_objective, "DENSE_HESSIAN_MAX_PARAMS", 0)
    distributed, in_memory, rng = make_twins(n_classes=3)
    theta = rng.normal(size=in_memory.n_params)
    _, gradient, hessp = distributed.value_gradient_hessp(theta)
    _, expected_gradient, expected_hessp = in_memory.value_gradient_hessp(theta)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-12, atol=1e-15)
    graphs = distributed.graphs_submitted
    for _ in range(3):
        vector = rng.normal(size=in_memory.n_params)
        np.testing.assert_allclose(
            hessp(vector), expected_hessp(vector), rtol=1e-12, atol=1e-15
        )
    assert distributed.graphs_submitted == graphs + 3


@pytest.mark.parametrize(
    "case",
    [
        dict(n_classes=2, l1_ratio=0.3),
        dict(n_classes=3, weighted=False, class_weight={0: 3.0}),
    ],
)
def test_line_search_steps_after_the_first_do_not_read_X(case):
    distributed, in_memory, rng = make_twins(**case)
    theta = rng.normal(size=in_memory.n_params)
    direction = rng.normal(size=in_memory.n_params)
    line, expected = distributed.line(theta, direction), in_memory.line(theta, direction)
    passes, graphs = distributed.data_passes, distributed.graphs_submitted
    assert line.value(1.0) == pytest.approx(expected.value(1.0), rel=1e-13)
    assert distributed.data_passes == passes + 1
    for step in [0.5, 0.25, 0.125]:
        value, slope = line.value_derivative(step)
        expected_value, expected_slope = expected.value_derivative(step)
        assert value == pytest.approx(expected_value, rel=1e-13)
        assert slope == pytest.approx(expected_slope, rel=1e-11)
    # Three more graphs, none of them over X: z + t X@d moved on the workers.
    assert distributed.data_passes == passes + 1
    assert distributed.graphs_submitted == graphs + 4
    # At the accepted step, the derivatives reuse the kept z (one backward pass).
    point = line.point(0.25)
    _, gradient, hessian = distributed.value_gradient_hessian(point)
    _, expected_gradient, expected_hessian = in_memory.value_gradient_hessian(point)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(hessian, expected_hessian, rtol=1e-11, atol=1e-14)
    assert distributed.data_passes == passes + 2


def test_first_trial_step_returns_the_next_iterations_derivatives():
    # Newton asks for (J, g, H), then tries t = 1: that one graph must also
    # answer the next (J, g, H) request, so an iteration costs one graph.
    distributed, in_memory, rng = make_twins(n_classes=3)
    theta = rng.normal(size=in_memory.n_params)
    distributed.value_gradient_hessian(theta)
    direction = rng.normal(size=in_memory.n_params)
    line = distributed.line(theta, direction)
    graphs = distributed.graphs_submitted
    line.value(1.0)
    value, _, hessian = distributed.value_gradient_hessian(line.point(1.0))
    assert distributed.graphs_submitted == graphs + 1
    expected = in_memory.value_gradient_hessian(theta + direction)
    assert value == pytest.approx(expected[0], rel=1e-13)
    np.testing.assert_allclose(hessian, expected[2], rtol=1e-11, atol=1e-14)


def test_proximal_gradient_steps_match_in_memory_and_give_exact_zeros():
    # What a proximal solver does with an L1 objective: value_gradient and
    # prox only. Both objectives must walk the same path.
    distributed, in_memory, _ = make_twins(n_classes=2, l1_ratio=1.0, C=0.05)
    theta_distributed = theta_memory = np.zeros(in_memory.n_params)
    step = 0.5
    for _ in range(8):
        _, gradient = distributed.value_gradient(theta_distributed)
        theta_distributed = distributed.prox(theta_distributed - step * gradient, step)
        _, gradient = in_memory.value_gradient(theta_memory)
        theta_memory = in_memory.prox(theta_memory - step * gradient, step)
        np.testing.assert_allclose(theta_distributed, theta_memory, rtol=1e-12, atol=1e-15)
    assert np.any(in_memory.unit.coef(theta_memory) == 0.0)
    assert distributed.nonsmooth_value(theta_distributed) == pytest.approx(
        in_memory.nonsmooth_value(theta_memory), rel=1e-12
    )


def test_a_solver_reaching_for_X_is_told_it_cannot():
    distributed, *_ = make_twins()
    with pytest.raises(NotImplementedError, match="no in-memory X"):
        distributed.unit.forward(np.zeros(distributed.n_params))


@pytest.mark.parametrize("dense", [True, False], ids=["from-dense-hessian", "own-graph"])
@pytest.mark.parametrize("case", CASES[:2] + CASES[3:])
def test_hessian_on_columns_equals_the_in_memory_block(case, dense, monkeypatch):
    if not dense:
        monkeypatch.setattr(dask_objective, "DENSE_HESSIAN_MAX_PARAMS", 0)
    distributed, in_memory, rng = make_twins(**case)
    theta = rng.normal(size=in_memory.n_params)
    np.testing.assert_array_equal(distributed.l1_strengths(), in_memory.l1_strengths())
    np.testing.assert_array_equal(
        distributed.parameter_columns(), in_memory.parameter_columns()
    )
    n_columns = int(in_memory.parameter_columns().max()) + 1
    columns = np.sort(rng.choice(n_columns, size=n_columns - 1, replace=False))
    index, hessian = distributed.hessian_on_columns(theta, columns)
    expected_index, expected_hessian = in_memory.hessian_on_columns(theta, columns)
    np.testing.assert_array_equal(index, expected_index)
    np.testing.assert_allclose(hessian, expected_hessian, rtol=1e-11, atol=1e-14)


def test_extrapolated_raw_predictions_stay_on_the_workers(monkeypatch):
    # FISTA extrapolates z's: z(y) = z(x1) + beta * (z(x1) - z(x0)). On Dask the
    # z's are handles; the gradient at y then needs only a backward pass.
    distributed, in_memory, rng = make_twins(n_classes=3, l1_ratio=0.5)
    x0, x1 = rng.normal(size=(2, in_memory.n_params))
    raw0, raw1 = distributed.raw_prediction(x0), distributed.raw_prediction(x1)
    beta = np.float64(0.4)
    extrapolated = x1 + beta * (x1 - x0)
    passes = distributed.data_passes
    distributed.remember(extrapolated, raw1 + beta * (raw1 - raw0))
    forward_calls: list[str] = []

    def counted(name):
        original = getattr(LinearUnit, name)

        def method(*args, **kwargs):
            forward_calls.append(name)
            return original(*args, **kwargs)

        return method

    for name in ("forward", "forward_backward"):
        monkeypatch.setattr(LinearUnit, name, counted(name))
    value, gradient = distributed.value_gradient(extrapolated)
    # One pass over the blocks (the synchronous scheduler runs them here),
    # and no forward product in it: only the backward pass reads X.
    assert distributed.data_passes == passes + 1
    assert forward_calls == []
    monkeypatch.undo()
    expected_raw = in_memory.raw_prediction(x1) + beta * (
        in_memory.raw_prediction(x1) - in_memory.raw_prediction(x0)
    )
    in_memory.remember(extrapolated, expected_raw)
    expected_value, expected_gradient = in_memory.value_gradient(extrapolated)
    assert value == pytest.approx(expected_value, rel=1e-13)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="stay on the workers"):
        distributed.remember(x0, np.zeros(10))


def test_the_sample_starts_fit_computes_no_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    # The start from a sample needs its coefficients only: an unpenalised
    # sample fit must not build the inference record (Gram products, a
    # certificate, maybe separation programs) on a worker, and a separating
    # sample gives no start.
    from logitron import inference
    from logitron.dask.block_model import BlockModel
    from logitron.dask.sample_start import fit_sample
    from logitron.fitting import FitSettings

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sample fit computed statistics")

    monkeypatch.setattr(inference, "record_fit", refuse)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((400, 3))
    y = (X @ [1.0, -0.5, 0.25] + rng.logistic(size=400) > 0).astype(int)
    model = BlockModel(
        classes=np.array([0, 1]), class_weight=np.ones(2), n_features=3,
        fit_intercept=True, dtype=np.dtype(np.float64), total_weight=4000.0,
    )
    ones = np.ones(400)
    parts = [(X[:150], y[:150], ones[:150]), (X[150:], y[150:], ones[150:])]
    _, theta = fit_sample(parts, model, FitSettings(C=np.inf), "newton")
    expected = LogisticRegression(C=np.inf, solver="newton")
    monkeypatch.undo()
    expected.fit(X, y)
    assert theta is not None
    np.testing.assert_allclose(theta[:3], expected.coef_.ravel(), rtol=1e-8)
    separated = (X[:, 0] > 0).astype(int)
    assert fit_sample([(X, separated, ones)], model, FitSettings(C=np.inf), "newton")[1] is None


def test_a_blocks_sample_is_strided_over_all_its_rows() -> None:
    # Rows sorted by class (or by time) must still give a sample of every
    # part of the block: the rows are taken at a stride, never the first few;
    # labels and weights as stored (the model encodes them later).
    from logitron.dask.sample_start import sample_rows

    X = np.arange(20.0).reshape(10, 2)
    y = np.repeat(["a", "b"], 5)
    weight = np.arange(1.0, 11.0)
    float64 = np.dtype(np.float64)
    X_sample, y_sample, w = sample_rows(X, y, weight, float64, 4)
    np.testing.assert_array_equal(X_sample, X[::3])
    np.testing.assert_array_equal(y_sample, ["a", "a", "b", "b"])
    assert w is not None
    np.testing.assert_array_equal(w, weight[::3])
    whole = sample_rows(X, y, None, float64, 10)
    np.testing.assert_array_equal(whole[0], X)
    assert whole[2] is None
