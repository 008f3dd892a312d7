"""ARCHITECTURE §2 for the linkage: no My Number or 住民票コード at the hub or the intermediate server, 符号 that
differ per agency, answers the hub stores only as ciphertext."""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa

from renkei.core.db import Base
from renkei.hub.models import HubQuery
from renkei.intermediate.models import IntermediateSign
from renkei.jukinet.models import JukinetJuminhyoCode
from renkei.residents import service as residents
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, INCOME, SETAGAYA, TAX_ITEMS
from tests.linkage.scenario import run_scenario
from tests.linkage.test_in_process import InProcess


def cells(runtime: Runtime, node: str, prefix: str) -> list[str]:
    """Every value of every row of the node's tables whose name starts with `prefix`, as text."""
    out = []
    with runtime.session(node) as session:
        for name, table in Base.metadata.tables.items():
            if not name.startswith(prefix):
                continue
            for row in session.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        out += [value.hex(), value.decode("latin-1")]
                    elif isinstance(value, dict | list):
                        out.append(json.dumps(value, ensure_ascii=False))
                    elif value is not None:
                        out.append(str(value))
    return out


def secrets_of(runtime: Runtime) -> tuple[set[str], set[str]]:
    mynumbers: set[str] = set()
    for lg_code in (CHIYODA, SETAGAYA):
        with runtime.municipal_session(lg_code) as session:
            for person in residents.list_residents(session, status=None, limit=1000):
                mynumbers.add(
                    residents.mynumber_of(session, resident_id=person.id, settings=runtime.settings)
                )
    with runtime.session("jukinet") as session:
        codes = set(session.scalars(sa.select(JukinetJuminhyoCode.code)))
    return mynumbers, codes


def test_the_hub_and_intermediate_servers_hold_no_my_number_or_juminhyo_code_and_answers_stay_sealed(
    runtime: Runtime,
) -> None:
    net = InProcess(runtime)
    try:
        father = run_scenario(net)
    finally:
        net.close()
    mynumbers, codes = secrets_of(runtime)
    assert mynumbers and codes
    scanned = (
        cells(runtime, "hub", "hub_")
        + cells(runtime, "lg" + CHIYODA, "intermediate_")
        + cells(runtime, "lg" + SETAGAYA, "intermediate_")
    )
    assert len(scanned) > 100
    leaks = [v for v in scanned for secret in mynumbers | codes if secret in v]
    assert leaks == []

    # 符号 of two agencies for one person differ (A's, kept after the move, and B's).
    with runtime.municipal_session(CHIYODA) as session:
        at_a = session.scalar(
            sa.select(IntermediateSign.sign).where(IntermediateSign.integrated_number == father["a"])
        )
    with runtime.municipal_session(SETAGAYA) as session:
        at_b = session.scalar(
            sa.select(IntermediateSign.sign).where(IntermediateSign.integrated_number == father["b"])
        )
    assert at_a and at_b and at_a != at_b

    # The hub keeps answers only sealed: the tax figures appear nowhere in its database.
    hub_cells = cells(runtime, "hub", "hub_")
    assert not [v for v in hub_cells if TAX_ITEMS[INCOME] in v]
    with runtime.session("hub") as session:
        answers = [
            q.answer
            for q in session.scalars(sa.select(HubQuery))
            if q.answer and q.answer.get("sealed_payload")
        ]
    assert answers
    for answer in answers:
        blob = base64.b64decode(answer["sealed_payload"])
        assert blob[:1] == b"\x01" and TAX_ITEMS[INCOME].encode() not in blob
