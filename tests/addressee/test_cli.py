"""`renkei addressee …`: search by each key, 名寄せ, sync, links, 住登外者, logged display."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from renkei.addressee.models import AddresseeAccessLog
from renkei.cli import cli
from renkei.residents import service as residents
from renkei.runtime import Runtime


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_search_link_and_reveal(cli_env: dict[str, str], tmp_path: Path, runtime: Runtime) -> None:
    path = tmp_path / "p.csv"
    invoke(cli_env, "population", "generate", "--municipality", "131016", "--count", "10", "--out", str(path))
    assert invoke(cli_env, "residents", "import", str(path), "--municipality", "131016")[0] == 0
    with runtime.municipal_session("131016") as s:
        mynumber = residents.mynumber_of(s, resident_id=1, settings=runtime.settings)
    code, out = invoke(cli_env, "addressee", "search", "--municipality", "131016", "--mynumber", mynumber)
    assert code == 0 and out.startswith("000000000000001\t") and mynumber not in out
    code, out = invoke(
        cli_env, "addressee", "link", "--municipality", "131016", "000000000000001", "--system", "tax"
    )
    assert code == 0 and "税務 宛名番号 000002000000001" in out
    code, out = invoke(
        cli_env, "addressee", "search", "--municipality", "131016", "--system", "tax", "--atena", "2000000001"
    )
    assert out.startswith("000000000000001\t") and "税務 000002000000001" in out
    assert (
        invoke(cli_env, "addressee", "search", "--municipality", "131016", "--integrated-number", "1")[0] == 0
    )
    code, out = invoke(cli_env, "addressee", "search", "--municipality", "131016", "--atena", "1")
    assert code == 1 and "--system" in out
    code, out = invoke(
        cli_env,
        "addressee",
        "add-non-resident",
        "--municipality",
        "131016",
        "--system",
        "kaigo",
        "--name",
        "田中　一郎",
        "--name-kana",
        "タナカ　イチロウ",
        "--born-on",
        "1950-01-01",
        "--sex",
        "1",
        "--address",
        "大阪府大阪市",
        "--mynumber",
        mynumber,
    )
    assert code == 0 and "住登外者" in out
    code, out = invoke(cli_env, "addressee", "duplicates", "--municipality", "131016")
    assert "同一個人番号" in out
    code, out = invoke(
        cli_env,
        "addressee",
        "reveal",
        "--municipality",
        "131016",
        "1",
        "--staff-id",
        "9",
        "--staff-name",
        "監査　太郎",
        "--reason",
        "本人確認",
        "--jimu",
        "JM01027000000000",
    )
    assert code == 0 and out.strip() == mynumber
    with runtime.municipal_session("131016") as s:
        assert s.scalar(sa.select(AddresseeAccessLog.staff_name)) == "監査　太郎"
    assert invoke(cli_env, "addressee", "sync", "--municipality", "131016")[1].startswith("住民異動 0 件")
