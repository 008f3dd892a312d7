"""Training that teaches and tests, and drills: a clerk takes and passes the shipped course in the web UI through the
real login; passing records the yearly duty; a 標的型メール drill's harmless links record clicks and reports."""

from __future__ import annotations

import re

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid
from renkei.demo import courses as demo_courses
from renkei.demo import governance as demo_governance
from renkei.governance import courses, drills, training
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, client_for, csrf_of, log_in, logged_in, make_clerk


@pytest.fixture
def body(runtime: Runtime) -> Runtime:
    demo_governance.setup(runtime, lg_code=CITY_A)
    with runtime.municipal_session(CITY_A) as session:
        courses.install_shipped(session)
    return runtime


def _duty(runtime: Runtime, code: str) -> training.Duty:
    with runtime.municipal_session(CITY_A) as session:
        return next(d for d in training.duties(session) if d.handler.code == code)


def _answers_from_page(html: str, runtime: Runtime) -> dict[str, str]:
    """What a careful learner submits: for each question on the page, the right choice (looked up by its text)."""
    with runtime.municipal_session(CITY_A) as session:
        course = courses.get_course(session, code="TOKUTEI-KIHON")
        right = {q.text: q.answer for q in course.questions}
    picked = {}
    for position, text in re.findall(r"<legend>問(\d+) (.*?)</legend>", html):
        picked[f"q{position}"] = str(right[text])
    return picked


def test_a_clerk_reads_the_lessons_takes_the_test_and_passing_records_the_duty(body: Runtime) -> None:
    assert _duty(body, "T003").overdue  # never trained
    clerk = make_clerk(body, "tax", login="T003")
    client = client_for(body)
    log_in(client, clerk)
    listing = client.get("/training")
    assert (
        listing.status_code == 200
        and "期限を過ぎています" in listing.text
        and "特定個人情報の取扱い（基本）" in listing.text
    )
    page = client.get("/training/TOKUTEI-KIHON")
    assert page.status_code == 200
    assert "<strong>特定個人情報</strong>" in page.text  # the lesson's Markdown rendered
    assert page.text.count('type="radio"') == 40
    token = csrf_of(client, "/training/TOKUTEI-KIHON")
    answers = _answers_from_page(page.text, body)
    assert len(answers) == 10
    # one wrong answer still passes (9/10 ≥ 80%)
    answers["q1"] = "0"
    result = client.post("/training/TOKUTEI-KIHON", data={"csrf_token": token, **answers})
    assert result.status_code == 200 and 'id="passed"' in result.text and "9 / 10" in result.text
    assert "問1" in result.text  # the wrong one is explained
    duty = _duty(body, "T003")
    assert not duty.overdue and duty.last_trained_on == clock.today()
    assert "期限を過ぎています" not in client.get("/training").text


def test_failing_records_the_attempt_but_not_the_duty(body: Runtime) -> None:
    client, _ = logged_in(body, "welfare")  # login "welfare-clerk" is no handler
    assert "登録されていません" in client.get("/training").text
    clerk = make_clerk(body, "juki", login="K002")
    client = client_for(body)
    log_in(client, clerk)
    token = csrf_of(client, "/training/TOKUTEI-KIHON")
    result = client.post("/training/TOKUTEI-KIHON", data={"csrf_token": token, "q1": "0", "q2": "0"})
    assert result.status_code == 200 and 'id="failed"' in result.text
    assert _duty(body, "K002").overdue
    with body.municipal_session(CITY_A) as session:
        [attempt] = courses.attempts(session, handler_code="K002")
        assert not attempt.passed and attempt.correct <= 2 and attempt.session_code is None


def test_a_clerk_who_is_no_handler_cannot_record_and_bad_answers_are_refused(body: Runtime) -> None:
    client, _ = logged_in(body, "welfare")
    token = csrf_of(client, "/training/TOKUTEI-KIHON")
    refused = client.post("/training/TOKUTEI-KIHON", data={"csrf_token": token, "q1": "1"})
    assert refused.status_code == 422 and "取扱者として登録されていない" in refused.text
    bad = client.post("/training/TOKUTEI-KIHON", data={"csrf_token": token, "q1": "9"})
    assert bad.status_code == 422 and "問1" in bad.text
    assert client.get("/training/NOPE").status_code == 404


def test_the_pass_mark_is_exact(body: Runtime) -> None:
    with body.municipal_session(CITY_A) as session:
        course = courses.get_course(session, code="TOKUTEI-KIHON")
        right = [q.answer for q in course.questions]
        eight = [*right[:8], None, None]
        seven = [*right[:7], None, None, None]
        assert courses.take_test(session, code=course.code, handler_code="K001", answers=eight).attempt.passed
        assert not courses.take_test(
            session, code=course.code, handler_code="K001", answers=seven
        ).attempt.passed
        with pytest.raises(Invalid, match="回答の数"):
            courses.take_test(session, code=course.code, handler_code="K001", answers=right[:3])


def test_a_course_file_with_a_wrong_answer_number_is_refused(runtime: Runtime) -> None:
    text = 'code="X"\ntitle="x"\n[[lessons]]\ntitle="a"\nbody="b"\n[[questions]]\ntext="q"\nchoices=["a","b"]\nanswer=3\n'
    with pytest.raises(Invalid) as caught, runtime.municipal_session(CITY_A) as session:
        courses.upsert_course_from_toml(session, text)
    assert caught.value.record == "コース X 問1" and caught.value.field == "answer"


def test_the_shipped_course_installs_twice_without_duplicates(body: Runtime) -> None:
    with body.municipal_session(CITY_A) as session:
        courses.install_shipped(session)
        [course] = courses.list_courses(session)
        assert len(course.questions) == 10 and len(course.lessons) == 4
        assert all(0 <= q.answer < len(q.choices) for q in course.questions)


def test_a_phishing_drill_records_clicks_and_reports_per_division(body: Runtime) -> None:
    with body.municipal_session(CITY_A) as session:
        drill = drills.create_drill(
            session, code="D1", kind=drills.PHISHING, title="訓練", departments=["税務課", "子育て支援課"]
        )
        sent = drills.messages(drill, base_url=f"http://127.0.0.1:8000/drill/{CITY_A}")
        with pytest.raises(Invalid, match=r"127\.0\.0\.1"):
            drills.messages(drill, base_url="http://evil.example/drill")
        with pytest.raises(Conflict):
            drills.create_drill(
                session, code="D1", kind=drills.PHISHING, title="訓練", departments=["税務課"]
            )
    assert len(sent) == 5 and all(m.link in m.body and m.report in m.body for m in sent)
    by_code = {m.target.handler.code: m for m in sent}
    client = client_for(body)  # no login: the links work for anyone who received them
    clicked = client.get(by_code["T002"].link.removeprefix("http://127.0.0.1:8000"))
    assert clicked.status_code == 200 and "これは訓練です" in clicked.text
    client.get(by_code["T002"].link.removeprefix("http://127.0.0.1:8000"))  # twice counts once
    reported = client.get(by_code["K001"].report.removeprefix("http://127.0.0.1:8000"))
    assert reported.status_code == 200 and "報告を受け付けました" in reported.text
    assert client.get(f"/drill/{CITY_A}/c/not-a-token").status_code == 404
    assert client.get("/drill/999999/c/x").status_code in (404, 422)
    with body.municipal_session(CITY_A) as session:
        tallies = {t.label: t for t in drills.by_department(drills.get_drill(session, code="D1"))}
    assert (tallies["税務課"].targets, tallies["税務課"].clicked, tallies["税務課"].reported) == (3, 1, 0)
    assert (tallies["子育て支援課"].reported_without_click, tallies["計"].click_rate) == (1, 20.0)


def test_the_demo_drills_show_results_over_time_on_the_admin_pages(body: Runtime) -> None:
    demo_courses.setup(body, lg_code=CITY_A)
    demo_courses.setup(body, lg_code=CITY_A)  # safe twice
    with body.municipal_session(CITY_A) as session:
        history = drills.over_time(session, kind=drills.PHISHING)
        assert [t.click_rate for _, t in history] == [50.0, 16.7] and [t.report_rate for _, t in history] == [
            16.7,
            50.0,
        ]
    client, _ = logged_in(body, "auditor")
    page = client.get("/governance/drills")
    assert page.status_code == 200 and "16.7%" in page.text
    detail = client.get("/governance/drills/D-MIS-1")
    assert detail.status_code == 200 and "誤送信" in detail.text and "/drill/" in detail.text
    assert "合格" in client.get("/governance/courses").text


def test_the_cli_installs_the_course_and_runs_a_drill(body: Runtime, cli_env: dict[str, str]) -> None:
    from click.testing import CliRunner

    from renkei.cli import cli

    def call(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["governance", *args, "--municipality", CITY_A], env=cli_env)
        return result.exit_code, result.output

    code, out = call("course", "install")
    assert code == 0 and "TOKUTEI-KIHON" in out
    code, out = call(
        "drill",
        "create",
        "--code",
        "C1",
        "--kind",
        "誤送信",
        "--title",
        "誤送信訓練",
        "--department",
        "税務課",
    )
    assert code == 0 and out.count("件名:") == 3 and f"http://127.0.0.1:8000/drill/{CITY_A}/c/" in out
    code, out = call("drill", "results", "--code", "C1")
    assert code == 0 and "税務課: 対象 3、クリック 0" in out
    code, out = call(
        "drill",
        "create",
        "--code",
        "C2",
        "--kind",
        "誤送信",
        "--title",
        "x",
        "--department",
        "税務課",
        "--base-url",
        "http://example.com",
    )
    assert code == 1 and "127.0.0.1" in out
