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


def test_a_bulk_file_sends_only_its_good_lines_reports_the_bad_ones_and_a_rerun_sends_nothing_twice(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from renkei.hub.models import HubQuery

    numbers, net = a_and_b(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copies(session, lg_code=CHIYODA, entries=[tax_copy(numbers[0], "R0")])
    [moved] = move_family(net, [f"{1:015d}"])

    def line(atena: str, **changes: str) -> str:
        record = request_record(
            QueryRequest(jm_code=JIDOTEATE, jt_code=NINTEI, provider=A_AGENCY, tm_code=TAX, atena=atena),
            requester=B_AGENCY,
            requested_at=clock.now(),
        )
        for old, new in changes.items():
            record = record.replace(old, new)
        return record

    good = line(moved)
    path = tmp_path / "request.txt"
    write_request_file(
        path,
        [
            good,
            line(
                moved, **{JIDOTEATE: JIDOTEATE.replace("0", "０", 1)}
            ),  # a full-width digit in the 事務コード
            line(f"{900:015d}"),
            good.rstrip(),  # the last field no longer padded to its width
        ],
    )
    args = [
        "query",
        "bulk",
        str(path),
        "--municipality",
        SETAGAYA,
        "--system",
        "juki",
        "--out",
        str(tmp_path),
    ]
    code, out = run(cli_env, *args)
    assert code == 0, out
    assert "4 行を読みました（誤りのある行 2 行は送信しません）" in out
    [result_path] = list(tmp_path.glob("P640R110_*"))
    results = list(read_result_file(result_path))
    assert [r.detail_status for r in results] == ["09", "99", "09", "99"]
    assert results[1].detail_message.startswith("2行目 事務コード:")
    assert results[3].detail_message.startswith("4行目 照会終了日付:")
    with runtime.session("hub") as session:
        asked = session.scalar(sa.select(sa.func.count()).select_from(HubQuery))
    assert asked == 2

    result_path.unlink()
    code, out = run(cli_env, *args)  # the same file again: nothing is sent twice, every result is written
    assert code == 0, out
    with runtime.session("hub") as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(HubQuery)) == asked
    [again] = list(tmp_path.glob("P640R110_*"))
    assert [r.process_number for r in read_result_file(again)] == [r.process_number for r in results]


def test_queries_the_hub_never_got_stay_queued_and_are_sent_once_when_asked_again(runtime: Runtime) -> None:
    """The hub unreachable in the middle of a bulk run: nothing is lost, and the same lines asked again (same
    client request ids) are sent then, once each."""
    from renkei.core.errors import Unavailable
    from renkei.hub.models import HubQuery
    from renkei.protocol.hub import HubClient
    from renkei.protocol.transport import Body

    _numbers, net = a_and_b(runtime)
    atenas = move_family(net, [f"{i:015d}" for i in (1, 2)])

    class Flaky:
        """The hub reached for everything but submissions, which fail while `down`."""

        down = True

        def call(self, service_name: str, operation: str, body: Body) -> Body:
            if operation == "submit_queries" and self.down:
                raise Unavailable("接続先に到達できません: hub")
            return runtime.transport.call(service_name, operation, body)

    flaky = Flaky()
    lines = [
        service.Line(
            QueryRequest(
                jm_code=JIDOTEATE,
                jt_code=NINTEI,
                provider=A_AGENCY,
                tm_code=TAX,
                atena=a,
                system="juki",
                client_request_id=f"line-{i}",
            )
        )
        for i, a in enumerate(atenas)
    ]
    sessions = runtime.municipal_sessions(SETAGAYA)
    settings = runtime.settings
    first = service.submit_bulk_batched(
        sessions, lg_code=SETAGAYA, settings=settings, hub=HubClient(flaky), lines=lines
    )
    assert first.failure is not None and "到達できません" in first.failure
    with runtime.municipal_session(SETAGAYA) as session:
        outcomes = [o for _f, o in service.outcomes_of(session, lg_code=SETAGAYA, ids=first.line_rows)]
    assert [o.status for o in outcomes] == ["queued", "queued"] and "送信待ち" in outcomes[0].message
    flaky.down = False
    again = service.submit_bulk_batched(
        sessions, lg_code=SETAGAYA, settings=settings, hub=HubClient(flaky), lines=lines
    )
    assert again.failure is None and again.line_rows == first.line_rows and again.submitted == 2
    service.submit_bulk_batched(
        sessions, lg_code=SETAGAYA, settings=settings, hub=HubClient(flaky), lines=lines
    )
    with runtime.session("hub") as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(HubQuery)) == 2
