"""`renkei governance …` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from renkei.cli import cli
from tests.governance.builders import LG
from tests.governance.seed import JIMU, seed_workbook


def run(cli_env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["governance", *args], env=cli_env)
    return result.exit_code, result.output


def test_import_export_and_pdf(cli_env: dict[str, str], tmp_path: Path) -> None:
    book = load_workbook(__import__("io").BytesIO(seed_workbook()))
    jimu = book.create_sheet("事務", 0)
    jimu.append(["事務一覧"])
    jimu.append(["事務名", "区分", "根拠", "担当課", "手順表日付", "リスク分析表日付"])
    jimu.append([JIMU, "別表第一", "", "税務課", None, None])
    source = tmp_path / "seed.xlsx"
    book.save(source)
    code, out = run(cli_env, "import", str(source), "--municipality", LG)
    assert code == 0, out
    assert "要確認: 軽自動車税 リスク分析表 6行 総合評価（ID 1-5）シートの値 16 ≠ 計算値 12" in out
    target = tmp_path / "all.xlsx"
    code, out = run(cli_env, "export", "--out", str(target), "--municipality", LG)
    assert code == 0, out
    rows = list(load_workbook(target)["リスク分析表"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[9], r[12]) for r in rows] == [
        ("1-2", 16, 8),
        ("1-3", 16, 8),
        ("1-4", 16, 8),
        ("1-5", 12, 6),
        ("1-6", 12, 6),
    ]
    pdf = tmp_path / "risk.pdf"
    code, out = run(cli_env, "risk-pdf", "--out", str(pdf), "--municipality", LG, "--body-name", "千代田区")
    assert code == 0, out
    assert pdf.read_bytes().startswith(b"%PDF") and b"HeiseiKakuGo-W5" in pdf.read_bytes()
    code, out = run(cli_env, "status", "--municipality", LG)
    assert code == 0 and "要確認の不一致 2件" in out


def test_a_bad_import_exits_1_and_names_the_cells(cli_env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "seed.xlsx"
    source.write_bytes(seed_workbook())
    code, out = run(cli_env, "import", str(source), "--municipality", LG)
    assert code == 1
    assert "エラー: 誤りがあるため、ファイル全体を取り込みませんでした" in out
    assert "[record 軽自動車税 手順表 3行, field 事務] 登録されていない事務です" in out


def test_network_check_of_a_file_prints_findings_and_exits_1(cli_env: dict[str, str], tmp_path: Path) -> None:
    inventory = {
        "model": "α",
        "segments": [
            {"区画名": "基幹系", "区分": "マイナンバー利用事務系"},
            {"区画名": "庁内LAN", "区分": "LGWAN接続系"},
        ],
        "hosts": [{"名称": "端末A", "区画": "基幹系", "種別": "端末", "持ち出し制限": True}],
        "flows": [{"経路ID": "F1", "送信元区画": "基幹系", "宛先区画": "庁内LAN", "種別": "ファイル転送"}],
    }
    path = tmp_path / "net.json"
    path.write_text(json.dumps(inventory, ensure_ascii=False), encoding="utf-8")
    code, out = run(cli_env, "network", "check", "--file", str(path), "--municipality", LG)
    assert code == 1
    assert (
        "N1 マイナンバー利用事務系は他の領域と通信しない" in out
        and "該当: flows[1]、segments[1]、segments[2]" in out
    )
    assert "N2 " in out and "指摘 2件" in out
    code, out = run(cli_env, "network", "import", str(path), "--municipality", LG)
    assert code == 0, out
    code, out = run(cli_env, "network", "check", "--municipality", LG)
    assert code == 1 and "該当: 通信経路 F1" in out


def test_pia_threshold_needs_no_database(cli_env: dict[str, str]) -> None:
    code, out = run(cli_env, "pia", "threshold", "--subjects", "300000", "--handlers", "3")
    assert code == 0
    assert "基礎項目評価＋全項目評価" in out and "様式4 全項目評価書" in out


def test_training_overdue_and_pia_status_and_incidents(cli_env: dict[str, str], tmp_path: Path) -> None:
    from renkei.core.settings import Settings
    from renkei.demo import governance as demo
    from renkei.runtime import Runtime

    settings = Settings(data_dir=Path(cli_env["RENKEI_DATA_DIR"]), database_url=cli_env.get("RENKEI_DATABASE_URL"),
                        database_template=cli_env["RENKEI_DATABASE_TEMPLATE"] or None)  # fmt: skip
    with Runtime(settings) as runtime:
        demo.setup(runtime, lg_code=LG)
    code, out = run(cli_env, "training", "overdue", "--remind", "--municipality", LG)
    assert code == 0, out
    assert "税務課（2人）" in out and "T003" in out and "期限超過 3人" in out and "様:" in out
    code, out = run(cli_env, "pia", "status", "--municipality", LG)
    assert code == 0 and "児童扶養手当ファイル\t基礎項目評価＋重点項目評価" in out and "【未実施】" in out
    code, out = run(cli_env, "incidents", "--municipality", LG)
    assert code == 0 and "INC-002" in out and "速報期限" in out and "委員会報告の対象外" in out
