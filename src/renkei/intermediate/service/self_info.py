"""自己情報提供 (JTK): what this municipality holds on one person — copies in force and exchange records."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from renkei.intermediate.service import records
from renkei.intermediate.service.copies import current_copies


def self_information(session: Session, *, lg_code: str, integrated_number: str) -> dict[str, Any]:
    """The person's copies (by 特定個人情報名) and the 情報提供等記録 that concern them, newest first."""
    copies = current_copies(session, lg_code=lg_code, integrated_number=integrated_number)
    entries = records.list_records(session, lg_code=lg_code, integrated_number=integrated_number)
    return {
        "lg_code": lg_code,
        "integrated_number": integrated_number,
        "copies": [
            {
                "tm_code": c.tm_code,
                "dataset": c.dataset_no,
                "record_key": c.dataset_record_key,
                "version": c.version,
                "items": (c.data or {}).get("items", {}),
                "registered_at": c.registered_at.isoformat(),
            }
            for c in copies
        ],
        "records": [
            {
                "seq": r.seq,
                "recorded_at": r.recorded_at.isoformat(),
                **{k: v for k, v in r.body.items() if k != "integrated_number"},
            }
            for r in entries
        ],
    }
