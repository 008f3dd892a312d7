"""`renkei population generate` and `renkei residents …` as a clerk runs them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from renkei.cli import cli


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_generate_import_and_every_change_from_the_command_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "chiyoda.csv"
    code, out = invoke(
        cli_env,
        "population",
        "generate",
        "--municipality",
        "131016",
        "--count",
        "40",
        "--seed",
        "3",
        "--encoding",
        "cp932",
        "--out",
        str(path),
    )
    assert code == 0 and "40 人分" in out
    code, out = invoke(
        cli_env, "residents", "import", str(path), "--municipality", "131016", "--encoding", "cp932"
    )
    assert code == 0 and "新規登録 40 人" in out
    code, out = invoke(
        cli_env, "residents", "import", str(path), "--municipality", "131016", "--encoding", "cp932"
    )
    assert code == 0 and "新規登録 0 人 / 登録済み（同一内容） 40 人 / 競合（別の内容で登録済み） 0 行" in out
    assert invoke(cli_env, "residents", "connect", "--municipality", "131121")[0] == 0
    steps = [
        (
            "residents",
            "birth",
            "--municipality",
            "131016",
            "--parent",
            "1",
            "--given-name",
            "一郎",
            "--given-name-kana",
            "イチロウ",
            "--born-on",
            "2024-05-05",
            "--sex",
            "1",
        ),
        (
            "residents",
            "name-change",
            "--municipality",
            "131016",
            "2",
            "--surname",
            "鈴木",
            "--surname-kana",
            "スズキ",
        ),
        (
            "residents",
            "address-change",
            "--municipality",
            "131016",
            "3",
            "--postal-code",
            "1000001",
            "--address",
            "東京都千代田区千代田2番地",
        ),
        ("residents", "death", "--municipality", "131016", "4", "--died-on", "2025-01-01"),
        (
            "residents",
            "move",
            "--from",
            "131016",
            "--to",
            "131121",
            "5",
            "--postal-code",
            "1540001",
            "--address",
            "東京都世田谷区池尻1丁目1番1号",
            "--moved-on",
            "2025-02-01",
        ),
    ]
    for step in steps:
        code, out = invoke(cli_env, *step)
        assert code == 0, out
    code, out = invoke(cli_env, "residents", "show", "--municipality", "131016", "2")
    assert "旧氏" in out and "氏名変更" in out and "C11" in out
    code, out = invoke(cli_env, "residents", "list", "--municipality", "131121")
    assert code == 0 and len(out.splitlines()) == 3  # heading, the one who moved in, the total
    assert out.splitlines()[-1] == "全 1 件中 1〜1 件を表示"
    code, out = invoke(cli_env, "residents", "list", "--municipality", "131016", "--all", "--limit", "100")
    assert len(out.splitlines()) == 43 and "死亡" in out and "転出" in out


def test_a_bad_file_is_refused_with_line_and_field(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    invoke(cli_env, "population", "generate", "--municipality", "131016", "--count", "5", "--out", str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",男,", ",?,").replace(",女,", ",?,")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    code, out = invoke(cli_env, "residents", "import", str(path), "--municipality", "131016")
    assert code == 1
    assert "4行目" in out and "性別" in out and "取り込みませんでした" in out
    code, out = invoke(
        cli_env, "residents", "import", str(path), "--municipality", "131016", "--on-error", "skip"
    )
    assert code == 0 and "新規登録 4 人" in out and "誤り 1 行" in out
    assert (tmp_path / "p.rejects.csv").read_text(encoding="utf-8").splitlines()[1].startswith("4,性別,")
