"""Imports a clerk can trust: conflicts with both versions, rejects in the input's encoding, `--encoding auto`,
and list commands that page with a total and speak table, csv and json."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from click.testing import CliRunner

from renkei.cli import cli
from renkei.residents.population import HEADINGS

CITY = "131016"


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def _line(atena: int, given: str, kana: str, *, postal: str = "100-0001", born: str = "1980-04-01") -> str:
    return f"{atena},{atena},世帯主,山田,{given},ヤマダ,{kana},{born},男,{postal},東京都千代田区千代田1番,2000-04-01,{CITY}"


def _write(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join([",".join(HEADINGS), *lines]) + "\r\n").encode(encoding))
    return path


def test_a_row_whose_number_exists_with_other_identity_data_is_a_conflict_shown_with_both_versions(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = _write(tmp_path / "first.csv", [_line(1, "太郎", "タロウ"), _line(2, "花子", "ハナコ")], "utf-8")
    assert invoke(cli_env, "residents", "import", str(first), "--municipality", CITY)[0] == 0
    # The same 宛名番号 1 now names a different person; 2 is the same person again.
    second = _write(
        tmp_path / "second.csv", [_line(1, "次郎", "ジロウ"), _line(2, "花子", "ハナコ")], "utf-8"
    )
    code, out = invoke(cli_env, "residents", "import", str(second), "--municipality", CITY)
    assert code == 1  # abort (the default) refuses the whole file
    assert "別の内容で登録済み" in out and "山田　太郎" in out and "山田　次郎" in out
    rejects = tmp_path / "second.rejects.csv"
    code, out = invoke(
        cli_env, "residents", "import", str(second), "--municipality", CITY, "--on-error", "skip",
        "--rejects", str(rejects),
    )  # fmt: skip
    assert code == 0, out
    assert "登録済み（同一内容） 1 人 / 競合（別の内容で登録済み） 1 行" in out
    text = rejects.read_text(encoding="utf-8-sig")
    assert "名・名カナが異なります" in text
    assert (
        "登録済み: 山田　太郎（ヤマダ　タロウ）" in text and "ファイル: 山田　次郎（ヤマダ　ジロウ）" in text
    )
    code, out = invoke(cli_env, "residents", "list", "--municipality", CITY, "--format", "json")
    names = [item["氏名"] for item in json.loads(out)["items"]]
    assert names == ["山田　太郎", "山田　花子"]  # the register still has 太郎


def test_rejects_of_a_cp932_file_are_cp932_with_crlf_and_of_a_utf8_file_carry_a_bom(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    lines = [_line(1, "太郎", "タロウ"), _line(2, "髙橋", "タカハシ", postal="999-9999")]
    for encoding in ("cp932", "utf-8"):
        source = _write(tmp_path / f"{encoding}.csv", lines, encoding)
        rejects = tmp_path / f"{encoding}.rejects.csv"
        code, out = invoke(
            cli_env, "residents", "import", str(source), "--municipality", CITY, "--on-error", "skip",
            "--rejects", str(rejects),
        )  # fmt: skip
        assert code == 0, out
        raw = rejects.read_bytes()
        if encoding == "cp932":
            assert not raw.startswith(codecs.BOM_UTF8)
            text = raw.decode("cp932")  # would raise if it were UTF-8
            assert "自動判定: CP932" in out
        else:
            assert raw.startswith(codecs.BOM_UTF8)
            text = raw.decode("utf-8-sig")
            assert "自動判定: UTF-8" in out
        assert text.count("\r\n") == 2 and "\n" not in text.replace("\r\n", "")
        assert "髙橋" in text and "999-9999 は存在しません" in text


def test_encoding_auto_recognises_a_bom(cli_env: dict[str, str], tmp_path: Path) -> None:
    source = _write(tmp_path / "bom.csv", [_line(1, "太郎", "タロウ")], "utf-8-sig")
    code, out = invoke(
        cli_env, "residents", "import", str(source), "--municipality", CITY, "--encoding", "auto"
    )
    assert code == 0 and "BOM付きUTF-8" in out and "新規登録 1 人" in out


def test_the_readme_example_generates_cp932_and_imports_it_without_naming_the_encoding(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    code, _ = invoke(
        cli_env, "population", "generate", "--municipality", CITY, "--count", "60", "--seed", "1",
        "--out", str(path), "--encoding", "cp932",
    )  # fmt: skip
    assert code == 0
    code, out = invoke(cli_env, "residents", "import", str(path), "--municipality", CITY)
    assert code == 0 and "新規登録 60 人" in out


def test_residents_list_pages_with_a_total_in_table_csv_and_json(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    invoke(
        cli_env,
        "population",
        "generate",
        "--municipality",
        CITY,
        "--count",
        "60",
        "--seed",
        "2",
        "--out",
        str(path),
    )
    invoke(cli_env, "residents", "import", str(path), "--municipality", CITY)
    code, out = invoke(cli_env, "residents", "list", "--municipality", CITY)
    assert code == 0
    assert "全 60 件中 1〜50 件を表示（続きは --offset 50）" in out
    code, out = invoke(cli_env, "residents", "list", "--municipality", CITY, "--limit", "5", "--offset", "55")
    assert "全 60 件中 56〜60 件を表示" in out and "続きは" not in out
    code, out = invoke(
        cli_env, "residents", "list", "--municipality", CITY, "--limit", "3", "--format", "csv"
    )
    rows = out.strip().splitlines()
    assert rows[0] == "id,宛名番号,氏名,カナ,性別,生年月日,状態,住所" and len(rows) == 4
    code, out = invoke(
        cli_env, "residents", "list", "--municipality", CITY, "--limit", "2", "--format", "json"
    )
    body = json.loads(out)
    assert body["total"] == 60 and len(body["items"]) == 2 and body["items"][0]["状態"] == "住民"
