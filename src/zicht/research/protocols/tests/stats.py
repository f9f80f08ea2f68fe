"""Chi-square statistics with the standard library, for the privacy tests.

The p-value is approximated by the Wilson-Hilferty transformation, which turns a chi-square
statistic with ``k`` degrees of freedom into an approximately standard normal ``z``; it is
accurate to a few per cent for ``k >= 10``, ample for thresholds as generous as ``z < 4``
(a one-sided p-value of about 3e-5).
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence

Z_THRESHOLD = 4.0


def counts(samples: Iterable[int], bins: int) -> list[int]:
    tally = Counter(samples)
    assert set(tally) <= set(range(bins)), "a sample falls outside the bins"
    return [tally[b] for b in range(bins)]


def chi_square_uniform(observed: Sequence[int]) -> tuple[float, int]:
    """Goodness of fit to the uniform distribution: statistic and degrees of freedom."""
    total = sum(observed)
    expected = total / len(observed)
    statistic = sum((o - expected) ** 2 / expected for o in observed)
    return statistic, len(observed) - 1


def chi_square_homogeneity(a: Sequence[int], b: Sequence[int]) -> tuple[float, int]:
    """Whether two samples come from the same distribution: statistic and degrees of freedom."""
    n_a, n_b = sum(a), sum(b)
    statistic, used = 0.0, 0
    for count_a, count_b in zip(a, b, strict=True):
        pooled = count_a + count_b
        if pooled == 0:
            continue
        used += 1
        expected_a = n_a * pooled / (n_a + n_b)
        expected_b = n_b * pooled / (n_a + n_b)
        statistic += (count_a - expected_a) ** 2 / expected_a
        statistic += (count_b - expected_b) ** 2 / expected_b
    return statistic, max(used - 1, 1)


def z_score(statistic: float, dof: int) -> float:
    """Wilson-Hilferty: (X/k)^(1/3) is roughly normal with mean 1 - 2/(9k), var 2/(9k)."""
    mean = 1 - 2 / (9 * dof)
    return ((statistic / dof) ** (1 / 3) - mean) / math.sqrt(2 / (9 * dof))
