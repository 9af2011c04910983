"""Small statistics without SciPy: t and normal quantiles, confidence intervals, rounding.

The database returns n, mean and sample standard deviation (``followup.selectors.outcomes``); the
interval around the mean needs Student's t quantile for n - 1 degrees of freedom. For integer
degrees of freedom the two-sided t probability has a closed form (Abramowitz and Stegun 26.7.3
and 26.7.4), which we invert by bisection: exact to 1e-12 for the cohort sizes a clinic has.
Above ``EXACT_DF_LIMIT`` the Cornish-Fisher expansion around the normal quantile is used; its
error there is below 1e-9, far under the one decimal the pages show.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

EXACT_DF_LIMIT = 400


def round_half_up(value: Decimal | float | int, places: int = 1) -> Decimal:
    """Round like a clinician reads a number: 2.25 -> 2.3, -2.25 -> -2.3 (half away from zero).

    Floats go through ``repr`` first so 2.675 stays 2.675 instead of its binary 2.67499...
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot round {value!r}")
        value = Decimal(repr(value))
    quantum = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF, for 0 < p < 1.

    A rational starting guess (central and tail regions) refined by Newton steps on ``erfc``,
    which converge to machine precision in two or three steps.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability {p!r} must be strictly between 0 and 1")
    if p < 0.5:
        return -normal_quantile(1.0 - p)
    if p == 0.5:
        return 0.0
    # Starting point: the logistic-like tail approximation is good to ~1e-2, enough for Newton.
    t = math.sqrt(-2.0 * math.log(1.0 - p))
    x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (
        1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3
    )
    for _ in range(6):
        cdf = 0.5 * math.erfc(-x / math.sqrt(2.0))
        pdf = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        step = (cdf - p) / pdf
        x -= step
        if abs(step) < 1e-15:
            break
    return x


def t_central_probability(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer ``df`` >= 1 (A&S 26.7.3 odd, 26.7.4 even)."""
    if df < 1 or int(df) != df:
        raise ValueError(f"degrees of freedom {df!r} must be a positive integer")
    if t <= 0:
        return 0.0
    theta = math.atan(t / math.sqrt(df))
    sin_t, cos_t = math.sin(theta), math.cos(theta)
    cos2 = cos_t * cos_t
    if df % 2 == 1:
        total = 0.0
        if df > 1:
            # cos(theta) + 2/3 cos^3 + (2*4)/(3*5) cos^5 + ... up to cos^(df-2)
            term = total = cos_t
            for k in range(3, df - 1, 2):
                term *= cos2 * (k - 1) / k
                total += term
        return min(1.0, 2.0 / math.pi * (theta + sin_t * total))
    # 1 + 1/2 cos^2 + (1*3)/(2*4) cos^4 + ... up to cos^(df-2)
    term = total = 1.0
    for k in range(2, df - 1, 2):
        term *= cos2 * (k - 1) / k
        total += term
    return min(1.0, sin_t * total)


def _cornish_fisher(z: float, df: int) -> float:
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def t_critical(*, df: int, confidence: float = 0.95) -> float:
    """Two-sided critical value: P(|T| <= t) = confidence (2.228 for df 10 at 95 %)."""
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"degrees of freedom {df!r} must be a positive integer")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence {confidence!r} must be strictly between 0 and 1")
    if df > EXACT_DF_LIMIT:
        return _cornish_fisher(normal_quantile(0.5 + confidence / 2), df)
    low, high = 0.0, 2.0
    while t_central_probability(high, df) < confidence:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2
        if t_central_probability(mid, df) < confidence:
            low = mid
        else:
            high = mid
        if high - low < 1e-13 * max(1.0, high):
            break
    return (low + high) / 2


def mean_ci(
    *, n: int, mean: Decimal | float | None, sd: Decimal | float | None, confidence: float = 0.95
) -> tuple[Decimal, Decimal] | None:
    """t-interval for a mean from n, mean and sample SD; None when it cannot be computed (n < 2)."""
    if mean is None or sd is None or n is None or n < 2:
        return None
    mean_d, sd_d = Decimal(str(mean)), Decimal(str(sd))
    if sd_d < 0:
        raise ValueError(f"standard deviation {sd!r} is negative")
    half = Decimal(repr(t_critical(df=n - 1, confidence=confidence))) * sd_d / Decimal(n).sqrt()
    return mean_d - half, mean_d + half


def wilson_interval(
    *, successes: int, n: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Wilson score interval for a proportion (0-1); None for n = 0.

    Chosen over the normal approximation because complication counts are small and often zero,
    where the plain interval collapses to [0, 0].
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"{successes} of {n} is not a proportion")
    if n == 0:
        return None
    z = normal_quantile(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def share(part: int, whole: int) -> Decimal | None:
    """Percentage part/whole rounded half-up to one decimal; None when whole is 0."""
    if not whole:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole), 1)
