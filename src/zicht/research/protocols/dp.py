"""Differentially private noise on released totals, through OpenDP's discrete Laplace mechanism.

The hub adds noise to the aggregated totals of a study that asks for differential privacy,
after secure aggregation and before disclosure control, so that suppression decides on the
noisy values and stays post-processing.

Privacy unit and sensitivity: a table counts records (signals, cases, distinct entities or
interventions). If one protected unit -- the study defines which, normally a person or an
entity -- can change the tables by at most ``l1_sensitivity`` in total over all cells and all
regions (the *contribution bound*), then adding integer Laplace noise with scale
``l1_sensitivity / epsilon`` to every cell makes the release ``epsilon``-DP (pure DP, the
``MaxDivergence`` measure). For a count where each unit falls in exactly one cell of one
region's table the bound is 1; a unit that can appear in ``c`` cells (a multi-valued breakdown
such as indicator) or in ``r`` regions needs ``l1_sensitivity = c * r``. The caller derives it
from the metric and breakdown; this module does not guess.

OpenDP marks its mechanisms as "contrib" (not yet formally vetted) and requires
``enable_features("contrib")``; we opt in inside :func:`_calibrated`, where it is used, rather
than on import. OpenDP samples from its own cryptographically secure generator; the noise cannot
be seeded, so tests of this module are statistical with negligible failure probabilities.
The discrete mechanism avoids the floating-point attacks on textbook Laplace (Mironov 2012).
The scale is checked with OpenDP's own privacy map, not only computed, so a rounding error can
only make the noise larger.
"""

import math
from collections.abc import Sequence

import opendp.prelude as dp

from zicht.research.protocols.errors import InvalidInputError, InvalidParametersError

MAX_RELEASED_TOTAL = 2**62
"""Totals travel through OpenDP as 64-bit integers; this leaves room for the noise."""


def add_noise(
    totals: Sequence[int],
    *,
    epsilon: float,
    l1_sensitivity: int = 1,
    clamp_at_zero: bool = True,
) -> list[int]:
    """``totals`` with discrete Laplace noise, ``epsilon``-DP for the given sensitivity.

    Negative noisy counts are set to 0 when ``clamp_at_zero`` (post-processing: it costs no
    privacy, and a negative count would only confuse readers of the release).
    """
    values = list(totals)
    for index, value in enumerate(values):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInputError(f"total {index} is not an integer: {value!r}")
        if not 0 <= value <= MAX_RELEASED_TOTAL:
            raise InvalidInputError(f"total {index} is {value}, outside [0, {MAX_RELEASED_TOTAL}]")
    measurement, _ = _calibrated(epsilon=epsilon, l1_sensitivity=l1_sensitivity)
    noisy: list[int] = measurement(values)
    return [max(v, 0) for v in noisy] if clamp_at_zero else noisy


def noise_scale(*, epsilon: float, l1_sensitivity: int = 1) -> float:
    """The Laplace scale :func:`add_noise` uses (at least ``l1_sensitivity / epsilon``)."""
    _, scale = _calibrated(epsilon=epsilon, l1_sensitivity=l1_sensitivity)
    return scale


def accuracy(*, epsilon: float, l1_sensitivity: int = 1, alpha: float = 0.05) -> float:
    """Half-width ``a``: each noisy cell is within ``a`` of the true total with probability
    ``1 - alpha``. For the method statement of a release ("± a with 95% confidence")."""
    if not 0 < alpha < 1:
        raise InvalidParametersError(f"alpha must be in (0, 1), got {alpha!r}")
    scale = noise_scale(epsilon=epsilon, l1_sensitivity=l1_sensitivity)
    half_width: float = dp.discrete_laplacian_scale_to_accuracy(scale=scale, alpha=alpha)
    return half_width


def _calibrated(*, epsilon: float, l1_sensitivity: int) -> tuple[dp.Measurement, float]:
    """The discrete Laplace measurement for ``epsilon`` and its scale, checked by OpenDP."""
    if not isinstance(epsilon, int | float) or not math.isfinite(epsilon) or epsilon <= 0:
        raise InvalidParametersError(f"epsilon must be a positive finite number, got {epsilon!r}")
    if not isinstance(l1_sensitivity, int) or isinstance(l1_sensitivity, bool):
        raise InvalidParametersError("l1_sensitivity must be an integer")
    if l1_sensitivity < 1:
        raise InvalidParametersError("l1_sensitivity must be at least 1")
    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
    scale = l1_sensitivity / float(epsilon)
    # Nudge the scale up until OpenDP's privacy map confirms epsilon (float division can land
    # one ulp low, e.g. 7 / 0.7); in practice this takes at most a step or two.
    for _ in range(16):
        measurement = dp.m.make_laplace(*space, scale=scale)
        if measurement.check(l1_sensitivity, float(epsilon)):
            return measurement, scale
        scale = math.nextafter(scale, math.inf)
    raise InvalidParametersError(f"no scale found for epsilon={epsilon}")  # pragma: no cover
