"""jpki over the protocol: the operations `JpkiClient` calls, each one transaction on the jpki database."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from renkei.core.db import Databases
from renkei.core.settings import Settings
from renkei.jpki import holders, service
from renkei.jpki.ocsp import OcspResponder
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
from renkei.protocol.portal import CertificateHolderRequest, OcspExchange, parse
from renkei.protocol.transport import Body, Dispatcher, Transport, dispatcher_from

NODE = "jpki"


def dispatcher(databases: Databases, settings: Settings, transport: Transport | None = None) -> Dispatcher:
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

    responder: list[OcspResponder] = []  # made on the first OCSP request over the protocol

    def ocsp(body: Body) -> Body:
        if not responder:
            responder.append(OcspResponder(lambda: databases.session(NODE), settings))
        request = parse(OcspExchange, body)
        try:
            der = unb64(request.der)
        except ValueError as exc:
            from renkei.core.errors import Invalid

            raise Invalid("OCSP要求のBase64が不正です", field="der") from exc
        return OcspExchange(der=base64.b64encode(responder[0].respond(der)).decode()).model_dump(mode="json")

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
        # For the portal (decision 0090): its 利用者登録, and OCSP over the protocol as well as POST /ocsp.
        "certificate_holder": op(lambda s, b: _holder(s, parse(CertificateHolderRequest, b))),
        # The simulated card reader for 電子申請: a detached CMS signature made on the card after its 署名用 PIN.
        "card_sign_detached": op(
            lambda s, b: {
                "cms": base64.b64encode(
                    service.sign_detached(
                        s,
                        settings=settings,
                        card_number=str(b["card_number"]),
                        pin=str(b["pin"]),
                        data=unb64(str(b["data"])),
                    )
                ).decode()
            }
        ),
        "ocsp": ocsp,
        "publish_crl": op(
            lambda s, b: _crl_summary(
                service.publish_crl(s, settings=settings, role=str(b["role"]), delta=bool(b.get("delta")))
            )
        ),
        "ca_certificates": op(
            lambda s, b: {
                role: base64.b64encode(der).decode()
                for role, der in service.authority_certificates(s, settings=settings).items()
            }
        ),
    }
    return dispatcher_from(operations, NODE)


def _holder(session: Any, request: CertificateHolderRequest) -> Any:
    return holders.certificate_holder(session, serial=request.serial, kind=request.kind)


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
