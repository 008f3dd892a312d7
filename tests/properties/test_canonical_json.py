"""canonical_json is fast (orjson) and must write exactly the reference encoder's bytes for what renkei signs."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.protocol import signing

REFERENCE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)))
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=values)
def test_it_writes_the_reference_encoders_bytes(value: object) -> None:
    if isinstance(value, float):
        return
    assert signing.canonical_json(value) == REFERENCE.encode(value).encode("utf-8")


def test_dates_and_times_are_written_as_iso_text() -> None:
    at = dt.datetime(2026, 12, 7, 10, 0, 0, 123, tzinfo=dt.UTC)
    assert signing.canonical_json({"at": at, "on": dt.date(2026, 12, 7)}) == (
        b'{"at":"2026-12-07T10:00:00.000123+00:00","on":"2026-12-07"}'
    )
