"""The jukinet wire: typed client calls over the in-process transport, errors raised again on the caller's side."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import ids
from renkei.core.errors import Invalid, NotFound
from renkei.protocol.jukinet import JukinetClient, Person
from renkei.runtime import Runtime


def test_the_client_registers_issues_and_resolves_over_the_transport(runtime: Runtime) -> None:
    client = JukinetClient(runtime.transport)
    assert client.register_municipality("131016").name == "東京都千代田区"
    assert [m.lg_code for m in client.municipalities()] == ["131016"]
    assert client.municipality("131016").city == "千代田区"
    codes = client.issue_juminhyo_codes("131016", 2)
    people = [
        Person(
            juminhyo_code=c,
            name="山田　太郎",
            name_kana="ヤマダ　タロウ",
            birth_date=dt.date(1970, 1, 1),
            sex="1",
            address="東京都千代田区",
        )
        for c in codes
    ]
    numbered = client.register_persons("131016", people)
    assert [n.juminhyo_code for n in numbered] == codes
    assert all(ids.is_valid_mynumber(n.mynumber) for n in numbered)
    assert client.identity(codes[0]).name == "山田　太郎"
    acquisition = client.issue_acquisition_numbers("131016", codes)
    assert client.resolve_acquisition_numbers(acquisition) == codes


def test_domain_errors_cross_the_wire_with_their_field(runtime: Runtime) -> None:
    client = JukinetClient(runtime.transport)
    with pytest.raises(NotFound) as missing:
        client.municipality("131121")
    assert missing.value.field == "地方公共団体コード"
    with pytest.raises(Invalid) as bad:
        runtime.transport.call("jukinet", "register_persons", {"lg_code": "131016", "persons": [{"name": 1}]})
    assert bad.value.field == "persons" and bad.value.record == "persons.0.juminhyo_code"
    with pytest.raises(Invalid):
        runtime.transport.call("jukinet", "resolve_acquisition_numbers", {"acquisition_numbers": "x"})
    with pytest.raises(NotFound):
        runtime.transport.call("jukinet", "no_such_operation", {})
