"""The copy hash's fast canonical bytes are exactly protocol.signing.canonical_json's (stored hashes stay valid)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.intermediate.service.copies import canonical_bytes
from renkei.protocol.signing import canonical_json

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text()
    | st.dates()
    | st.sampled_from(["\x00\x1f\x7f", "\u2028\u2029", '"\\/', "全角　スペース", "😀", "\ud800"])
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
)


def _same(material: Any) -> None:
    try:
        expected = canonical_json(material)
    except (UnicodeEncodeError, TypeError, ValueError):
        expected = None
    try:
        got = canonical_bytes(material)
    except (UnicodeEncodeError, TypeError, ValueError):
        got = None
    assert got == expected


@settings(max_examples=400, deadline=None)
@given(_values)
def test_fast_canonical_bytes_equal_canonical_json(material: Any) -> None:
    _same(material)


def test_a_typical_copy_hash_material() -> None:
    _same(
        [
            "1",
            "000000000000001",
            "TM1",
            "0101",
            "2025",
            "0002",
            dt.date(2025, 6, 1),
            None,
            {"items": {"TK2": "3", "TK1": 2500000, "TK3": None}, "null": {"TK3": "NotAcceptable"}},
        ]
    )
