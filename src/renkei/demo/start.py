"""What the start page shows a newcomer: the demo staff accounts and demo cards with their PINs (demo-start.json).

The demo writes this file at the end of its run; the start page (renkei.web.start) reads it, so the page never
needs the demo's code. Cards of residents of B come first: they belong to the family that moved from A, whom
B's 児童手当 clerk asked A about, so their やりとり履歴 is not empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from renkei.demo.jpki import DEMO_AUTH_PIN, DEMO_SIGN_PIN
from renkei.demo.staff import DEMO_ACCOUNTS, DEMO_PASSWORD
from renkei.protocol.jpki import JpkiClient
from renkei.residents import service as residents
from renkei.runtime import Runtime

START_FILE = "demo-start.json"


def start_path(runtime: Runtime) -> Path:
    return runtime.settings.data_dir / START_FILE


def _cards(runtime: Runtime, lg_code: str, *, limit: int, note: str) -> list[dict[str, Any]]:
    client = JpkiClient(runtime.transport)
    with runtime.municipal_session(lg_code) as session:
        people = residents.list_residents(session, status="active", limit=200)
    found: list[dict[str, Any]] = []
    for person in people:
        for card in client.holder_status(lg_code=lg_code, resident_id=person.id).cards:
            if card.status != "active":
                continue
            auth = [c for c in card.certificates if c.kind == "auth" and c.status == "good"]
            sign = [c for c in card.certificates if c.kind == "sign" and c.status == "good"]
            if not auth:
                continue
            found.append(
                {
                    "lg_code": lg_code,
                    "card_number": card.card_number,
                    "name": person.name,
                    "auth_pin": DEMO_AUTH_PIN,
                    "sign_pin": DEMO_SIGN_PIN if sign else None,
                    "note": note,
                }
            )
        if len(found) >= limit:
            break
    return found[:limit]


def setup(runtime: Runtime, *, lg_a: str, lg_b: str) -> list[str]:
    cards = _cards(runtime, lg_b, limit=4, note="やりとり履歴あり（Aから転居した世帯）")
    cards += _cards(runtime, lg_a, limit=4, note="")
    data = {
        "password": DEMO_PASSWORD,
        "accounts": [
            {"lg_code": lg_code, "login": login, "name": name, "roles": list(roles)}
            for lg_code in (lg_a, lg_b)
            for login, (name, roles) in DEMO_ACCOUNTS.items()
        ],
        "cards": cards,
    }
    path = start_path(runtime)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["はじめにページ / start page: /start（各画面・デモ用アカウント・デモ用カードとPIN）"]
    if cards:
        first = cards[0]
        lines.append(
            f"  マイナポータル: /portal/login カード番号 {first['card_number']}（{first['name']}）"
            f" 利用者証明用PIN {first['auth_pin']}"
        )
    return lines
