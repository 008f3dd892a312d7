"""The 事務事業評価シート (事後評価) of a project, as seeds 000 and 004 lay it out (decision 0072).

Indicator values are not kept here: the sheet names its indicators per block (活動, 対象, 成果, 上位成果) and the values
come from `governance_indicator`, where the toolkit counts what it can and a person types the rest. Only what is
entered by hand lives on the sheet: the texts, the assessment, and the cost figures per 年度.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base


class GovernanceEvaluation(Base):
    """One sheet: a project (事業コード) evaluated in one 年度, showing a span of 年度 side by side."""

    __tablename__ = "governance_evaluation"
    __table_args__ = (sa.UniqueConstraint("project_code", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_code: Mapped[str] = mapped_column(sa.String(32))  # 事業コード (seed 000: 128520)
    fiscal_year: Mapped[int]  # the 年度 evaluated (事後評価 of this year)
    name: Mapped[str] = mapped_column(sa.String(200))  # 事務事業名
    first_year: Mapped[int]  # the first 年度 shown; the sheet shows first_year … fiscal_year + 1 (見込)
    # Header and narrative fields by their sheet label (担当, 政策名, 施策名, 事業概要, ① 手段, …, 総合評価).
    texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # Indicator names per block: {"活動指標": [...], "対象指標": [...], "成果指標": [...], "上位成果指標": [...]}
    indicators: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    # Cost rows per 年度 as exact text: {"2019": {"国庫支出金": "0", …, "人件費計": "914"}}
    costs: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
