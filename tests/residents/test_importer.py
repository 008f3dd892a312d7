"""Importing population files: every bad row named by line, field and reason; abort, skip, idempotent re-import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from renkei.addressee import service as addressee
from renkei.addressee.intake import import_population
from renkei.core.errors import BatchRejected, Invalid
from renkei.residents import service
from renkei.residents.population import HEADINGS, write_csv
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, SETAGAYA, connect, jukinet

GOOD = [
    "1",
    "1",
    "世帯主",
    "山田",
    "太郎",
    "ヤマダ",
    "タロウ",
    "1980-04-01",
    "男",
    "100-0001",
    "東京都千代田区千代田1番1号",
    "2000-04-01",
    CHIYODA,
]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADINGS)
        writer.writerows(rows)
    return path


def good(atena: int, **changes: str) -> list[str]:
    values = list(GOOD)
    values[0] = str(atena)
    values[1] = str(atena)
    for heading, value in changes.items():
        values[HEADINGS.index(heading)] = value
    return values


def run(runtime: Runtime, path: Path, **options: object) -> object:
    return import_population(
        lambda: runtime.municipal_session(CHIYODA),
        path=path,
        lg_code=CHIYODA,
        jukinet=jukinet(runtime),
        settings=runtime.settings,
        **options,  # type: ignore[arg-type]
    )


def count(runtime: Runtime) -> int:
    with runtime.municipal_session(CHIYODA) as s:
        return service.counts(s)["registered"]


BAD_ROWS = [
    (good(2, 生年月日="1980/04/01"), "生年月日", "日付の形式"),
    (good(3, 性別="X"), "性別", "不明な性別"),
    (good(4, 氏=""), "氏", "必須項目"),
    (good(5, 団体コード="131017"), "団体コード", "検査数字"),
    (good(6, 団体コード=SETAGAYA), "団体コード", "未登録"),
    (good(7, 氏カナ="やまだ"), "氏カナ", "カタカナ"),
    (good(8, 続柄="社長"), "続柄", "続柄"),
    (good(9, 郵便番号="12"), "郵便番号", "郵便番号"),
    (good(10, 住民となった日="1970-01-01"), "住民となった日", "生年月日より前"),
    (good(11, 生年月日="2999-01-01"), "生年月日", "未来"),
    (good(12)[:5], "行", "列の数"),
]


@pytest.mark.parametrize(("bad", "field", "reason"), BAD_ROWS)
def test_abort_names_line_field_and_reason_and_keeps_nothing(
    runtime: Runtime, tmp_path: Path, bad: list[str], field: str, reason: str
) -> None:
    path = write(tmp_path / "bad.csv", [good(1), bad, good(13)])
    with pytest.raises(BatchRejected) as rejected:
        run(runtime, path)
    (error,) = rejected.value.errors
    assert (error.record, error.field) == ("3行目", field)
    assert reason in error.message
    assert count(runtime) == 0


def test_skip_keeps_the_good_rows_and_writes_the_rejected_with_reasons(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write(tmp_path / "mixed.csv", [good(1), good(2, 性別="?"), good(3), good(3)])
    rejects = tmp_path / "rejects.csv"
    result = run(runtime, path, on_error="skip", rejects=rejects)
    assert (result.read, result.registered, result.rejected) == (4, 2, 2)  # type: ignore[attr-defined]
    assert count(runtime) == 2
    lines = list(csv.reader(rejects.open(encoding="utf-8-sig")))  # a BOM, so that Excel reads UTF-8
    assert lines[0] == ["行番号", "項目", "理由", "元の行", "登録済みの内容"]
    assert [(line[0], line[1]) for line in lines[1:]] == [("3", "性別"), ("5", "宛名番号")]


def test_re_importing_the_same_file_changes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    write_csv(path, lg_code=CHIYODA, count=120, seed=3)
    first = run(runtime, path)
    second = run(runtime, path)
    assert (first.registered, second.registered, second.already_registered) == (120, 0, 120)  # type: ignore[attr-defined]
    with runtime.municipal_session(CHIYODA) as s:
        assert service.counts(s)["registered"] == 120
        assert addressee.counts(s)["active_residents"] == 120


def test_cp932_files_are_read_and_characters_outside_the_code_page_are_rejected(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write(tmp_path / "sjis.csv", [good(1, 住所="東京都千代田区千代田１丁目")], encoding="cp932")
    assert run(runtime, path, encoding="cp932").registered == 1  # type: ignore[attr-defined]
    broken = tmp_path / "broken.csv"
    data = (
        path.read_bytes()
        + ",".join(good(2)[:3]).encode("cp932")
        + b",\x85\x40,"
        + ",".join(good(2)[4:]).encode("cp932")
        + b"\r\n"
    )
    broken.write_bytes(data)
    with pytest.raises(BatchRejected) as rejected:
        run(runtime, broken, encoding="cp932")
    (error,) = rejected.value.errors
    assert (error.record, error.field) == ("3行目", "氏")
    assert "cp932" in error.message
    utf8 = write(tmp_path / "utf8.csv", [good(3, 氏="髙橋")])
    with pytest.raises(Invalid) as heading:
        run(runtime, utf8, encoding="cp932")
    assert heading.value.field == "見出し"


def test_a_file_with_the_wrong_headings_or_municipality_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("a,b,c\r\n1,2,3\r\n", encoding="utf-8")
    with pytest.raises(Invalid) as error:
        run(runtime, path)
    assert error.value.field == "見出し"
    connect(runtime, SETAGAYA)
    other = write(tmp_path / "other.csv", [good(1)])
    with pytest.raises(BatchRejected) as rejected:
        import_population(
            lambda: runtime.municipal_session(SETAGAYA),
            path=other,
            lg_code=SETAGAYA,
            jukinet=jukinet(runtime),
            settings=runtime.settings,
        )
    assert "取込先" in rejected.value.errors[0].message


def test_a_bad_row_in_the_last_chunk_keeps_nothing_and_asks_jukinet_for_nothing(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from renkei.jukinet.models import JukinetPerson
    from renkei.residents import importer

    monkeypatch.setattr(importer, "CHUNK", 3)
    path = write(tmp_path / "late.csv", [good(n) for n in range(1, 10)] + [good(10, 性別="?")])
    with pytest.raises(BatchRejected) as rejected:
        run(runtime, path)
    assert [e.record for e in rejected.value.errors] == ["11行目"]
    assert count(runtime) == 0
    with runtime.session("jukinet") as s:
        assert s.query(JukinetPerson).count() == 0


def test_chunks_numbered_ahead_still_register_each_resident_once(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from renkei.residents import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    # 宛名番号 3 appears in the second and in the third chunk: the third is numbered while the second is stored.
    rows = [good(1), good(2), good(3), good(4), good(3), good(5), good(6)]
    path = write(tmp_path / "dup.csv", rows)
    result = run(runtime, path, on_error="skip")
    assert (result.read, result.registered, result.already_registered) == (7, 6, 1)  # type: ignore[attr-defined]
    again = run(runtime, path, on_error="skip")
    assert (again.registered, again.already_registered) == (0, 7)  # type: ignore[attr-defined]
    with runtime.municipal_session(CHIYODA) as s:
        assert service.counts(s)["registered"] == 6
        assert addressee.counts(s)["active_residents"] == 6
