"""証明書発行サーバ over the protocol: the operations 証明書交付センター calls, one transaction each."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from renkei.certificates import service
from renkei.core.db import Databases
from renkei.core.errors import Invalid
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.protocol.api import ServiceApi
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.kiosk import IssueRequest
from renkei.protocol.transport import Body, Transport, dispatcher_from


def dispatcher(lg_code: str, databases: Databases, settings: Settings, transport: Transport) -> ServiceApi:
    lg_code = validate_lg_code(lg_code)
    node = "lg" + lg_code
    names: list[str] = []

    def municipality() -> str:
        # The name printed on the certificate, from 住基ネット's register; asked before any transaction opens.
        if not names:
            names.append(JukinetClient(transport).municipality(lg_code).name)
        return names[0]

    def issue(body: Body) -> Body:
        try:
            request = IssueRequest.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][-1]) if first["loc"] else "request"
            raise Invalid(f"形式が不正です: {first['msg']}", field=field) from None
        name = municipality()
        with databases.session(node) as session:
            answer = service.issue(
                session, lg_code=lg_code, municipality=name, request=request, settings=settings
            )
        return answer.model_dump(mode="json")

    def check(body: Body) -> Body:
        with databases.session(node) as session:
            return service.check_code(session, code=str(body.get("code", ""))).model_dump(mode="json")

    def history(body: Body) -> Body:
        try:
            resident_id = int(body.get("resident_id", ""))
        except (TypeError, ValueError):
            raise Invalid("住民IDは数字です", field="resident_id") from None
        with databases.session(node) as session:
            rows = service.history(session, resident_id=resident_id)
        fields = ("number", "kind", "kiosk_id", "copies", "fee", "issued_at")
        return {"issued": [r.model_dump(mode="json", include=set(fields)) for r in rows]}

    operations: dict[str, Callable[[Body], Body]] = {
        "issue_certificate": issue,
        "check_code": check,
        "history": history,
    }
    return dispatcher_from(operations, f"{node}-certificates")
