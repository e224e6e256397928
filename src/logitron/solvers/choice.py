"""What ``solver="auto"`` picks, from the shape, storage and dtype of X.

The thresholds come from the benchmark suite (``python -m benchmarks.run``,
CPU seconds to a relative objective gap of 1e-8, one thread, AMD EPYC,
scikit-learn 1.9.1 alongside; the figures below are from that run).

* L-BFGS (preconditioned by the Hessian's diagonal) is the fastest of our
  solvers on every problem of the matrix but the smallest: dense 100,000 x
  20 in 0.027 s (Newton 0.060, Newton-CG 0.051), 200,000 x 100 in 0.200 s
  (0.546, 0.513), 20,000 x 1,000 in 0.146 s (1.13, 0.307), 2,000 x 5,000
  in 0.415 s (Newton-CG 0.665), CSR 100,000 x 20,000 in 0.147 s (Newton-CG
  0.280), features scaled 1e-3 .. 1e3 (50,000 x 20) in 0.016 s (Newton
  0.021), nearly separable 20,000 x 20 in 0.009 s (Newton 0.016), a
  5-class softmax 50,000 x 50 in 0.193 s (Newton-CG 0.354, Newton 0.580).
* Newton wins when the whole Hessian costs less than the L-BFGS iterations
  it saves: on breast_cancer (569 x 30, n * p**2 = 5.5e5) Newton takes
  0.003 s against 0.005 s, while at 20,000 x 20 (n * p**2 = 8.8e6) it is
  already slower (0.016 s against 0.009 s). The cut is placed between the
  two, at n * p**2 = 2e6 flops for the Hessian, for dense X only: a sparse
  Hessian product is slower than BLAS (CSR 400 x 60: Newton 0.021 s,
  L-BFGS 0.008 s), so sparse X gets Newton only below a tenth of that cut,
  where either takes milliseconds and Newton's machine-precision optimum
  is worth them (scikit-learn's sample-weight equivalence check, rtol
  1e-7 on probabilities, fails at L-BFGS's default tolerance).
* dtype does not change the choice: float32 X runs the same algorithms
  with float32 passes over the data.
* Conditioning that no column scaling fixes (nearly collinear features)
  makes L-BFGS take many iterations where Newton takes as few as ever. It
  is read before the fit from a row sample's Gram
  (``objective.curvature.sampled_condition``, unit-diagonal after column
  scaling) wherever that Gram costs at most ``PROBE_MAX_PASSES`` forward
  passes' flops (``probe_pays``): at a condition number of 1e3 or more
  dense X takes Newton with at most 256 parameters, whose first Hessian
  on large data then comes from 2,000 evenly spaced rows
  (``first_hessian_rows``), and Newton-CG with more (a softmax on image
  pixels), whose Hessian products need no ``p x p`` matrix.
  ``benchmarks/bench_conditioning.py`` gives the grid behind the cut:
  L-BFGS takes 1.3x to 1.8x Newton's time below 1e3, 2.0x to 4.6x from
  2e3 up. An exactly singular sample (condition near ``1 / eps``) keeps
  L-BFGS, which never moves along the null directions. On
  ``collinear-20kx50`` auto went from 0.046 s (L-BFGS, then Newton) to
  0.013 s. CPU ms to a gap of 1e-8, one thread, AMD EPYC, 2026-12-06,
  L-BFGS against the choice now: scikit-learn's digits (1,797 x 64
  standardised, 10 classes, condition 1.7e3) 60 against Newton-CG's 48
  (scikit-learn's best, newton-cg, 60); nearly collinear 10-class softmax
  on 5,000 x 50, 81 against 31 (scikit-learn 33); 50,000 x 300 binary,
  688 against 359 (Newton 583, scikit-learn 833). What the probe costs
  where it finds nothing, in share of the whole ``auto`` fit: 4% at 10,000
  x 50 and 15,000 x 100, 9% at 5,000 x 50, 15% at 3,000 x 100 (Gram 27
  passes), 42% at 5,000 x 200 (65 passes: not probed).
  Where the probe does not run (sparse or wide data), the fit lets
  L-BFGS run for the cost of a whole Newton fit and then hands over to
  Newton (``newton_fallback``): on 20,000 x 50 with columns
  ``f + 0.001 * e_j``, unpenalised, 114 L-BFGS iterations become 37.
* Where L-BFGS is chosen on long dense data (at most
  ``SAMPLED_START_MAX_PARAMS`` parameters, at least
  ``SAMPLED_START_MIN_ROWS_PER_SAMPLE_ROW`` times the sample's rows) and
  the fit starts from zero coefficients, it starts instead at the optimum of
  ``max(2000, 100 * (d + 1))`` evenly spaced rows, fitted by Newton, with
  that sample's Hessian as its initial inverse-Hessian estimate
  (``sampled_start_rows``, ``logitron.sampled_start``). The sample costs
  about one pass over the data (1.6 ms at 100,000 x 20, 23 ms at 200,000 x
  100) and saves two to ten L-BFGS iterations at the benchmark's
  tolerances (6 -> 3 at 100,000 x 20, 6 -> 4 at 200,000 x 100, 17 -> 7
  nearly separable, 14 -> 5 on the 5-class softmax). ``auto``'s CPU
  seconds after / before, interleaved in one process (median of 11; 7 for
  softmax), Intel Xeon, 2 cores, 1 BLAS thread, 2026-12-05, the other core
  busy with another benchmark: dense 100,000 x 20 0.75 (C=inf 0.77),
  200,000 x 100 0.95 (0.90), unscaled 50,000 x 20 0.83 (0.83), nearly
  separable 20,000 x 20 0.65 (0.71), softmax 50,000 x 50 K=5 0.76 (0.74).
* On Dask, where each iteration costs a scheduler round trip, Newton
  (fewest iterations) is chosen while the Hessian has at most 1,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends import ArrayData
from ..objective.curvature import condition_sample_size
from .registry import SOLVERS

#: Largest ``n_samples * n_params**2`` (flops of one Hessian) given to Newton.
NEWTON_MAX_HESSIAN_FLOPS = 2e6
#: Smallest sampled condition number (``objective.curvature.sampled_condition``)
#: that sends a dense problem to Newton whatever its size.
NEWTON_MIN_CONDITION = 1e3
#: Sampled condition numbers above this share of ``1 / eps`` of the data's
#: dtype mean exactly collinear columns (singular to rounding), which L-BFGS
#: fits as fast as ever: it never moves along the null directions.
SINGULAR_CONDITION_EPS_SHARE = 1e-4
#: Most parameters for which an ill-conditioned problem goes to Newton;
#: above, to Newton-CG.
NEWTON_MAX_PARAMS_ILL_CONDITIONED = 256
#: The probe runs where its Gram (``rows * width**2`` flops) costs at most
#: this many forward passes over the data (``n * width * outputs`` flops
#: each); Gram flops run at BLAS-3 speed, several times a pass's.
PROBE_MAX_PASSES = 32
#: Newton's first Hessian comes from a sample only on data of at least this
#: many times its rows (it then costs at most an eighth of a full one).
FIRST_HESSIAN_MIN_ROWS_PER_SAMPLE_ROW = 8
#: Rows of the sample whose Hessian auto's Newton takes for its first step,
#: at least, and per column of ``[X | 1]``.
FIRST_HESSIAN_MIN_ROWS = 2000
FIRST_HESSIAN_ROWS_PER_COLUMN = 8
#: Rows of the sample that ``solver="auto"``'s L-BFGS starts from (its
#: optimum and Hessian, ``sampled_start``): at least, and per column of
#: ``[X | 1]``.
SAMPLED_START_MIN_ROWS = 2000
SAMPLED_START_ROWS_PER_COLUMN = 100
#: Most parameters (all outputs') for which L-BFGS starts from a sample: each
#: of its Hessians costs ``rows * p**2``, at p = 255 about 1.7e8 flops on
#: 5,100 rows, a few passes over data of 8 times the rows.
SAMPLED_START_MAX_PARAMS = 256
#: The sampled start runs only on data of at least this many times its
#: sample's rows: below that its Newton fit costs what it saves.
SAMPLED_START_MIN_ROWS_PER_SAMPLE_ROW = 8
#: Smallest dense float64 ``X`` (bytes) over whose float32 copy ``auto``'s
#: L-BFGS takes its first iterations (``lbfgs``'s ``coarse``).
FLOAT32_PASSES_MIN_BYTES = 32 * 2**20
#: Largest ``|x|`` copied to float32 for those iterations: ``z = X @ w`` in
#: float32 then stays far from overflow (float32's largest is about 2**128).
FLOAT32_MAX_ABS = 2.0**64


def choose_solver(
    n_samples: float,
    n_features: int,
    n_classes: int,
    is_sparse: bool,
    dtype: Any,
    l1: bool,
    distributed: bool = False,
    condition: Callable[[], float] | None = None,
) -> str:
    """The registered solver expected to reach the optimum fastest.

    ``l1`` asks for a solver that handles the non-smooth L1 term: the first
    registered one that does. ``condition`` estimates the condition number
    that column scaling leaves (``objective.curvature.sampled_condition``);
    it is called only where the choice depends on it, and None (Dask, device
    arrays) never picks Newton by conditioning.
    """
    if l1:
        for name, solver in SOLVERS.items():
            if solver.handles_l1:
                return name
        raise ValueError("no registered solver handles an L1 penalty")
    n_params = (n_features + 1) * (1 if n_classes <= 2 else n_classes)
    if distributed:
        # On Dask every iteration is a round trip through the scheduler, so
        # the fewest iterations win: Newton while its (p, p) Hessian is small.
        return "newton" if n_params <= 1_000 else "lbfgs"
    hessian_flops = n_samples * n_params**2
    if hessian_flops <= NEWTON_MAX_HESSIAN_FLOPS / (10 if is_sparse else 1):
        return "newton"
    if condition is None or is_sparse or not probe_pays(n_samples, n_features, n_classes):
        return "lbfgs"
    singular = SINGULAR_CONDITION_EPS_SHARE / float(np.finfo(dtype).eps)
    if not NEWTON_MIN_CONDITION <= condition() < singular:
        return "lbfgs"
    return "newton" if n_params <= NEWTON_MAX_PARAMS_ILL_CONDITIONED else "newton-cg"


def probe_pays(n_samples: float, n_features: int, n_classes: int) -> bool:
    """Whether ``sampled_condition``'s Gram costs at most
    ``PROBE_MAX_PASSES`` forward passes' flops: its ``rows * width**2``
    against ``n_samples * width * outputs`` per pass."""
    width = n_features + 1
    rows = min(n_samples, condition_sample_size(width))
    outputs = 1 if n_classes <= 2 else n_classes
    return rows * width <= PROBE_MAX_PASSES * n_samples * outputs


def first_hessian_rows(
    n_samples: float, n_features: int, n_classes: int, is_sparse: bool
) -> int | None:
    """Rows of the sample whose Hessian ``solver="auto"``'s Newton takes for
    its first step from zero coefficients (None: the full Hessian).

    Only where Newton was chosen for conditioning (a Hessian above the
    size cut), on dense data of at least ``FIRST_HESSIAN_MIN_ROWS_PER_SAMPLE_ROW``
    times the sample's rows: there the first of its two or three Hessians
    costs a sizeable share of the fit, and from zero coefficients, where
    the curvature of every row is the same, a sample of ``m`` rows
    estimates it to about ``sqrt(w / m)`` in the metric of the full Hessian (0.11 and 0.18 at
    20,000 x 20 and 20,000 x 50, nearly collinear, 2,000 rows): close
    enough for a step from far away.
    """
    n_params = (n_features + 1) * (1 if n_classes <= 2 else n_classes)
    if is_sparse or n_samples * n_params**2 <= NEWTON_MAX_HESSIAN_FLOPS:
        return None
    size = max(FIRST_HESSIAN_MIN_ROWS, FIRST_HESSIAN_ROWS_PER_COLUMN * (n_features + 1))
    return size if n_samples >= FIRST_HESSIAN_MIN_ROWS_PER_SAMPLE_ROW * size else None


def sampled_start_rows(
    n_samples: float, n_features: int, n_classes: int, is_sparse: bool
) -> int | None:
    """Rows of the sample whose optimum and Hessian start ``solver="auto"``'s
    L-BFGS (``sampled_start``), or None: no sampled start.

    Dense data with at most ``SAMPLED_START_MAX_PARAMS`` parameters (all
    outputs') and at least ``SAMPLED_START_MIN_ROWS_PER_SAMPLE_ROW`` times
    the sample's ``max(SAMPLED_START_MIN_ROWS, SAMPLED_START_ROWS_PER_COLUMN
    * (n_features + 1))`` rows. Rows are counted per column of ``[X | 1]``,
    not per parameter: a softmax sample of ``K`` outputs then costs the
    Hessian's ``K**2`` blocks, not ``K**3`` of them.
    """
    n_params = (n_features + 1) * (1 if n_classes <= 2 else n_classes)
    if is_sparse or n_params > SAMPLED_START_MAX_PARAMS:
        return None
    size = max(SAMPLED_START_MIN_ROWS, SAMPLED_START_ROWS_PER_COLUMN * (n_features + 1))
    return size if n_samples >= SAMPLED_START_MIN_ROWS_PER_SAMPLE_ROW * size else None


def float32_passes_pay(data: ArrayData) -> bool:
    """Whether L-BFGS on ``data`` starts over a float32 copy: dense
    float64 ``X`` of at least ``FLOAT32_PASSES_MIN_BYTES``,
    where passes read memory rather than cache (half the bytes is nearly
    half the time) and the copy, about one pass, is paid back within the
    first iterations; and only where the input check's column sums of
    squares bound every ``|x|`` (``sqrt`` of its column's sum) far inside
    float32's range, so that the copy holds no overflow.

    One thread, fastest of four fits, AMD EPYC, 2026-12-07, after / before
    at ``tol`` 1e-6 and 1e-8: wide 2,000 x 5,000 0.63 and 0.69 (31 and 44
    iterations either way), 20,000 x 1,000 0.82 and 0.86, 200,000 x 100
    0.75 and 0.79; below the cut, at 16 to 20 MB, 0.88 to 1.05.
    """
    if data.is_sparse or data.dtype != np.float64 or data.column_squares is None:
        return False
    largest = float(np.sqrt(np.max(data.column_squares, initial=0.0)))
    return data.X.nbytes >= FLOAT32_PASSES_MIN_BYTES and largest <= FLOAT32_MAX_ABS
