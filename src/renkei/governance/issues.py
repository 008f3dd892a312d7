"""課題の優先順位: a body's own list of issues scored 影響性・法令準拠・容易性 and ranked by 総合 (seed 002)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, NotFound
from renkei.governance import scales
from renkei.governance.models import GovernanceIssue


@dataclass(frozen=True)
class IssueView:
    issue: GovernanceIssue
    impact: Decimal
    compliance: Decimal
    ease: Decimal
    total: Decimal
    rank: int


def upsert_issue(
    session: Session,
    *,
    number: int,
    title: str,
    impact: object,
    compliance: object,
    ease: object,
    point: str = "",
) -> GovernanceIssue:
    """Add or update 課題 `number` (the ①② of the seed's 要点); scores are 1.0–5.0 in tenths."""
    record = f"課題{number}"
    if number < 1:
        raise Invalid("課題番号は1以上です", record=record, field="番号")
    if not title.strip():
        raise Invalid("主要課題が空です", record=record, field="主要課題")
    values = {
        "impact": scales.check_issue_score(impact, field="影響性", record=record),
        "compliance": scales.check_issue_score(compliance, field="法令準拠", record=record),
        "ease": scales.check_issue_score(ease, field="容易性", record=record),
    }
    issue = session.scalar(sa.select(GovernanceIssue).where(GovernanceIssue.number == number))
    if issue is None:
        issue = GovernanceIssue(number=number)
        session.add(issue)
    issue.title, issue.point = title.strip(), point
    for key, value in values.items():
        setattr(issue, key, str(value))
    session.flush()
    return issue


def ranked_issues(session: Session) -> list[IssueView]:
    """Issues by 総合, highest first; a tie goes to the higher 法令準拠, then 影響性, then the lower number.

    Ties share nothing: every issue gets its own 優先順位, as in the seed (decision 0050).
    """
    rows = []
    for issue in session.scalars(sa.select(GovernanceIssue)):
        impact, compliance, ease = Decimal(issue.impact), Decimal(issue.compliance), Decimal(issue.ease)
        rows.append((issue, impact, compliance, ease, scales.issue_total(impact, compliance, ease)))
    rows.sort(key=lambda r: (-r[4], -r[2], -r[1], r[0].number))
    return [
        IssueView(i, im, co, ea, total, rank) for rank, (i, im, co, ea, total) in enumerate(rows, start=1)
    ]


def delete_issue(session: Session, *, number: int) -> None:
    issue = session.scalar(sa.select(GovernanceIssue).where(GovernanceIssue.number == number))
    if issue is None:
        raise NotFound(f"課題{number}はありません", record=f"課題{number}")
    session.delete(issue)
    session.flush()
