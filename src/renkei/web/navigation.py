"""Navigation by role: each staff member sees only the sections their roles may open.

The roles here mirror the `require_role` declarations of each section's first page; a test walks every link
with every role (tests/web/test_navigation.py), so a section shown to a role that meets 403 fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from renkei.web.templating import templates


@dataclass(frozen=True)
class Section:
    href: str
    label: str
    roles: frozenset[str]


SECTIONS = (
    Section("/residents", "住民記録", frozenset({"juki"})),
    Section("/addressee", "統合宛名", frozenset({"juki", "tax", "welfare", "admin"})),
    Section("/linkage", "情報連携", frozenset({"tax", "welfare", "admin", "auditor"})),
    Section("/jpki", "公的個人認証", frozenset({"juki", "admin", "auditor"})),
    Section("/jukinet", "住基ネット", frozenset({"juki", "admin", "auditor"})),
    Section("/disaster", "被災者支援", frozenset({"welfare", "tax", "admin", "auditor"})),
    Section("/cardapps", "カードアプリ", frozenset({"juki", "admin"})),
    Section("/lgwan", "LGWAN-ASP", frozenset({"admin", "auditor"})),
    Section("/governance", "安全管理措置", frozenset({"admin", "auditor"})),
    Section("/local-use", "独自利用事務", frozenset({"juki", "tax", "welfare", "admin", "auditor"})),
    Section("/training", "研修", frozenset({"juki", "tax", "welfare", "admin", "auditor"})),
    Section("/staff", "職員", frozenset({"admin"})),
    Section("/staff/events", "職員の操作履歴", frozenset({"admin", "auditor"})),
)


def sections_for(roles: frozenset[str] | set[str] | list[str]) -> list[Section]:
    held = frozenset(roles)
    return [s for s in SECTIONS if s.roles & held]


def nav_sections(request: Request) -> list[Section]:
    """The sections of the logged-in staff member (none before login: the page offers the login link)."""
    return sections_for(request.session.get("staff_roles", []))


templates.env.globals["nav_sections"] = nav_sections
