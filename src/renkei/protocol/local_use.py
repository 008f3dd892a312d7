"""独自利用事務の情報連携 届出 on the wire: a municipality files it with the commission's role at the hub.

番号法第19条第9号 lets a 条例事務関係情報照会者 ask through the hub for the 利用特定個人情報 that the 個人情報保護委員会
規則 allows, after a 届出 to the commission (docs/decisions/0132). The municipality signs the 届出 with its node key;
the commission's operator accepts or returns it on the national side; the municipality reads the outcome back.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from renkei.core.ids import validate_agency_code, validate_jm, validate_tm
from renkei.protocol.messages import Message, SignedMessage
from renkei.protocol.transport import Transport

HUB_SERVICE = "hub"
NotificationStatus = Literal["filed", "accepted", "returned"]
_CODE16 = re.compile(r"[0-9]{16}")


class RequestedInformation(Message):
    """One 特定個人情報 the 事務 asks for, and from whom (an agency kind such as 市町村長, or a 16-digit 機関コード)."""

    provider: str
    tm_code: str
    provider_consent: bool = False  # the provider agreed (needed when a named body is asked; decision 0132)

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("情報提供者を指定してください")
        if value.isdigit() and not _CODE16.fullmatch(value):
            raise ValueError(f"機関コードは16桁です: {value}")
        return value

    @field_validator("tm_code")
    @classmethod
    def _tm(cls, value: str) -> str:
        return validate_tm(value)


class LocalUseNotification(SignedMessage):
    """The 届出: the 事務, its 条例 and article, the period, and the information asked for (with consents)."""

    notification_id: str
    requester_agency_code: str
    jimu_code: str
    jimu_name: str
    similar_jimu_code: str = ""  # 準ずる法定事務
    ordinance_number: str
    ordinance_title: str
    article: str
    start_on: dt.date
    end_on: dt.date | None = None
    information: list[RequestedInformation]

    @field_validator("requester_agency_code")
    @classmethod
    def _agency(cls, value: str) -> str:
        return validate_agency_code(value)

    @field_validator("jimu_code")
    @classmethod
    def _jm(cls, value: str) -> str:
        return validate_jm(value)

    @field_validator("similar_jimu_code")
    @classmethod
    def _similar(cls, value: str) -> str:
        return validate_jm(value, field="準ずる法定事務") if value else ""

    @field_validator("notification_id", "jimu_name", "ordinance_number", "ordinance_title", "article")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("空欄にできません")
        return value.strip()

    @model_validator(mode="after")
    def _period(self) -> LocalUseNotification:
        if self.end_on is not None and self.end_on < self.start_on:
            raise ValueError(f"終了日 {self.end_on} が開始日 {self.start_on} より前です")
        if not self.information:
            raise ValueError("提供を求める特定個人情報を1つ以上指定してください")
        return self


class NotificationQuery(SignedMessage):
    """A municipality asks how its 届出 stands."""

    requester_agency_code: str
    notification_id: str


class NotificationState(Message):
    """How a 届出 stands at the commission, with the reasons when it was returned."""

    notification_id: str
    requester_agency_code: str
    jimu_code: str
    status: NotificationStatus
    reasons: list[str] = Field(default_factory=list)
    filed_at: dt.datetime
    decided_at: dt.datetime | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    entries: int = 0  # permission entries made at the hub when accepted


class LocalUseClient:
    """The hub's 届出 operations, typed (the commission's decisions are operator actions, not node calls)."""

    def __init__(self, transport: Transport, *, service: str = HUB_SERVICE) -> None:
        self._transport = transport
        self._service = service

    def file_notification(self, notification: LocalUseNotification) -> NotificationState:
        body = notification.model_dump(mode="json")
        return NotificationState.model_validate(
            self._transport.call(self._service, "file_local_use_notification", body)
        )

    def notification_status(self, query: NotificationQuery) -> NotificationState:
        body = query.model_dump(mode="json")
        return NotificationState.model_validate(
            self._transport.call(self._service, "local_use_notification_status", body)
        )
