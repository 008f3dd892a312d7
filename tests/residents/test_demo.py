"""The residents part of the demo: two municipalities populated and synced, and a second run changes nothing."""

from __future__ import annotations

from renkei.demo.residents import setup
from renkei.runtime import Runtime


def test_the_demo_populates_both_municipalities_and_is_idempotent(runtime: Runtime) -> None:
    first = setup(runtime, lg_codes=["131016", "131121"], population=60, seed=2)
    assert first[0].startswith("住民記録")
    assert "131016 東京都千代田区: 住民 60 人" in first[1]
    assert "131121 東京都世田谷区: 住民 61 人" in first[2]  # one moved in from 千代田区
    second = setup(runtime, lg_codes=["131016", "131121"], population=60, seed=2)
    assert [line.rsplit("/", 1)[0] for line in second] == [line.rsplit("/", 1)[0] for line in first]
    assert second[1].endswith("異動反映 0 件")
