"""Witnessed records: tlog-witness add-checkpoint with every error path, quorum, and the attacks verify names."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner

from renkei.cli import cli
from renkei.hub.models import HubRecord, HubRecordRoot
from renkei.hub.witness import NAME as HUB_WITNESS
from renkei.intermediate import service
from renkei.intermediate.models import (
    IntermediateRecord,
    IntermediateRecordCosignature,
    IntermediateRecordRoot,
)
from renkei.intermediate.service.records import RECORDS as NODE_RECORDS
from renkei.protocol import merkle, signing, tlog
from renkei.protocol.ledger import chain_hash
from renkei.protocol.ledger.witness import FORK
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, OTHERS, SETAGAYA, rows, tax_copy
from tests.linkage.scenario import A_AGENCY, ask, join_hub, move_family, municipal, poll, populate
from tests.linkage.test_cli import a_and_b
from tests.linkage.test_in_process import InProcess


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def add(runtime: Runtime, service_name: str, body: str) -> tlog.AddCheckpointResponse:
    answer = runtime.transport.call(service_name, "witness_add_checkpoint", {"body": body})
    return tlog.AddCheckpointResponse.model_validate(answer)


def tree(n: int, salt: bytes = b"") -> list[bytes]:
    return [merkle.leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def test_the_hub_witness_answers_every_error_path_of_tlog_witness_and_refuses_a_fork(
    runtime: Runtime,
) -> None:
    a_and_b(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        key = service.node_keys(session, lg_code=CHIYODA, settings=runtime.settings).signing_key
    origin = tlog.log_origin(A_AGENCY)
    leaves = tree(8)

    def note(size: int, leaves_: list[bytes] = leaves, signer: signing.Ed25519PrivateKey = key) -> str:
        return tlog.Checkpoint(origin, size, merkle.root(leaves_[:size])).signed(signer)

    def request(old: int, size: int, proof: list[bytes] | None = None, **kw: Any) -> str:
        if proof is None:
            proof = merkle.consistency_path(leaves[:size], old) if 0 < old < size else []
        return tlog.AddCheckpoint(old, proof, note(size, **kw)).encode()

    assert add(runtime, "hub", "old 0\n\nnot a checkpoint\n").status == 400
    unknown = tlog.Checkpoint(tlog.log_origin("9999999999999999"), 3, merkle.root(leaves[:3])).signed(key)
    assert add(runtime, "hub", tlog.AddCheckpoint(0, [], unknown).encode()).status == 404
    assert add(runtime, "hub", request(0, 3, signer=signing.generate_signing_key())).status == 403
    assert add(runtime, "hub", request(5, 3, proof=[])).status == 400  # old size above the new

    first = add(runtime, "hub", request(0, 3))
    assert first.status == 200, first.body
    [line] = tlog.parse_signature_lines(first.body)
    hub_key = signing.load_signing_public_key(runtime.transport.call("hub", "info", {})["signing_public_key"])
    text = tlog.Checkpoint(origin, 3, merkle.root(leaves[:3])).text()
    assert line.name == HUB_WITNESS and tlog.verify_cosignature(text, line, hub_key) is not None
    assert tlog.verify_cosignature(text.replace("\n3\n", "\n4\n"), line, hub_key) is None

    stale = add(runtime, "hub", request(0, 5))  # old size not the last cosigned one
    assert (stale.status, stale.content_type, stale.body) == (409, tlog.SIZE_CONTENT_TYPE, "3\n")
    wrong = merkle.consistency_path(tree(5, b"x"), 3)
    assert add(runtime, "hub", request(3, 5, proof=wrong)).status == 422  # failing consistency proof
    assert add(runtime, "hub", request(3, 5)).status == 200
    assert add(runtime, "hub", request(5, 5)).status == 200  # the same head again is cosigned again

    forked = tree(8, b"fork")
    fork = add(runtime, "hub", tlog.AddCheckpoint(5, [], note(5, leaves_=forked)).encode())
    assert fork.status == 422
    held = tlog.WitnessedCheckpoints.model_validate(
        runtime.transport.call("hub", "witness_checkpoints", {"origin": origin})
    )
    assert [c.tree_size for c in held.checkpoints] == [3, 5, 5]
    assert {c.root_hash for c in held.checkpoints if c.tree_size == 5} == {merkle.root(leaves[:5]).hex()}
    reasons = [r["reason"] for r in held.refused]
    assert FORK in reasons and reasons.count(FORK) == 1
    assert [r["status"] for r in held.refused] == [400, 409, 422, 422]


def exchanged(runtime: Runtime) -> InProcess:
    """A registers copies, a family moves A → B, B asks A twice: records at A, B and the hub."""
    net = InProcess(runtime)
    a_people = populate(net, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    join_hub(net, CHIYODA)
    join_hub(net, SETAGAYA)
    atenas = list(a_people)[:2]
    with municipal(net, CHIYODA) as session:
        service.register_copies(
            session, lg_code=CHIYODA, entries=[tax_copy(a_people[a], f"R{i}") for i, a in enumerate(atenas)]
        )
    for atena in move_family(net, atenas):
        submitted = ask(net, atena)
        assert submitted.process_number
        assert poll(net, submitted.process_number).status == "answered"
    return net


def rewrite_and_resign(runtime: Runtime, lg_code: str, seq: int) -> None:
    """The attack of whoever holds the node's data directory and key: edit, rechain, re-sign every head."""
    with runtime.municipal_session(lg_code) as session:
        key = service.node_keys(session, lg_code=lg_code, settings=runtime.settings).signing_key
        rows = list(session.scalars(sa.select(IntermediateRecord).order_by(IntermediateRecord.seq)))
        prev = bytes(rows[seq - 2].entry_hash) if seq > 1 else bytes(32)
        for row in rows[seq - 1 :]:
            if row.seq == seq:
                row.body = {**row.body, "result": "not_found"}
            row.prev_hash = prev
            row.entry_hash = chain_hash(prev, row.seq, row.recorded_at, row.body)
            prev = bytes(row.entry_hash)
        session.execute(sa.delete(IntermediateRecordRoot))
        session.execute(sa.delete(IntermediateRecordCosignature))
        session.flush()
        NODE_RECORDS.sign_root(session, key=key)


def test_verify_names_deletion_rechaining_and_resigning_against_the_witnesses(
    runtime: Runtime, cli_env: dict[str, str]
) -> None:
    exchanged(runtime)
    code, out = run(cli_env, "records", "publish")
    assert code == 0, out
    assert out.count("受理") >= 3 and "未受理" not in out, out
    code, out = run(cli_env, "records", "verify")
    assert code == 0, out
    assert "証人のヘッド 0 件" not in out and "整合性証明 0 件" not in out, out

    # Setagaya (requester): the newest records deleted, with the heads that covered them.
    with runtime.municipal_session(SETAGAYA) as session:
        last = session.scalar(sa.select(sa.func.max(IntermediateRecord.seq)))
        assert last is not None and last >= 2
        session.execute(sa.delete(IntermediateRecord).where(IntermediateRecord.seq == last))
        session.execute(sa.delete(IntermediateRecordRoot).where(IntermediateRecordRoot.tree_size >= last))
    code, out = run(cli_env, "records", "verify", "--node", SETAGAYA)
    assert code == 1 and "末尾の記録が削除されています（証人" in out and f"seq {last}" in out, out

    # Chiyoda (provider): one record rewritten, the chain recomputed and every head re-signed with its own key.
    rewrite_and_resign(runtime, CHIYODA, 1)
    with runtime.municipal_session(CHIYODA) as session:
        [(_code, local)] = service.verify_records(session)
    assert local.ok  # the node's own key vouches for the forgery: only the witnesses can tell
    code, out = run(cli_env, "records", "verify", "--node", CHIYODA)
    assert code == 1 and "が副署したツリーヘッドと一致しません" in out, out

    # Publishing the forged head is a fork to the witnesses: refused, kept, and reported.
    code, out = run(cli_env, "records", "publish")
    assert code == 1 and "HTTP 422" in out, out
    code, out = run(cli_env, "records", "verify", "--node", CHIYODA)
    assert code == 1 and "NG 証人" in out and FORK in out, out


def test_the_hub_rewritten_and_resigned_is_caught_by_the_nodes_and_a_quorum_is_enforced(
    runtime: Runtime, cli_env: dict[str, str]
) -> None:
    exchanged(runtime)
    code, out = run({**cli_env, "RENKEI_WITNESS_QUORUM": "3"}, "records", "publish")
    assert code == 1 and "未受理（定足数不足）" in out, out  # hub: 2 nodes; each node: the hub and one peer
    code, out = run({**cli_env, "RENKEI_WITNESS_QUORUM": "2"}, "records", "publish")
    assert code == 0, out
    with runtime.session("hub") as session:
        from renkei.hub import signs
        from renkei.hub.models import RECORDS as HUB_RECORDS

        rows = list(session.scalars(sa.select(HubRecord).order_by(HubRecord.seq)))
        prev = bytes(32)
        for row in rows:
            if row.seq == 1:
                row.body = {**row.body, "result": "refused"}
            row.entry_hash = chain_hash(prev, row.seq, row.recorded_at, row.body)
            row.prev_hash = prev
            prev = bytes(row.entry_hash)
        session.execute(sa.delete(HubRecordRoot))
        session.flush()
        HUB_RECORDS.sign_root(
            session, key=signs.hub_keys(runtime.settings).signing, at=dt.datetime.now(dt.UTC)
        )
    code, out = run(cli_env, "records", "verify", "--node", "hub")
    assert code == 1 and "が副署したツリーヘッドと一致しません" in out, out


def test_concurrent_checkpoints_from_one_old_size_are_cosigned_once(runtime: Runtime) -> None:
    """Check-and-update is atomic: of two heads sent at once from old size 0, one is cosigned, one gets 409."""
    import threading

    a_and_b(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        key = service.node_keys(session, lg_code=CHIYODA, settings=runtime.settings).signing_key
    origin = tlog.log_origin(A_AGENCY)
    leaves = tree(9)
    bodies = [
        tlog.AddCheckpoint(0, [], tlog.Checkpoint(origin, n, merkle.root(leaves[:n])).signed(key)).encode()
        for n in (3, 5, 7, 9)
    ]
    answers: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def send(body: str) -> None:
        barrier.wait()
        answers.append(add(runtime, "hub", body).status)

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [200, 409, 409, 409], answers


def test_old_records_archived_to_a_file_still_link_to_the_live_log_and_verify_from_the_archive(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Any
) -> None:
    exchanged(runtime)
    assert run(cli_env, "records", "publish")[0] == 0
    with runtime.session("hub") as session:
        size = session.scalar(sa.select(sa.func.max(HubRecordRoot.tree_size)))
    assert size is not None and size >= 2
    out = tmp_path / "hub-1.jsonl"
    code, text = run(
        cli_env, "records", "archive", "--node", "hub", "--through", str(size), "--out", str(out)
    )
    assert code == 0 and f"seq 1–{size}" in text, text
    with runtime.session("hub") as session:
        bodies = [r.body for r in session.scalars(sa.select(HubRecord).where(HubRecord.seq <= size))]
        assert all(set(b) == {"_archived"} for b in bodies)
        assert session.scalar(sa.select(sa.func.count()).where(HubRecord.person_ref.is_not(None))) == 0
    code, text = run(cli_env, "records", "verify", "--node", "hub")
    assert code == 0 and f"アーカイブ済み {size} 件" in text, text
    code, text = run(cli_env, "records", "verify-archive", str(out), "--node", "hub")
    assert code == 0 and f"アーカイブの記録 {size} 件" in text, text

    # a record added after the archive chains on; the live log and the archive still verify
    from renkei.hub import signs
    from renkei.hub.models import RECORDS as HUB_RECORDS

    with runtime.session("hub") as session:
        HUB_RECORDS.append(session, {"result": "refused"}, key=signs.hub_keys(runtime.settings).signing)
    assert run(cli_env, "records", "verify", "--node", "hub")[0] == 0
    assert run(cli_env, "records", "verify-archive", str(out), "--node", "hub")[0] == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = lines[1].replace('"result": "', '"result": "x', 1)
    assert edited != lines[1]
    bad = tmp_path / "hub-1-edited.jsonl"
    bad.write_text("".join([lines[0], edited, *lines[2:]]), encoding="utf-8")
    code, text = run(cli_env, "records", "verify-archive", str(bad), "--node", "hub")
    assert code == 1 and "seq 1] アーカイブの記録が改ざんされています" in text, text


def test_verify_reports_an_unreachable_witness_and_still_checks_against_the_others(runtime: Runtime) -> None:
    from renkei.runtime import witnessing

    exchanged(runtime)
    assert all(result.accepted for _node, result in witnessing.publish_all(runtime))
    runtime.in_process.set_down("lg" + SETAGAYA)
    try:
        found = witnessing.hub_report(runtime)
    finally:
        runtime.in_process.set_down("lg" + SETAGAYA, False)
    assert found.report.ok and found.report.witnessed >= 1, found.report.problems
    assert any("問い合わせできません" in note for note in found.notes), found.notes
