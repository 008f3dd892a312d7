"""The wire of マイナンバーカードアプリケーション搭載システム: registering free-space applications, writing them on cards.

A municipality registers its applications centrally (J-LIS, in jpki's カード管理システム), then writes, reads and
deletes them on its residents' cards. Writing and deleting need the card's 利用者証明用 PIN (counted on the card);
reading needs it when the application says so. Decision 0088.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from renkei.protocol.transport import Transport

SERVICE = "jpki"
MAX_APPS = 4  # applications one card's free space holds in renkei (decision 0088)
MAX_DATA = 256  # bytes of canonical JSON per application


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppRegistration(_Message):
    lg_code: str
    name: str = Field(min_length=1, max_length=100)
    purpose: str = Field(default="", max_length=200)
    pin_to_read: bool = False


class AppView(_Message):
    code: str
    lg_code: str
    name: str
    purpose: str
    pin_to_read: bool
    registered_at: dt.datetime


class CardAppView(_Message):
    app_code: str
    name: str
    lg_code: str
    data: dict[str, Any] | None  # None when reading it needs the PIN and none was given
    issued_at: dt.datetime


class CardAppClient:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._transport.call(SERVICE, operation, body)

    def register(self, registration: AppRegistration) -> AppView:
        return AppView.model_validate(self._call("card_app_register", registration.model_dump(mode="json")))

    def registry(self, lg_code: str | None = None) -> list[AppView]:
        return [
            AppView.model_validate(a) for a in self._call("card_app_registry", {"lg_code": lg_code})["apps"]
        ]

    def write(
        self, *, lg_code: str, card_number: str, app_code: str, pin: str, data: dict[str, Any]
    ) -> CardAppView:
        body = {
            "lg_code": lg_code,
            "card_number": card_number,
            "app_code": app_code,
            "pin": pin,
            "data": data,
        }
        return CardAppView.model_validate(self._call("card_app_write", body))

    def read(self, *, card_number: str, pin: str | None = None) -> list[CardAppView]:
        answer = self._call("card_app_read", {"card_number": card_number, "pin": pin})
        return [CardAppView.model_validate(a) for a in answer["apps"]]

    def delete(self, *, lg_code: str, card_number: str, app_code: str, pin: str) -> None:
        self._call(
            "card_app_delete",
            {"lg_code": lg_code, "card_number": card_number, "app_code": app_code, "pin": pin},
        )
