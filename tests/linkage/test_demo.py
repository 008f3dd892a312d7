"""The demo's linkage part runs on residents imported beforehand and shows each exchange's three records."""

from __future__ import annotations

from renkei.demo import linkage
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, OTHERS, SETAGAYA, populate, rows


def test_the_demo_shows_an_answered_query_a_refusal_and_their_records(runtime: Runtime) -> None:
    populate(runtime, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(runtime, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    lines = linkage.run(runtime, lg_a=CHIYODA, lg_b=SETAGAYA)
    text = "\n".join(lines)
    assert "→ 回答あり（answered）" in text and "→ 照会不許可（refused）" in text
    assert "照会は許可されていません" in text
    assert (
        text.count("記録（照会者") == 2 and text.count("記録（ハブ") == 2 and text.count("記録（提供者") == 1
    )
