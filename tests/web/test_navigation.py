"""Navigation by role, and each role's home page with its charts (server-rendered SVG, no script)."""

from __future__ import annotations

import re

import pytest

from renkei.runtime import Runtime
from renkei.web.navigation import SECTIONS
from tests.web.builders import logged_in, populate

ROLES = ("juki", "tax", "welfare", "admin", "auditor")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_sections_it_may_open(runtime: Runtime, role: str) -> None:
    populate(runtime)
    client, _ = logged_in(runtime, role)
    page = client.get("/")
    assert page.status_code == 200
    nav = page.text.split("<nav>", 1)[1].split("</nav>", 1)[0]
    shown = set(re.findall(r'href="(/[^"]*)"', nav))
    assert shown, "a logged-in staff member sees at least one section"
    for section in SECTIONS:
        answer = client.get(section.href)
        if section.href in shown:
            assert answer.status_code == 200, f"{role} is shown {section.href} but gets {answer.status_code}"
        else:
            assert answer.status_code == 403, (
                f"{role} may open {section.href} but it is not in the navigation"
            )


@pytest.mark.parametrize(
    ("role", "heading"),
    [("juki", "住民の異動（月別）"), ("tax", "情報照会と不許可"), ("auditor", "情報照会と不許可")],
)
def test_the_home_page_shows_the_roles_day_as_svg_without_script(
    runtime: Runtime, role: str, heading: str
) -> None:
    populate(runtime)
    client, _ = logged_in(runtime, role)
    page = client.get("/").text
    assert heading in page
    assert "<svg" in page and "<title>" in page and "<desc>" in page
    assert "<script" not in page


def test_a_visitor_sees_the_overview_and_no_staff_sections(runtime: Runtime) -> None:
    from tests.web.builders import client_for

    page = client_for(runtime).get("/").text
    nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]
    assert "href" not in nav and "ログイン" in page
