"""A municipality's node (中間サーバー) on the wire: the models of its API and `NodeClient` for business systems.

Business systems of the municipality ask their node (`/node/v1/{lg_code}/…`) to query other agencies; the hub
calls its "provide" operation. `client_request_id` makes a business system's retry after a crash safe: the same
id returns the first query, never a second one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from renkei.protocol.transport import Transport


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


MAX_WAIT_SECONDS = 30.0


class NodeQuery(_Model):
    """情報照会 as a business system asks it: the person by 宛名番号 (with its system) or 統合宛名番号."""

    jm_code: str = Field(min_length=1, max_length=16, description="事務コード JM…")
    jt_code: str = Field(min_length=1, max_length=16, description="事務手続コード JT…")
    provider: str = Field(min_length=1, max_length=16, description="情報提供者の機関コード（16桁）")
    tm_code: str = Field(min_length=1, max_length=16, description="特定個人情報名コード TM…")
    atena: str | None = Field(default=None, max_length=15, description="宛名番号")
    system: str | None = Field(default=None, max_length=20, description="宛名番号の業務システム")
    integrated_number: str | None = Field(default=None, max_length=15, description="団体内統合宛名番号")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    user_id: str = Field(default="", max_length=64, description="操作者ID")
    client_request_id: str | None = Field(
        default=None, max_length=64, description="業務システムの要求ID（再送しても照会は一件）"
    )
    wait_seconds: float = Field(
        default=0.0,
        ge=0.0,
        le=MAX_WAIT_SECONDS,
        description="回答を待つ秒数（0: 処理通番を即時に返す）/ wait up to this long and return the answer itself",
    )


class NodeQueryOutcome(_Model):
    """Where one query stands as the requester sees it."""

    processing_number: str | None
    status: str = Field(description="pending / answered / refused / error")
    message: str
    detail_status: str
    tm_status: str
    integrated_number: str | None
    atena: str | None
    provider: str
    tm_code: str
    requested_at: dt.datetime
    answered_at: dt.datetime | None = None
    copies: list[dict[str, Any]] = Field(default_factory=list)


class ProcessingNumber(_Model):
    processing_number: str = Field(min_length=1, max_length=20)
    # Hold the call up to this long while the query is pending (a long poll: the answer is returned the moment
    # the hub pushes it, and a business system need not poll again and again).
    wait_seconds: float = Field(default=0.0, ge=0.0, le=MAX_WAIT_SECONDS)


class BulkQueries(_Model):
    requests: list[NodeQuery] = Field(min_length=1, max_length=10_000)


class BulkAccepted(_Model):
    batch: str
    submitted: int
    refused: int
    errors: int


class BatchId(_Model):
    batch: str = Field(min_length=1, max_length=64)
    wait_seconds: float = Field(default=0.0, ge=0.0, le=MAX_WAIT_SECONDS)  # until none is pending, at most


class BulkPending(_Model):
    pending: int


class PersonByIntegratedNumber(_Model):
    integrated_number: str = Field(min_length=15, max_length=15, pattern=r"^[0-9]{15}$")


class SelfInformation(_Model):
    """自己情報: the person's copies by 特定個人情報名 and the records that concern them."""

    lg_code: str
    integrated_number: str
    copies: list[dict[str, Any]]
    records: list[dict[str, Any]]


def node_service(lg_code: str) -> str:
    return "lg" + lg_code


class NodeClient:
    """One method per operation a business system calls on its own node."""

    def __init__(self, transport: Transport, *, lg_code: str) -> None:
        self._transport = transport
        self._service = node_service(lg_code)

    def query(self, query: NodeQuery) -> NodeQueryOutcome:
        answer = self._transport.call(self._service, "query", query.model_dump(mode="json"))
        return NodeQueryOutcome.model_validate(answer)

    def result(self, processing_number: str) -> NodeQueryOutcome:
        body = {"processing_number": processing_number}
        return NodeQueryOutcome.model_validate(self._transport.call(self._service, "result", body))

    def query_bulk(self, queries: list[NodeQuery]) -> BulkAccepted:
        body = {"requests": [q.model_dump(mode="json") for q in queries]}
        return BulkAccepted.model_validate(self._transport.call(self._service, "query_bulk", body))

    def bulk_result(self, batch: str) -> BulkPending:
        return BulkPending.model_validate(
            self._transport.call(self._service, "bulk_result", {"batch": batch})
        )
