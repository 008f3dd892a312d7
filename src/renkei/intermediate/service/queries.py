"""情報照会: 宛名番号 → 統合宛名番号 → 符号, a signed request to the hub, the result by 処理通番 (ARCHITECTURE §5).

Every way of asking (one query from a page or an API call, a bulk file of thousands) goes the same three steps,
each its own transaction or none (CONVENTIONS §18): `prepare` stores the queries (a line that cannot be asked is
kept with its error, as the result file reports it) and resolves each person with one lookup per table; `send`
signs them once per batch of up to BATCH_LIMIT (a `QueryBatch`) and submits them with no transaction open;
`settle` records the hub's 処理通番 on each, and closes and records the refusals. A crash between the steps
leaves queries queued; sending them again is safe, as the hub answers a request id it knows with its first
answer. Results come back the same way: pushed by the hub (`accept_results`) or polled (`poll_pending`), opened
and checked outside the transaction's network calls, closed and recorded with one grouped append.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.bulk import insert_rows_returning_ids, read_timestamp, select_in
from renkei.core.errors import Invalid, NotFound, RenkeiError
from renkei.core.ids import validate_agency_code, validate_jm, validate_jt, validate_tm
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateQuery
from renkei.intermediate.schemas import (
    DETAIL_ERROR,
    DETAIL_OK,
    DETAIL_PENDING,
    TM_NO_DATA,
    TM_NONE,
    TM_OK,
    TM_REFUSED,
    QueryOutcome,
    QueryRequest,
)
from renkei.intermediate.service import people, records
from renkei.intermediate.service.node import NodeKeys, node_keys
from renkei.layouts.loader import catalogue
from renkei.protocol import messages
from renkei.protocol.answers import open_answer
from renkei.protocol.hub import HubClient

PENDING, ANSWERED, REFUSED, ERROR = "pending", "answered", "refused", "error"
QUEUED = "queued"  # stored and signed-to-be, not yet accepted by the hub
QUERIES: sa.Table = IntermediateQuery.__table__  # type: ignore[assignment]
Sessions = Callable[[], AbstractContextManager[Session]]

log = logging.getLogger("renkei.intermediate.queries")
# Providers' signing keys as the hub published them (機関コード → PEM), kept for the process.
_PROVIDER_KEYS: dict[str, str] = {}
_KEYS_LOCK = threading.Lock()


@dataclass(slots=True)
class Line:
    """One query to prepare: the request (None when the line could not be read), its raw fields and its error."""

    request: QueryRequest | None
    fields: list[str] = field(default_factory=list)
    error: Invalid | None = None


@dataclass(slots=True)
class Prepared:
    """Queries stored and ready to send: the queued rows and their hub requests, in order, the node's keys, and
    for every line its row (a retried `client_request_id` is the earlier row) or the error it met."""

    batch: str | None
    keys: NodeKeys
    items: list[messages.QueryItem]
    rows: list[dict[str, Any]]
    errors: int
    line_rows: list[int] = field(default_factory=list)
    line_errors: dict[int, RenkeiError] = field(default_factory=dict)

    @property
    def row_ids(self) -> list[int]:
        return [row["id"] for row in self.rows]


@dataclass(slots=True)
class Submitted:
    batch: str | None
    submitted: int
    refused: int
    errors: int
    line_rows: list[int] = field(default_factory=list)  # each line's query row, in line order
    failure: str | None = None  # why the hub was not reached (those queries stay queued, to be sent again)


def _validate(request: QueryRequest) -> None:
    validate_jm(request.jm_code)
    tm = validate_tm(request.tm_code)
    if tm not in catalogue():
        raise Invalid(
            f"特定個人情報名コード「{tm}」は登録されていません（不明なコード）", field="特定個人情報名コード"
        )
    validate_jt(request.jt_code)
    validate_agency_code(request.provider, field="情報提供者機関コード")


def _earlier(session: Session, lg_code: str, client_ids: set[str]) -> dict[str, tuple[int, str]]:
    """Rows already stored for these business-system request ids, with their status (a retry finds its first
    query; one still queued — stored but never accepted by the hub — is sent again)."""
    found = select_in(
        session,
        QUERIES,
        ("client_request_id", "id", "status"),
        "client_request_id",
        sorted(client_ids),
        equal={"lg_code": lg_code},
    )
    return {str(r[0]): (int(r[1]), str(r[2])) for r in found}


def _resend(
    session: Session, *, lg_code: str, row_ids: list[int]
) -> tuple[list[messages.QueryItem], list[dict[str, Any]]]:
    """Queued rows sent again as they were stored (their request ids, so the hub answers once per request)."""
    q = QUERIES.c
    rows = [
        dict(r._mapping)
        for r in session.execute(
            sa.select(QUERIES).where(q.id.in_(row_ids), q.status == QUEUED).order_by(q.id)
        )
    ]
    people_of = people.resolve_people(
        session, lg_code=lg_code, wanted=[(r["integrated_number"], None, None) for r in rows]
    )
    items, queued = [], []
    for row in rows:
        found = people_of[(row["integrated_number"], None, None)]
        if isinstance(found, RenkeiError):
            continue  # left queued with its reason for a later run
        asked = row["request"]
        items.append(
            messages.QueryItem(
                request_id=asked["request_id"],
                requester_sign=found[1],
                jimu_code=row["jm_code"],
                procedure_code=row["jt_code"],
                provider_agency_code=row["provider"],
                tm_code=row["tm_code"],
                period_from=asked.get("date_from"),
                period_to=asked.get("date_to"),
                non_disclosure=asked.get("nondisclosure") == "2",
                non_disclosure_until=asked.get("nondisclosure_until")
                if asked.get("nondisclosure") == "2"
                else None,
            )
        )
        queued.append(row)
    return items, queued


def prepare(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    lines: Iterable[Line],
    batch: str | None = None,
) -> Prepared:
    """Store every line (a line that cannot be asked with its message) and make a hub request for each good one.

    A line whose `client_request_id` was seen before (stored, or earlier in these lines) is that query again."""
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    lines = list(lines)
    clients = {line.request.client_request_id for line in lines if line.request is not None}
    earlier = _earlier(session, lg_code, {c for c in clients if c}) if any(clients) else {}
    now = clock.now()
    rows: list[dict[str, Any]] = []
    row_index: dict[int, int] = {}  # line → its new row in `rows`
    repeat_of: dict[int, str] = {}  # line → the client request id it repeats
    line_errors: dict[int, RenkeiError] = {}
    asked: list[tuple[int, QueryRequest]] = []
    resend: set[int] = set()
    seen_clients: dict[str, int] = {}
    for number, line in enumerate(lines):
        request = line.request
        client = request.client_request_id if request else None
        if client and (client in earlier or client in seen_clients):
            repeat_of[number] = client
            if client in earlier and earlier[client][1] == QUEUED:
                resend.add(earlier[client][0])
            continue
        row: dict[str, Any] = {
            "lg_code": lg_code,
            "batch": batch,
            "source": "",
            "atena": None,
            "system": None,
            "integrated_number": None,
            "jm_code": "",
            "jt_code": "",
            "provider": "",
            "tm_code": "",
            "request": {"fields": line.fields},
            "status": ERROR,
            "message": "",
            "requested_at": now,
            "client_request_id": client,
        }
        if client:
            seen_clients[client] = number
        row_index[number] = len(rows)
        rows.append(row)
        if request is None:
            row["source"] = (line.error.record or "") if line.error else ""
            row["message"] = line.error.message if line.error else ""
            if line.error is not None:
                line_errors[number] = line.error
            continue
        row.update(
            source=request.source[:200],
            atena=request.atena,
            system=request.system,
            integrated_number=request.integrated_number,
            jm_code=request.jm_code,
            jt_code=request.jt_code,
            provider=request.provider,
            tm_code=request.tm_code,
        )
        row["request"] = {
            "fields": line.fields,
            "department": request.department,
            "user_id": request.user_id,
            "date_from": request.date_from.isoformat() if request.date_from else None,
            "date_to": request.date_to.isoformat() if request.date_to else None,
            "nondisclosure": request.nondisclosure,
            "nondisclosure_until": request.nondisclosure_until.isoformat()
            if request.nondisclosure_until
            else None,
        }
        try:
            _validate(request)
        except RenkeiError as error:
            row["message"] = error.message
            line_errors[number] = error
            continue
        asked.append((number, request))
    people_of = people.resolve_people(
        session,
        lg_code=lg_code,
        wanted=[(r.integrated_number, r.system, r.atena) for _, r in asked],
    )
    items: list[messages.QueryItem] = []
    queued: list[int] = []
    for number, request in asked:
        row = rows[row_index[number]]
        found = people_of[(request.integrated_number, request.system, request.atena)]
        if isinstance(found, RenkeiError):
            row["message"] = found.message
            line_errors[number] = found
            continue
        integrated, sign = found
        request_id = uuid.uuid4().hex
        row.update(integrated_number=integrated, status=QUEUED)
        row["request"]["request_id"] = request_id
        items.append(
            messages.QueryItem(
                request_id=request_id,
                requester_sign=sign,
                jimu_code=request.jm_code,
                procedure_code=request.jt_code,
                provider_agency_code=request.provider,
                tm_code=request.tm_code,
                period_from=request.date_from,
                period_to=request.date_to,
                # "1", what real files carry, is 開示 (decision 0041); "2" withholds the record (0096)
                non_disclosure=request.nondisclosure == "2",
                non_disclosure_until=request.nondisclosure_until if request.nondisclosure == "2" else None,
            )
        )
        queued.append(row_index[number])
    ids = _insert(session, rows)
    for index, row_id in enumerate(ids):
        rows[index]["id"] = row_id
    line_rows = [
        ids[row_index[n]]
        if n in row_index
        else earlier[repeat_of[n]][0]
        if repeat_of[n] in earlier
        else ids[row_index[seen_clients[repeat_of[n]]]]
        for n in range(len(lines))
    ]
    again, again_rows = _resend(session, lg_code=lg_code, row_ids=sorted(resend)) if resend else ([], [])
    return Prepared(
        batch=batch,
        keys=keys,
        items=items + again,
        rows=[rows[i] for i in queued] + again_rows,
        errors=len(rows) - len(queued),
        line_rows=line_rows,
        line_errors=line_errors,
    )


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    columns = tuple(rows[0])
    return insert_rows_returning_ids(
        session,
        QUERIES,
        columns,
        [tuple(orjson.dumps(r[c]).decode() if c == "request" else r[c] for c in columns) for r in rows],
    )


def send(hub: HubClient, prepared: Prepared) -> list[messages.QueryAccepted]:
    """Submit the prepared queries, BATCH_LIMIT per call, each call signed once; touches no database. A resend
    after a failure carries the same request ids, which the hub answers with the 処理通番 it gave the first time."""
    accepted: list[messages.QueryAccepted] = []
    keys = prepared.keys
    for start in range(0, len(prepared.items), messages.BATCH_LIMIT):
        batch = messages.QueryBatch(
            requester_agency_code=keys.agency_code,
            requested_at=clock.now(),
            requests=prepared.items[start : start + messages.BATCH_LIMIT],
        ).signed(keys.signing_key)
        accepted += hub.submit_queries(batch)
    return accepted


def settle(session: Session, *, prepared: Prepared, accepted: list[messages.QueryAccepted]) -> Submitted:
    """Record the hub's 処理通番 on each queued row; refusals are closed and recorded at once."""
    submitted = refused = 0
    updates: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    for row, answer in zip(prepared.rows, accepted, strict=True):
        values = {
            "qid": row["id"],
            "process_number": answer.processing_number,
            "message": "",
            "answered_at": None,
        }
        if answer.status == "pending":
            values["status"] = PENDING
            submitted += 1
        else:
            values.update(status=REFUSED, message=answer.refusal_reason or "", answered_at=answer.accepted_at)
            closed = row | {
                "process_number": answer.processing_number,
                "status": REFUSED,
                "message": values["message"],
                "answered_at": answer.accepted_at,
                "answer": None,
            }
            bodies.append(records.query_body(closed, requester=prepared.keys.agency_code))
            refused += 1
        updates.append(values)
    if updates:
        session.execute(sa.update(QUERIES).where(QUERIES.c.id == sa.bindparam("qid")), updates)
    if bodies:
        records.append(session, bodies, prepared.keys.signing_key)
    return Submitted(prepared.batch, submitted, refused, prepared.errors)


def _send_or_note(sessions: Sessions, hub: HubClient, prepared: Prepared) -> list[messages.QueryAccepted]:
    """Send with no transaction open. If the hub cannot be reached the queries stay queued, with the reason:
    asking again (a retry with the same client request id, the same bulk file run again) sends them."""
    try:
        return send(hub, prepared) if prepared.items else []
    except RenkeiError as error:
        with sessions() as session:
            session.execute(
                sa.update(QUERIES)
                .where(QUERIES.c.id.in_(prepared.row_ids), QUERIES.c.status == QUEUED)
                .values(
                    message=f"送信待ち（情報提供ネットワークシステムに送信できませんでした: {error.message}）"
                )
            )
        raise


def submit(
    sessions: Sessions,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    lines: Iterable[Line],
    batch: str | None = None,
) -> Submitted:
    """Prepare, send and settle a batch (see the module docstring). If the hub cannot be reached, nothing is
    lost: the queries stay queued and `failure` says why."""
    with sessions() as session:
        prepared = prepare(session, lg_code=lg_code, settings=settings, lines=lines, batch=batch)
    try:
        accepted = _send_or_note(sessions, hub, prepared)
    except RenkeiError as error:
        return Submitted(batch, 0, 0, prepared.errors, prepared.line_rows, failure=error.message)
    with sessions() as session:
        done = settle(session, prepared=prepared, accepted=accepted)
    done.line_rows = prepared.line_rows
    return done


def submit_each(
    sessions: Sessions, *, lg_code: str, settings: Settings, hub: HubClient, lines: Sequence[Line]
) -> list[QueryOutcome | RenkeiError]:
    """Submit queries asked one by one (perhaps by several callers at once, `Coalescer`) as one batch, and give
    each line its own outcome, or the error that line met (the hub unreachable is every queued line's error)."""
    with sessions() as session:
        prepared = prepare(session, lg_code=lg_code, settings=settings, lines=lines)
    failure: RenkeiError | None = None
    try:
        accepted = _send_or_note(sessions, hub, prepared)
    except RenkeiError as error:
        failure, accepted = error, []
    with sessions() as session:
        if failure is None:
            settle(session, prepared=prepared, accepted=accepted)
        ids = prepared.line_rows
        rows = {
            r.id: r
            for r in session.scalars(sa.select(IntermediateQuery).where(IntermediateQuery.id.in_(ids)))
        }
    queued = set(prepared.row_ids)
    out: list[QueryOutcome | RenkeiError] = []
    for number, row_id in enumerate(prepared.line_rows):
        problem = prepared.line_errors.get(number)
        if problem is not None:
            out.append(problem)
        elif failure is not None and row_id in queued:
            out.append(failure)
        else:
            out.append(outcome(rows[row_id]))
    return out


def submit_query(
    sessions: Sessions, *, lg_code: str, settings: Settings, hub: HubClient, request: QueryRequest
) -> QueryOutcome:
    """Submit one query; returns at once with the hub's 処理通番. A person without a 統合宛名番号 or 符号 raises
    (the attempt is kept with its reason). A business system's retry with the same `client_request_id` gets the
    first query."""
    _validate(request)
    (found,) = submit_each(sessions, lg_code=lg_code, settings=settings, hub=hub, lines=[Line(request)])
    if isinstance(found, RenkeiError):
        raise found
    return found


class Coalescer:
    """Group commit for single queries: queries asked while a submission is on its way go together in the next
    one (one transaction each side, one signed call to the hub), so a busy node pays the fixed costs once per
    group, and an idle one sends each query at once. One thread per node process does the submitting."""

    LIMIT = messages.BATCH_LIMIT

    def __init__(self, submit_lines: Callable[[list[Line]], list[QueryOutcome | RenkeiError]]) -> None:
        self._submit = submit_lines
        self._lock = threading.Condition()
        self._queue: list[_Asked] = []
        self._thread: threading.Thread | None = None

    def ask(self, line: Line, *, timeout: float = 120.0) -> QueryOutcome:
        asked = _Asked(line)
        with self._lock:
            self._queue.append(asked)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="renkei-query-coalescer", daemon=True)
                self._thread.start()
            self._lock.notify()
        if not asked.done.wait(timeout):
            raise RenkeiError("照会の送信が時間内に終わりませんでした（処理通番で結果を確認してください）")
        if isinstance(asked.result, RenkeiError):
            raise asked.result
        assert asked.result is not None
        return asked.result

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    if not self._lock.wait(timeout=60):
                        self._thread = None
                        return
                group, self._queue = self._queue[: self.LIMIT], self._queue[self.LIMIT :]
            try:
                results = self._submit([a.line for a in group])
            except Exception as exc:  # a loop that survives says what it survived (CONVENTIONS §19)
                log.exception("submitting a group of single queries failed")
                error = exc if isinstance(exc, RenkeiError) else RenkeiError("照会を送信できませんでした")
                results = [error] * len(group)
            for asked, result in zip(group, results, strict=True):
                asked.result = result
                asked.done.set()


@dataclass(slots=True)
class _Asked:
    line: Line
    done: threading.Event = field(default_factory=threading.Event)
    result: QueryOutcome | RenkeiError | None = None


# --- results ------------------------------------------------------------------------------------------------
def _provider_keys(hub: HubClient, codes: Iterable[str], *, fresh: bool = False) -> dict[str, str]:
    """The providers' signing keys (from the process cache, else from the hub: a network call, so never inside
    a transaction)."""
    out: dict[str, str] = {}
    for code in set(codes):
        with _KEYS_LOCK:
            known = None if fresh else _PROVIDER_KEYS.get(code)
        if known is None:
            known = hub.agency(code).signing_public_key
            with _KEYS_LOCK:
                _PROVIDER_KEYS[code] = known
        out[code] = known
    return out


_OPEN_COLUMNS = (
    "id",
    "lg_code",
    "process_number",
    "integrated_number",
    "provider",
    "jm_code",
    "jt_code",
    "tm_code",
    "requested_at",
    "batch",
)


def close_results(
    session: Session,
    *,
    lg_code: str,
    keys: NodeKeys,
    results: Sequence[messages.PollResult],
    provider_keys: dict[str, str],
    fresh_keys: bool = False,
) -> list[str]:
    """Close the pending queries these results answer or refuse: open each answer, check its signature, record
    them with one grouped append. A result for a query already closed, or another agency's, changes nothing.

    An answer whose signature does not verify with a cached key stays pending (the key is forgotten, so the next
    poll asks the hub again); with a key just fetched it is closed as an error with the reason."""
    closed = {
        r.processing_number: r
        for r in results
        if r.requester_agency_code == keys.agency_code and r.status != "pending"
    }
    if not closed:
        return []
    # The hub's push and a business system's poll may close the same query at once: only one records it. On
    # PostgreSQL the row lock decides; a served SQLite node runs one transaction at a time anyway. The log's
    # append lock comes first, before any row lock, so a push and a poll cannot deadlock each other.
    records.RECORDS.lock(session)
    q = QUERIES.c
    rows = session.execute(
        sa.select(*(q[c] for c in _OPEN_COLUMNS))
        .where(q.lg_code == lg_code, q.process_number.in_(list(closed)), q.status == PENDING)
        .with_for_update()
    ).all()
    updates: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    keys_closed: list[str] = []
    for row in rows:
        result = closed[row.process_number]
        values: dict[str, Any] = {
            "qid": row.id,
            "answered_at": result.answered_at or clock.now(),
            "answer": None,
        }
        if result.status == "refused" or result.answer is None:
            values.update(status=REFUSED, message=result.refusal_reason or "照会は拒否されました")
        else:
            try:
                payload = open_answer(
                    result.answer,
                    requester_agency_code=keys.agency_code,
                    sealing_key=keys.sealing_key,
                    provider_signing_public_key=provider_keys[row.provider],
                )
            except Invalid as exc:
                if not fresh_keys:
                    with _KEYS_LOCK:
                        _PROVIDER_KEYS.pop(row.provider, None)
                    continue
                values.update(status=ERROR, message=f"回答を検証できません: {exc.message}")
            else:
                values.update(
                    status=ANSWERED,
                    message=result.answer.message,
                    answered_at=result.answer.provided_at,
                    answer={
                        "status": result.answer.status,
                        "copies": [c.model_dump(mode="json") for c in payload.copies] if payload else [],
                    },
                )
        updates.append(values)
        keys_closed.append(row.process_number)
        if row.batch:
            keys_closed.append(f"batch:{row.batch}")
        bodies.append(
            records.query_body(
                dict(row._mapping) | {k: v for k, v in values.items() if k != "qid"},
                requester=keys.agency_code,
            )
        )
    if updates:
        session.execute(sa.update(QUERIES).where(q.id == sa.bindparam("qid")), updates)
        records.append(session, bodies, keys.signing_key)
    return keys_closed


def accept_results(
    sessions: Sessions,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    results: list[messages.PollResult],
) -> list[str]:
    """Results the hub pushed; returns what they closed (see `close_results`)."""
    with sessions() as session:
        keys = node_keys(session, lg_code=lg_code, settings=settings)
    answered = [r for r in results if r.answer is not None and r.requester_agency_code == keys.agency_code]
    provider_keys = _provider_keys(hub, [r.provider_agency_code for r in answered])
    with sessions() as session:
        return close_results(
            session, lg_code=lg_code, keys=keys, results=results, provider_keys=provider_keys
        )


def poll_pending(
    sessions: Sessions,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    batch: str | None = None,
    process_numbers: Sequence[str] | None = None,
    ids: Sequence[int] | None = None,
    grace: dt.timedelta = dt.timedelta(0),
) -> int:
    """Ask the hub for the results of pending queries (of one batch, these 処理通番 or these rows) that have
    waited longer than `grace` — a served node gets its results pushed and need not ask sooner — then close what
    came back. Returns how many of them are still pending."""
    q = QUERIES.c
    where = [q.lg_code == lg_code, q.status == PENDING]
    if batch is not None:
        where.append(q.batch == batch)
    if process_numbers is not None:
        where.append(q.process_number.in_(list(process_numbers)))
    with sessions() as session:
        keys = node_keys(session, lg_code=lg_code, settings=settings)
        due = clock.now() - grace
        if ids is not None:
            found = select_in(
                session,
                QUERIES,
                ("process_number", "requested_at"),
                "id",
                sorted(set(ids)),
                equal={"lg_code": lg_code, "status": PENDING},
            )
            rows = [(number, read_timestamp(at)) for number, at in found]
        else:
            rows = [
                (r[0], r[1])
                for r in session.execute(sa.select(q.process_number, q.requested_at).where(*where))
            ]
    ask = [number for number, at in rows if at is not None and at <= due]
    if not ask:
        return len(rows)
    results: list[messages.PollResult] = []
    for start in range(0, len(ask), messages.BATCH_LIMIT):
        results += hub.poll_batch(
            messages.PollBatch(
                requester_agency_code=keys.agency_code,
                requested_at=clock.now(),
                processing_numbers=ask[start : start + messages.BATCH_LIMIT],
            ).signed(keys.signing_key)
        )
    codes = [r.provider_agency_code for r in results if r.answer is not None]
    cached = all(c in _PROVIDER_KEYS for c in codes)
    provider_keys = _provider_keys(hub, codes)
    with sessions() as session:
        closed = close_results(
            session,
            lg_code=lg_code,
            keys=keys,
            results=results,
            provider_keys=provider_keys,
            fresh_keys=not cached,
        )
    return len(rows) - len([k for k in closed if not k.startswith("batch:")])


def poll_query(
    sessions: Sessions,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    process_number: str,
    grace: dt.timedelta = dt.timedelta(0),
) -> QueryOutcome:
    """The result of a query by 処理通番, asking the hub if it is still pending (see `poll_pending`)."""
    with sessions() as session:
        found = find_query(session, lg_code=lg_code, process_number=process_number)
    if found.status != PENDING or found.requested_at > clock.now() - grace:
        return found  # closed, or young enough that its result will be pushed
    poll_pending(
        sessions, lg_code=lg_code, settings=settings, hub=hub, process_numbers=[process_number], grace=grace
    )
    with sessions() as session:
        return find_query(session, lg_code=lg_code, process_number=process_number)


def outcome(row: IntermediateQuery) -> QueryOutcome:
    answer: dict[str, Any] = row.answer or {}
    copies: list[dict[str, Any]] = list(answer.get("copies", []))
    if row.status == ANSWERED:
        detail, tm = DETAIL_OK, (TM_OK if copies else TM_NO_DATA)
    elif row.status in (PENDING, QUEUED):
        detail, tm = DETAIL_PENDING, TM_NONE
    elif row.status == REFUSED:
        detail, tm = DETAIL_ERROR, TM_REFUSED
    else:
        detail, tm = DETAIL_ERROR, TM_NONE
    return QueryOutcome(
        query_id=row.id,
        process_number=row.process_number,
        status=row.status,
        message=row.message,
        detail_status=detail,
        tm_status=tm,
        integrated_number=row.integrated_number,
        atena=row.atena,
        provider=row.provider,
        tm_code=row.tm_code,
        requested_at=row.requested_at,
        answered_at=row.answered_at,
        copies=copies,
        source=row.source,
    )


def recent_queries(session: Session, *, lg_code: str, limit: int = 50) -> list[QueryOutcome]:
    rows = session.scalars(
        sa.select(IntermediateQuery)
        .where(IntermediateQuery.lg_code == lg_code)
        .order_by(IntermediateQuery.id.desc())
        .limit(limit)
    )
    return [outcome(r) for r in rows]


def find_query(session: Session, *, lg_code: str, process_number: str) -> QueryOutcome:
    row = session.scalar(
        sa.select(IntermediateQuery).where(
            IntermediateQuery.lg_code == lg_code, IntermediateQuery.process_number == process_number
        )
    )
    if row is None:
        raise NotFound(
            f"処理通番「{process_number}」の照会はありません", record=process_number, field="処理通番"
        )
    return outcome(row)
