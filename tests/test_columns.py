"""Compiled sums give numpy's bits: ``pairwise_sum`` against ``ndarray.sum``."""

import numpy as np

from bubblesim.columns import maximum, pairwise_sum, seq_sum


def test_pairwise_sum_is_numpys_sum_bit_for_bit():
    rng = np.random.default_rng(1)
    sizes = [*range(300), 1000, 4097, 8191, 8192, 8193, 20000]
    for n in sizes:
        for trial in range(8):
            values = rng.standard_normal(n) * 10 ** rng.uniform(-5, 12, n)
            if trial == 1:
                values = np.abs(values)
            if trial == 2 and n:
                values[rng.integers(0, n, 2)] = -0.0
            if trial == 3:
                values[:] = -0.0
            if trial == 4 and n:
                values[rng.integers(0, n)] = np.inf
            expected = np.float64(seq_sum(values)).tobytes()
            assert np.float64(pairwise_sum(values)).tobytes() == expected, (n, trial)


def test_maximum_is_numpys_maximum_bit_for_bit():
    values = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324]
    for a in values:
        for b in values:
            expected = np.float64(np.maximum(a, b)).tobytes()
            assert np.float64(maximum(a, b)).tobytes() == expected, (a, b)
