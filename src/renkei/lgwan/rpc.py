"""The LGWAN-ASP registry over the protocol: each call one transaction on the `lgwan` database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from renkei.core.db import Databases
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.lgwan import service
from renkei.protocol.api import ServiceApi
from renkei.protocol.lgwan import Application
from renkei.protocol.transport import Body, Transport, dispatcher_from

NODE = "lgwan"


def _id(body: Body) -> int:
    try:
        return int(body.get("id", ""))
    except (TypeError, ValueError):
        raise Invalid("サービスIDは数字です", field="id") from None


def dispatcher(databases: Databases, settings: Settings, transport: Transport | None = None) -> ServiceApi:
    del settings, transport

    def op(handler: Callable[[Any, Body], Body]) -> Callable[[Body], Body]:
        def run(body: Body) -> Body:
            with databases.session(NODE) as session:
                return handler(session, body)

        return run

    def application(body: Body) -> Application:
        try:
            return Application.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise Invalid(
                f"形式が不正です: {first['msg']}", field=str(first["loc"][-1]) if first["loc"] else "申請"
            ) from None

    operations: dict[str, Callable[[Body], Body]] = {
        "asp_apply": op(lambda s, b: service.apply(s, application=application(b)).model_dump(mode="json")),
        "asp_start_review": op(
            lambda s, b: service.start_review(s, service_id=_id(b)).model_dump(mode="json")
        ),
        "asp_check": op(
            lambda s, b: service.check(
                s,
                service_id=_id(b),
                code=str(b.get("code", "")),
                result=str(b.get("result", "")),
                note=str(b.get("note", "")),
            ).model_dump(mode="json")
        ),
        "asp_register": op(lambda s, b: service.register(s, service_id=_id(b)).model_dump(mode="json")),
        "asp_abolish": op(lambda s, b: service.abolish(s, service_id=_id(b)).model_dump(mode="json")),
        "asp_services": op(
            lambda s, b: {
                "services": [
                    x.model_dump(mode="json")
                    for x in service.services(s, status=str(b["status"]) if b.get("status") else None)
                ]
            }
        ),
    }
    return dispatcher_from(operations, NODE)
