"""Small builders for governance tests: a body with the seed's 事務 registered."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from renkei.governance import register
from tests.governance.seed import JIMU, PROGRESS_ROWS

LG = "131016"
FROZEN = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.UTC)


def add_seed_jimu(session: Session) -> None:
    register.upsert_jimu(session, name=JIMU, kind="別表第一", basis="別表第一 第十六号", department="税務課")
    for row in PROGRESS_ROWS:
        register.upsert_jimu(session, name=row[0], department="子育て支援課")
