"""The wire to J-LIS's LGWAN-ASP registry: services, their 登録・接続審査 checklist and status. Decision 0087."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from renkei.protocol.transport import Transport

SERVICE = "lgwan"

# 総合行政ネットワークASP基本要綱 第9条: the four kinds of service provider.
CATEGORIES = (
    "アプリケーション及びコンテンツサービス",
    "ホスティングサービス",
    "ファシリティサービス",
    "通信サービス",
)
# How the service reaches LGWAN (ASPガイドライン: LGWAN-ASP接続セグメント, hosting, tunnelling).
CONNECTION_FORMS = ("LGWAN-ASP接続セグメントに直接接続", "ホスティングサービス上で提供", "トンネリング通信")
# 基本要綱 第3条: who may provide a service (本邦内の団体に限る).
PROVIDER_KINDS = ("地方公共団体", "国の行政機関等", "地方公共団体の連合組織等", "民間事業者")
STATUSES = ("申請", "審査中", "登録", "廃止")
# The 登録・接続審査 checklist renkei asks (decision 0087; J-LIS's own sheet is not public).
CHECKLIST = {
    "C01": "提供者が基本要綱第3条の団体である（本邦内）",
    "C02": "サービス内容が地方公共団体の事務に資する",
    "C03": "情報セキュリティ対策（ISMS等の認証または同等の体制）",
    "C04": "接続設備がLGWAN-ASP接続設備の仕様に適合する",
    "C05": "運用・障害時の連絡体制が定められている",
    "C06": "個人情報の取扱いと秘密保持（接続約款第2条）",
    "C07": "接続試験に合格した",
}
Result = Literal["適合", "不適合", "未確認"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Application(_Message):
    provider: str = Field(min_length=1, max_length=100)
    provider_kind: str
    name: str = Field(min_length=1, max_length=100)
    category: str
    connection_form: str
    description: str = Field(default="", max_length=400)


class ReviewItem(_Message):
    code: str
    label: str
    result: Result
    note: str = ""


class AspService(_Message):
    id: int
    registration_number: str | None
    provider: str
    provider_kind: str
    name: str
    category: str
    connection_form: str
    description: str
    status: str
    applied_at: dt.datetime
    registered_at: dt.datetime | None
    abolished_at: dt.datetime | None
    checklist: list[ReviewItem]


class ServiceRef(_Message):
    """Which registered service an operation concerns."""

    id: int = Field(ge=1)


class ReviewCheck(ServiceRef):
    """One item of the 登録・接続審査 checklist judged by the registry's reviewer."""

    code: str = Field(min_length=1, max_length=8)
    result: Result
    note: str = Field(default="", max_length=400)


class ServicesQuery(_Message):
    status: str | None = Field(default=None, max_length=10)


class AspServices(_Message):
    services: list[AspService]


class LgwanRegistry:
    """Typed calls to the LGWAN-ASP registry."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    # Bodies go as given; the registry's models (ServiceRef, ReviewCheck, ServicesQuery) judge them there, so a
    # bad value is one `Invalid` naming the field whichever side it came from.
    def _call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._transport.call(SERVICE, operation, body)

    def apply(self, application: Application) -> AspService:
        return AspService.model_validate(self._call("asp_apply", application.model_dump(mode="json")))

    def start_review(self, service_id: int) -> AspService:
        return AspService.model_validate(self._call("asp_start_review", {"id": service_id}))

    def check(self, service_id: int, code: str, result: Result, note: str = "") -> AspService:
        body = {"id": service_id, "code": code, "result": result, "note": note}
        return AspService.model_validate(self._call("asp_check", body))

    def register(self, service_id: int) -> AspService:
        return AspService.model_validate(self._call("asp_register", {"id": service_id}))

    def abolish(self, service_id: int) -> AspService:
        return AspService.model_validate(self._call("asp_abolish", {"id": service_id}))

    def services(self, status: str | None = None) -> list[AspService]:
        return AspServices.model_validate(self._call("asp_services", {"status": status})).services
