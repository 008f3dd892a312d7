"""The linkage commands: copies register (CSV, XML), query submit/poll/bulk, records verify."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from renkei.cli import cli
from renkei.connectors.bulk_query import read_result_file, request_record, write_request_file
from renkei.connectors.copies_csv import write_copies_csv
from renkei.connectors.if_dbm import write_if_dbm
from renkei.core import clock
from renkei.intermediate import service
from renkei.intermediate.models import IntermediateRecord
from renkei.intermediate.schemas import QueryRequest
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, INCOME, OTHERS, SETAGAYA, TAX, TAX_ITEMS, rows, tax_copy
from tests.linkage.scenario import A_AGENCY, B_AGENCY, JIDOTEATE, NINTEI, join_hub, move_family, populate
from tests.linkage.test_in_process import InProcess

ITEMS = list(TAX_ITEMS)


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def a_and_b(runtime: Runtime) -> tuple[list[str], InProcess]:
    net = InProcess(runtime)
    people = populate(net, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    join_hub(net, CHIYODA)
    join_hub(net, SETAGAYA)
    return list(people.values()), net


def test_copies_register_reads_csv_and_xml_and_a_second_run_changes_nothing(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    numbers, _net = a_and_b(runtime)
    csv_path = tmp_path / "tax.csv"
    write_copies_csv(
        csv_path,
        [tax_copy(n, f"C{i}") for i, n in enumerate(numbers[:2])],
        item_codes=ITEMS,
        encoding="cp932",
    )
    code, out = run(cli_env, "copies", "register", str(csv_path), "--municipality", CHIYODA)
    assert code == 0, out
    assert "新規登録 2 件" in out
    code, out = run(cli_env, "copies", "register", str(csv_path), "--municipality", CHIYODA)
    assert "変更なし 2 件" in out
    message, _attachment = write_if_dbm(tmp_path, [tax_copy(numbers[2], "X1")], message_id="0001")
    code, out = run(cli_env, "copies", "register", str(message), "--municipality", CHIYODA)
    assert code == 0 and "新規登録 1 件" in out, out


def test_a_bad_copy_file_is_refused_whole_or_skipped_line_by_line(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    numbers, _net = a_and_b(runtime)
    path = tmp_path / "bad.csv"
    write_copies_csv(path, [tax_copy(numbers[0], "C1"), tax_copy("999999999999999", "C2")], item_codes=ITEMS)
    code, out = run(cli_env, "copies", "register", str(path), "--municipality", CHIYODA)
    assert code == 1 and "bad.csv:3" in out and "ファイル全体を取り込みませんでした" in out
    code, out = run(cli_env, "copies", "register", str(path), "--municipality", CHIYODA, "--on-error", "skip")
    assert code == 0 and "新規登録 1 件" in out and "bad.csv:3" in out


def test_query_submit_poll_and_bulk_then_records_verify_catches_an_edit(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    numbers, net = a_and_b(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copies(
            session, lg_code=CHIYODA, entries=[tax_copy(n, f"R{i}") for i, n in enumerate(numbers[:3])]
        )
    new_atenas = move_family(net, [f"{i:015d}" for i in (1, 2, 3)])
    newcomer = populate(
        net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000010", start=950)
    )  # no 符号 yet
    args = ["--municipality", SETAGAYA, "--jm", JIDOTEATE, "--jt", NINTEI, "--provider", CHIYODA, "--tm", TAX]
    code, out = run(cli_env, "query", "submit", "--atena", new_atenas[0], *args)
    assert code == 0, out
    assert "回答あり" in out and TAX_ITEMS[INCOME] in out
    number = next(line.split(": ")[1] for line in out.splitlines() if line.startswith("処理通番"))
    code, again = run(cli_env, "query", "poll", number, "--municipality", SETAGAYA)
    assert code == 0 and "回答あり" in again

    requests = [
        request_record(
            QueryRequest(jm_code=JIDOTEATE, jt_code=NINTEI, provider=A_AGENCY, tm_code=TAX, atena=a),
            requester=B_AGENCY,
            requested_at=clock.now(),
        )
        for a in (new_atenas[1], f"{900:015d}", f"{950:015d}")
    ]
    request_path = tmp_path / "request.txt"
    write_request_file(request_path, requests)
    code, out = run(
        cli_env,
        "query",
        "bulk",
        str(request_path),
        "--municipality",
        SETAGAYA,
        "--system",
        "juki",
        "--out",
        str(tmp_path),
    )
    assert code == 0, out
    [result_path] = list(tmp_path.glob("P640R110_*"))
    first, second, third = list(read_result_file(result_path))
    assert (first.detail_status, first.tm_status) == ("09", "01")
    assert TAX_ITEMS[INCOME] in first.items
    assert first.request_fields[1] == new_atenas[1] and first.request_fields[12] == A_AGENCY
    assert (second.detail_status, second.tm_status, second.tm_message) == (
        "09",
        "02",
        "該当する符号がありません。",
    )
    [integrated] = newcomer.values()
    assert third.detail_status == "99"
    assert third.detail_message == f"指定された団体内統合宛名番号「{integrated}」は符号が未取得です。"

    code, out = run(cli_env, "records", "verify")
    assert code == 0, out
    with runtime.municipal_session(CHIYODA) as session:
        record = session.scalars(sa.select(IntermediateRecord).limit(1)).one()
        record.body = {**record.body, "tm_code": "TM00000000000001"}
        seq = record.seq
    code, out = run(cli_env, "records", "verify")
    assert code == 1 and "lg131016" in out and f"seq {seq}" in out
    code, out = run(cli_env, "records", "verify", "--node", "hub")
    assert code == 0, out
