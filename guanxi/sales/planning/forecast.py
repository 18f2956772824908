"""The projection of order amounts from the last 12 months (deterministic, pure).

For the 12 complete months before the current one, ``y[0..11]`` (oldest first):

* trend: the least-squares line ``a + b·t`` through ``(t, y[t])``, ``t = 0..11``;
* seasonal naive: the same month one year earlier, ``y[t - 12]``;
* projection for month ``t = 11 + h`` (``h = 1`` is the current month): the mean of the
  trend and the seasonal naive value (the trend alone past 12 months ahead), never below
  zero, rounded half-up to 2 places.

Exact decimal arithmetic, so the same series always gives the same figures.
"""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
TWO = Decimal("2")
CENT = Decimal("0.01")


def trend_line(history):
    """``(a, b)`` of the least-squares line through ``(t, history[t])``."""
    n = len(history)
    if n == 0:
        return ZERO, ZERO
    values = [Decimal(value) for value in history]
    if n == 1:
        return values[0], ZERO
    t_mean = Decimal(n - 1) / TWO
    y_mean = sum(values, ZERO) / Decimal(n)
    spread = sum(((Decimal(t) - t_mean) ** 2 for t in range(n)), ZERO)
    slope = sum(((Decimal(t) - t_mean) * (values[t] - y_mean) for t in range(n)), ZERO) / spread
    return y_mean - slope * t_mean, slope


def project(history, horizon):
    """The projection for the ``horizon`` months after ``history`` (see the module)."""
    values = [Decimal(value) for value in history]
    n = len(values)
    a, b = trend_line(values)
    result = []
    for h in range(1, horizon + 1):
        t = n - 1 + h
        trend = a + b * Decimal(t)
        back = t - 12
        seasonal = values[back] if 0 <= back < n else trend
        value = max((trend + seasonal) / TWO, ZERO)
        result.append(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return result


def error_percent(forecast, actual):
    """(forecast − actual) / actual in percent (one decimal); None when actual is 0."""
    if forecast is None or not actual:
        return None
    return ((Decimal(forecast) - Decimal(actual)) * 100 / Decimal(actual)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
