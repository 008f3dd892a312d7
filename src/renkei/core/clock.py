"""The one clock every component reads, so tests can freeze time at named instants (CONVENTIONS §9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

JST = dt.timezone(dt.timedelta(hours=9), "JST")

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Japan (the legal calendar of every act in renkei)."""
    return now().astimezone(JST).date()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze `now()` at `at` (naive values are taken as UTC) for the duration of the block."""
    global _frozen  # noqa: PLW0603 - the process clock is deliberately one global
    previous = _frozen
    _frozen = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
