"""特定個人情報保護評価: the しきい値判断 at each boundary, the 評価書 sections, and the 5-year re-assessment."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core.errors import Invalid
from renkei.governance import pia, register
from renkei.governance.pia import Level
from renkei.runtime import Runtime
from tests.governance.builders import LG, add_seed_jimu
from tests.governance.seed import JIMU


@pytest.mark.parametrize(
    ("subjects", "handlers", "serious", "level"),
    [
        (0, 0, False, Level.NONE),
        (999, 10_000, True, Level.NONE),
        (1_000, 0, False, Level.BASIC),
        (9_999, 10_000, True, Level.BASIC),
        (10_000, 499, False, Level.BASIC),
        (10_000, 500, False, Level.FOCUSED),
        (10_000, 0, True, Level.FOCUSED),
        (99_999, 499, False, Level.BASIC),
        (100_000, 499, False, Level.FOCUSED),
        (100_000, 500, False, Level.FULL),
        (299_999, 0, True, Level.FULL),
        (299_999, 499, False, Level.FOCUSED),
        (300_000, 0, False, Level.FULL),
    ],
)
def test_the_threshold_judgement_at_its_boundaries(
    subjects: int, handlers: int, serious: bool, level: Level
) -> None:
    assert pia.threshold(subjects, handlers, serious) is level


def test_the_judgement_is_told_in_words() -> None:
    assert (
        pia.reasons(120_000, 500, False)
        == "対象人数 120,000人、取扱者数 500人、重大事故なし → 基礎項目評価＋全項目評価"
    )
    with pytest.raises(Invalid):
        pia.threshold(-1, 0, False)


def test_re_assessment_is_due_five_years_after_publication(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        file = register.upsert_file(session, name="F", jimu=JIMU, subject_count=120_000, handler_count=10,
                                    last_published_on=dt.date(2021, 6, 1), sections={"Ⅰ 基本情報": "完了"})  # fmt: skip
        on_time = pia.status(file, today=dt.date(2026, 6, 1))
        late = pia.status(file, today=dt.date(2026, 6, 2))
    assert on_time.due_on == dt.date(2026, 6, 1) and not on_time.overdue
    assert late.overdue
    assert on_time.level is Level.FOCUSED and on_time.done == 1
    assert next(name for name, _ in on_time.sections) == "Ⅰ 基本情報"


def test_a_required_evaluation_never_published_is_missing(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        small = register.upsert_file(session, name="小", jimu=JIMU, subject_count=500, handler_count=3)
        large = register.upsert_file(session, name="大", jimu=JIMU, subject_count=5_000, handler_count=3)
        assert not pia.status(small, today=dt.date(2026, 1, 1)).missing
        assert pia.status(large, today=dt.date(2026, 1, 1)).missing


def test_section_status_outside_the_vocabulary_is_refused(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        with pytest.raises(Invalid, match="状況は"):
            register.upsert_file(session, name="F", jimu=JIMU, subject_count=1, handler_count=1,
                                 sections={"Ⅰ 基本情報": "だいたい"})  # fmt: skip
        with pytest.raises(Invalid, match="評価書の項目ではありません"):
            register.upsert_file(session, name="F", jimu=JIMU, subject_count=1, handler_count=1,
                                 sections={"第七章": "完了"})  # fmt: skip
        with pytest.raises(Invalid, match="対象人数"):
            register.upsert_file(session, name="F", jimu=JIMU, subject_count=-1, handler_count=1)


def test_a_file_names_its_tm_code_from_the_layouts_catalogue(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        file = register.upsert_file(session, name="F", jimu=JIMU, subject_count=1, handler_count=1,
                                    tm_code="TM00000000000002")  # fmt: skip
        assert register.tm_label(file.tm_code) == "地方税関係情報"
        assert register.tm_label("TM99999999999999") == ""
        assert ("TM00000000000010", "児童手当関係情報") in register.tm_choices()
        with pytest.raises(Invalid):
            register.upsert_file(
                session, name="G", jimu=JIMU, subject_count=1, handler_count=1, tm_code="地方税"
            )
