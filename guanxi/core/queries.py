"""Small query helpers every app's selectors share."""


def first_and_count(queryset, limit):
    """``(rows, count)``: the first ``limit`` rows and how many there are in all. One
    query when they all fit in ``limit`` (the usual case of a start page card: a few or
    none), a count only when there are more."""
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, len(rows)
    return rows[:limit], queryset.count()
