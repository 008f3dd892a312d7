"""jpki over the protocol: the operations `JpkiClient` calls, each one transaction on the jpki database."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from renkei.core.db import Databases
from renkei.core.settings import Settings
from renkei.jpki import card_apps, holders, service
from renkei.jpki.ocsp import OcspResponder
from renkei.protocol.card_apps import AppRegistration
from renkei.protocol.jpki import (
    CardApplication,
    IdentityChange,
    IdentityCheck,
    LoginChallenge,
    LoginResponse,
    VerificationRequest,
    VerifierRegistration,
    unb64,
)
from renkei.protocol.transport import Body, Dispatcher, Transport, dispatcher_from

NODE = "jpki"


def dispatcher(databases: Databases, settings: Settings, transport: Transport | None = None) -> Dispatcher:
    responders: list[OcspResponder] = []

    def ocsp(body: Body) -> Body:
        # RFC 6960 over the protocol for 証明書交付センター (コンビニ交付); the same responder as `renkei serve jpki`.
        if not responders:
            responders.append(OcspResponder(lambda: databases.session(NODE), settings))
        try:
            request = base64.b64decode(str(body.get("request", "")), validate=True)
        except ValueError:
            request = b""
        return {"response": base64.b64encode(responders[0].respond(request)).decode()}

    def op(handler: Callable[[Any, Body], Any]) -> Callable[[Body], Body]:
        def run(body: Body) -> Body:
            with databases.session(NODE) as session:
                answer = handler(session, body)
            if hasattr(answer, "model_dump"):
                dumped: Body = answer.model_dump(mode="json")
                return dumped
            result: Body = answer
            return result

        return run

    def check(body: Body) -> IdentityCheck | None:
        return None if body.get("check") is None else IdentityCheck.model_validate(body["check"])

    operations: dict[str, Callable[[Body], Body]] = {
        "issue_card": op(
            lambda s, b: service.issue_card(
                s, settings=settings, application=CardApplication.model_validate(b)
            )
        ),
        "reset_pin": op(
            lambda s, b: service.reset_pin(
                s,
                settings=settings,
                card_number=str(b["card_number"]),
                slot=str(b["slot"]),
                new_pin=str(b["new_pin"]),
                check=check(b),
            )
        ),
        "suspend": op(lambda s, b: service.suspend(s, card_number=str(b["card_number"]))),
        "resume": op(lambda s, b: service.resume(s, card_number=str(b["card_number"]), check=check(b))),
        "revoke": op(
            lambda s, b: service.revoke(
                s,
                card_number=str(b["card_number"]),
                kind=str(b["kind"]),
                reason=str(b["reason"]),
                check=check(b),
            )
        ),
        "renew": op(
            lambda s, b: service.renew(
                s,
                settings=settings,
                card_number=str(b["card_number"]),
                kind=str(b["kind"]),
                check=check(b),
                sign_pin=b.get("sign_pin"),
            )
        ),
        "holder_status": op(
            lambda s, b: service.holder_status(
                s, lg_code=str(b["lg_code"]), resident_id=int(b["resident_id"])
            )
        ),
        "notify_identity_change": op(
            lambda s, b: service.notify_identity_change(s, event=IdentityChange.model_validate(b))
        ),
        "register_verifier": op(
            lambda s, b: service.register_verifier(s, registration=VerifierRegistration.model_validate(b))
        ),
        "verify": op(lambda s, b: _verify(s, VerificationRequest.model_validate(b))),
        "login_challenge": op(lambda s, b: service.start_login(s, audience=str(b.get("audience", "")))),
        "login_complete": op(
            lambda s, b: service.complete_login(s, response=LoginResponse.model_validate(b))
        ),
        # The simulated card reader (the cards of renkei live in this node; decision 0064).
        "card_login_response": op(
            lambda s, b: service.card_login_response(
                s,
                settings=settings,
                card_number=str(b["card_number"]),
                pin=str(b["pin"]),
                challenge=LoginChallenge.model_validate(b["challenge"]),
            )
        ),
        "publish_crl": op(
            lambda s, b: _crl_summary(
                service.publish_crl(s, settings=settings, role=str(b["role"]), delta=bool(b.get("delta")))
            )
        ),
        "ocsp": ocsp,
        # マイナンバーカードアプリケーション搭載システム (decision 0088).
        "card_app_register": op(lambda s, b: card_apps.register(s, registration=_registration(b))),
        "card_app_registry": op(
            lambda s, b: {
                "apps": [a.model_dump(mode="json") for a in card_apps.registry(s, lg_code=b.get("lg_code"))]
            }
        ),
        "card_app_write": op(
            lambda s, b: card_apps.write(
                s,
                settings=settings,
                lg_code=str(b.get("lg_code", "")),
                card_number=str(b.get("card_number", "")),
                app_code=str(b.get("app_code", "")),
                pin=str(b.get("pin", "")),
                data=dict(b["data"]) if isinstance(b.get("data"), dict) else {},
            )
        ),
        "card_app_read": op(
            lambda s, b: {
                "apps": [
                    a.model_dump(mode="json")
                    for a in card_apps.read(
                        s,
                        settings=settings,
                        card_number=str(b.get("card_number", "")),
                        pin=None if b.get("pin") is None else str(b["pin"]),
                    )
                ]
            }
        ),
        "card_app_delete": op(lambda s, b: _delete_app(s, settings, b)),
        "certificate_holder": op(lambda s, b: holders.certificate_holder(s, serial=str(b.get("serial", "")))),
        "ca_certificates": op(
            lambda s, b: {
                role: base64.b64encode(der).decode()
                for role, der in service.authority_certificates(s, settings=settings).items()
            }
        ),
    }
    return dispatcher_from(operations, NODE)


def _registration(body: Body) -> AppRegistration:
    from pydantic import ValidationError

    from renkei.core.errors import Invalid

    try:
        return AppRegistration.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(
            f"形式が不正です: {first['msg']}", field=str(first["loc"][-1]) if first["loc"] else "app"
        ) from None


def _delete_app(session: Any, settings: Settings, body: Body) -> Body:
    card_apps.delete(
        session,
        settings=settings,
        lg_code=str(body.get("lg_code", "")),
        card_number=str(body.get("card_number", "")),
        app_code=str(body.get("app_code", "")),
        pin=str(body.get("pin", "")),
    )
    return {}


def _verify(session: Any, request: VerificationRequest) -> Any:
    from renkei.core.errors import Invalid

    try:
        certificate = unb64(request.certificate)
    except ValueError as exc:
        raise Invalid("証明書のBase64が不正です", field="certificate") from exc
    return service.verify_certificate(
        session,
        credentials=request.verifier,
        certificate_der=certificate,
        want_identity=request.want_identity,
        at=request.at,
    )


def _crl_summary(crl: Any) -> Body:
    return {
        "number": crl.number,
        "delta_base": crl.delta_base,
        "entries": crl.entries,
        "this_update": crl.this_update.isoformat(),
        "next_update": crl.next_update.isoformat(),
    }
