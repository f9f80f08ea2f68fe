"""Differentially private noise through OpenDP.

OpenDP draws from its own cryptographically secure generator and cannot be seeded, so these
tests are statistical; each docstring gives the chance that a correct implementation fails.
"""

import math

import pytest

from zicht.research.protocols.dp import MAX_RELEASED_TOTAL, accuracy, add_noise, noise_scale
from zicht.research.protocols.errors import InvalidInputError, InvalidParametersError


def test_noise_is_applied():
    """P(discrete Laplace noise = 0) at scale 1 is (1 - e^-1) / (1 + e^-1) < 0.47; all 200
    cells unchanged has probability below 1e-65."""
    totals = [500] * 200
    noisy = add_noise(totals, epsilon=1.0)
    assert len(noisy) == len(totals)
    assert noisy != totals
    assert all(isinstance(v, int) for v in noisy)


def test_the_noise_has_the_calibrated_scale():
    """Mean |noise| at scale 10 is 2q / (1 - q^2) with q = e^-0.1, about 9.98, with a standard
    error of about 0.22 over 2,000 cells: the window is more than six standard errors wide."""
    noisy = add_noise([10_000] * 2000, epsilon=0.5, l1_sensitivity=5, clamp_at_zero=False)
    mean_abs = sum(abs(v - 10_000) for v in noisy) / len(noisy)
    assert 8.5 < mean_abs < 11.5


def test_scale_is_at_least_sensitivity_over_epsilon_even_when_division_rounds_down():
    assert noise_scale(epsilon=1.0) == 1.0
    # 7 / 0.7 is 10.000000000000002 in floating point, whose privacy map still says epsilon > 0.7
    # for some scales; the scale is raised until OpenDP confirms the epsilon.
    assert noise_scale(epsilon=0.7, l1_sensitivity=7) >= 7 / 0.7


def test_accuracy_matches_the_noise():
    """About 95% of cells fall within the stated half-width; with 4,000 cells the observed
    share is below 93% with probability under 1e-9."""
    half_width = accuracy(epsilon=1.0)
    assert 3 < half_width < 4
    noisy = add_noise([1000] * 4000, epsilon=1.0, clamp_at_zero=False)
    within = sum(abs(v - 1000) <= half_width for v in noisy) / len(noisy)
    assert within > 0.93


def test_negative_noisy_counts_are_clamped_to_zero_unless_asked_not_to():
    """With 500 zero cells at scale 10, no negative output has probability about 2^-500."""
    assert min(add_noise([0] * 500, epsilon=0.1)) == 0
    assert min(add_noise([0] * 500, epsilon=0.1, clamp_at_zero=False)) < 0


@pytest.mark.parametrize("epsilon", [0, -1, math.inf, math.nan, "1"])
def test_invalid_epsilons_are_refused(epsilon):
    with pytest.raises(InvalidParametersError):
        add_noise([1], epsilon=epsilon)


@pytest.mark.parametrize("sensitivity", [0, -1, 1.5, True])
def test_invalid_sensitivities_are_refused(sensitivity):
    with pytest.raises(InvalidParametersError):
        add_noise([1], epsilon=1.0, l1_sensitivity=sensitivity)


@pytest.mark.parametrize("totals", [[-1], [MAX_RELEASED_TOTAL + 1], [1.0], [False]])
def test_totals_must_be_non_negative_integers(totals):
    with pytest.raises(InvalidInputError):
        add_noise(totals, epsilon=1.0)


def test_alpha_must_be_a_probability():
    with pytest.raises(InvalidParametersError):
        accuracy(epsilon=1.0, alpha=1.5)
