"""Malformed, oversized, too deeply nested or stale requests get a clear error body, never a 500."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient

from renkei.core import clock
from renkei.protocol.http import RefusalLog, service_app, trust_in_process
from renkei.runtime import Runtime, national_dispatcher
from tests.hub.builders import LG_A, LG_B, acquire, query, register, residents


def client(runtime: Runtime, tmp_path: Path) -> tuple[TestClient, RefusalLog]:
    log = RefusalLog(tmp_path / "refusals.jsonl")
    apis = [national_dispatcher(name, runtime) for name in ("hub", "jukinet")]
    app = service_app(
        "test", [a for a in apis if a is not None], authenticate=trust_in_process, on_refusal=log
    )
    return TestClient(app, raise_server_exceptions=False), log


def test_malformed_bodies_are_422_naming_the_field(runtime: Runtime, tmp_path: Path) -> None:
    http, _log = client(runtime, tmp_path)
    empty = http.post("/jukinet/v1/issue-juminhyo-codes", content=b"")
    assert empty.status_code == 422 and empty.json()["error"] == "invalid"
    null = http.post("/jukinet/v1/issue-juminhyo-codes", json={"lg_code": LG_A, "count": None})
    assert null.status_code == 422 and null.json()["field"] == "count"
    broken = http.post(
        "/hub/v1/agency", content=b'{"agency_code": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    unknown = http.post("/hub/v1/no-such-operation", json={})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


def test_bodies_too_large_or_too_deep_are_refused_before_they_are_parsed(
    runtime: Runtime, tmp_path: Path
) -> None:
    http, _log = client(runtime, tmp_path)
    deep = http.post("/hub/v1/agency", content=b"[" * 100_000 + b"]" * 100_000)
    assert deep.status_code == 422 and "入れ子" in deep.json()["message"]
    big = http.post("/hub/v1/agency", content=json.dumps({"agency_code": "1" * (2 << 20)}).encode())
    assert big.status_code == 413 and big.json()["field"] == "body"
    # a bulk operation may carry up to 10 MB: a 2 MB batch is parsed (and refused on its content, not its size)
    bulk = http.post(
        "/jukinet/v1/resolve-acquisition-numbers", json={"acquisition_numbers": ["9" * 20] * 90_000}
    )
    assert bulk.status_code != 413


def test_a_signed_query_dated_a_year_ago_is_refused_and_recorded(runtime: Runtime, tmp_path: Path) -> None:
    http, log = client(runtime, tmp_path)
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    with clock.frozen(clock.now() - dt.timedelta(days=365)):
        old = query(b, a, sign_b)
    answer = http.post("/hub/v1/submit-query", json=old.model_dump(mode="json"))
    assert answer.status_code == 403 and "要求日時" in answer.json()["message"]
    [entry] = log.entries()
    assert entry["operation"] == "submit_query" and "要求日時" in entry["message"]
