"""A staff member takes and passes the shipped 特定個人情報の取扱い course in Debian's chromium: the real login,
the lessons, the test answered by clicking, the result, and the yearly training duty recorded."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.core import clock
from renkei.governance import courses
from renkei.runtime import Runtime
from renkei.web import create_app
from tests.governance.test_courses import _duty, body
from tests.jpki.serving import serving
from tests.web.builders import CITY_A, log_in_browser, make_clerk

__all__ = ["body"]  # the fixture: the demo body's handlers and the shipped course installed


@pytest.mark.slow
def test_a_staff_member_takes_and_passes_the_shipped_course_in_a_browser(
    body: Runtime, page: Any, screenshot: Any
) -> None:
    assert _duty(body, "T003").overdue  # never trained
    with body.municipal_session(CITY_A) as session:
        course = courses.get_course(session, code="TOKUTEI-KIHON")
        right = {q.text: q.choices[q.answer] for q in course.questions}
        lessons = [lesson.title for lesson in course.lessons]
    clerk = make_clerk(body, "tax", login="T003")  # the login is the 職員番号 of a registered handler
    with serving(create_app(body.settings, runtime=body)) as url:
        log_in_browser(page, url, clerk, then="/training")
        assert "期限を過ぎています" in page.inner_text("main")
        screenshot(page, "training-list")

        page.click("main a:has-text('特定個人情報の取扱い（基本）')")
        page.wait_for_url(f"{url}/training/TOKUTEI-KIHON")
        for title in lessons:  # every lesson is on the page, its Markdown rendered
            assert page.locator("section.lesson h2", has_text=title).is_visible()
        assert page.locator("section.lesson strong", has_text="特定個人情報").count() >= 1
        questions = page.locator("main form fieldset")
        assert questions.count() == len(right) == 10
        for i in range(questions.count()):
            fieldset = questions.nth(i)
            text = fieldset.locator("legend").inner_text().split(" ", 1)[1]
            fieldset.get_by_label(right[text], exact=True).check()

        page.click("main form button:has-text('採点する')")
        result = page.locator("#passed")
        assert result.is_visible() and "10 / 10" in result.inner_text()
        screenshot(page, "course-passed")

        page.click("main a:has-text('研修の一覧へ')")
        page.wait_for_url(f"{url}/training")
        assert "期限を過ぎています" not in page.inner_text("main")
        assert "合格" in page.locator("main table").inner_text()
    duty = _duty(body, "T003")
    assert not duty.overdue and duty.last_trained_on == clock.today()
