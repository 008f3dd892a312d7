"""Two hub workers against one PostgreSQL deliver every query exactly once (FOR UPDATE SKIP LOCKED + lease)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from renkei.core.db import Databases
from renkei.core.settings import Settings
from renkei.hub.models import HubQuery, HubRecord
from renkei.protocol.hub import HubClient
from renkei.runtime import Runtime
from renkei.runtime.delivery import deliver_round
from tests.conftest import PG_URL
from tests.hub.builders import LG_A, LG_B, acquire, batch, mount_provider, query, register, residents


@pytest.mark.skipif(PG_URL is None, reason="two workers share one PostgreSQL: set RENKEI_TEST_DATABASE_URL")
def test_two_hub_workers_deliver_every_query_exactly_once(runtime: Runtime, settings: Settings) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    people = residents(runtime, LG_A, 20)
    signs_a, signs_b = acquire(runtime, a, LG_A, people), acquire(runtime, b, LG_A, people)
    provider = mount_provider(runtime, a)
    provider.copies = {sign: {"TK00000200000310": 3500} for sign in signs_a}
    hub = HubClient(runtime.transport)
    total = 200
    accepted = hub.submit_queries(batch(b, [query(b, a, signs_b[i % len(signs_b)]) for i in range(total)]))
    assert {x.status for x in accepted} == {"pending"}

    # Each worker its own engines and connections, as two hub processes behind a load balancer would have.
    workers = [Databases(settings) for _ in range(2)]
    for databases in workers:  # engines made (and migrations checked) before the race, not during it
        with databases.session("hub"):
            pass
    rounds: Counter[int] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(index: int) -> None:
        try:
            start.wait(timeout=30)
            idle = 0
            while idle < 3:
                claimed = deliver_round(
                    workers[index], settings=settings, transport=runtime.transport, limit=10
                )
                rounds[index] += bool(claimed)
                idle = 0 if claimed else idle + 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for databases in workers:
        databases.dispose()
    assert not errors, errors
    assert all(rounds[i] > 0 for i in range(2)), rounds  # both took part
    calls = Counter(provider.calls)
    assert len(calls) == total and set(calls.values()) == {1}  # each query sent once, none twice
    with runtime.session("hub") as session:
        statuses = Counter(session.scalars(sa.select(HubQuery.status)))
        records = Counter(session.scalars(sa.select(HubRecord.processing_number)))
    assert statuses == {"answered": total}
    assert len(records) == total and set(records.values()) == {1}  # one hub record per query
