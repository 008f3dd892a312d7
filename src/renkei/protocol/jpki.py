"""`JpkiClient` and the messages of 公的個人認証サービス: window operations, 異動 notices, verification, login.

The municipal window reads the resident from its own register and sends jpki only the 基本4情報 and its
(lg_code, resident_id); the My Number and the 住民票コード never cross this wire.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from renkei.protocol.portal import CertificateHolder, CertificateHolderRequest, OcspExchange
from renkei.protocol.transport import Transport

JPKI_SERVICE = "jpki"

Slot = Literal["auth", "sign"]
CertKind = Literal["auth", "sign", "both"]


class Basic4(BaseModel):
    """基本4情報 (氏名・住所・生年月日・性別) and 旧氏 where registered."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=400)
    birth_date: dt.date
    sex: str = Field(pattern=r"^[129]$")
    former_surname: str | None = None


class IdentityCheck(BaseModel):
    """What the window vouches for: who the person is in its register, and the document it checked."""

    lg_code: str
    resident_id: int
    registered: Basic4
    identity_document: str = Field(default="", max_length=100)


class CardApplication(BaseModel):
    """交付申請: the register's 基本4情報, what the applicant declared, the document checked and the PINs chosen."""

    check: IdentityCheck
    declared: Basic4
    auth_pin: str
    sign_pin: str | None = None
    want_sign: bool = True
    token_kind: Literal["software", "pkcs11"] = "software"  # noqa: S105 - a token type, not a secret


class CertificateView(BaseModel):
    serial: str
    kind: str
    status: str
    reason: int | None
    reason_label: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_at: dt.datetime | None


class CardView(BaseModel):
    card_number: str
    status: str
    expires_on: dt.date
    auth_pin_locked: bool
    sign_pin_locked: bool
    certificates: list[CertificateView]


class HolderStatus(BaseModel):
    lg_code: str
    resident_id: int
    cards: list[CardView]


class IssuedCard(BaseModel):
    card_number: str
    expires_on: dt.date
    auth_serial: str
    sign_serial: str | None
    note: str | None = None


class IdentityChange(BaseModel):
    """A residents' outbox event as jpki needs it (the shape of residents' ResidentEvent)."""

    event_id: str
    kind: Literal["birth", "move_in", "move_out", "name_change", "address_change", "death"]
    lg_code: str
    resident_id: int
    occurred_at: dt.datetime
    name: str
    former_surname: str | None = None
    address: str
    birth_date: dt.date
    sex: str
    previous_lg_code: str | None = None
    previous_resident_id: int | None = None

    @classmethod
    def of(cls, event: Any) -> IdentityChange:
        """Accept a ResidentEvent (pydantic), a dataclass or a mapping with the same fields."""
        if isinstance(event, IdentityChange):
            return event
        if hasattr(event, "model_dump"):
            data = event.model_dump(mode="json")
        elif is_dataclass(event) and not isinstance(event, type):
            data = asdict(event)
        elif isinstance(event, Mapping):
            data = dict(event)
        else:
            raise TypeError(f"not an identity change: {type(event).__name__}")
        return cls.model_validate({k: data[k] for k in cls.model_fields if k in data})


class EventOutcome(BaseModel):
    event_id: str
    outcome: str  # no_card | no_change | revoked_sign | revoked_all | duplicate
    relinked: bool = False
    revoked: list[str] = []


class VerifierRegistration(BaseModel):
    """届出 of a 署名検証者 / 利用者証明検証者 (公的個人認証法 §17, §36); a private business needs its 主務大臣認定."""

    name: str = Field(min_length=1, max_length=200)
    category: Literal["administrative", "court", "certified_ca", "private", "platform"]
    purposes: list[Literal["sign", "auth"]] = Field(min_length=1)
    certification: str | None = None
    certified_on: dt.date | None = None


class VerifierCredentials(BaseModel):
    code: str
    token: str


class VerifierView(BaseModel):
    code: str
    name: str
    category: str
    purposes: list[str]
    certification: str | None
    certified_on: dt.date | None
    active: bool


class VerificationRequest(BaseModel):
    verifier: VerifierCredentials
    certificate: str  # base64 DER
    want_identity: bool = False
    at: dt.datetime | None = None


class VerificationResult(BaseModel):
    valid: bool
    status: str  # good | revoked | hold | expired | not_yet_valid | unknown_issuer | bad_signature | unknown
    message: str
    kind: str | None = None
    serial: str | None = None
    reason: int | None = None
    revoked_at: dt.datetime | None = None
    chain: list[str] = []
    identity: Basic4 | None = None


class LoginChallenge(BaseModel):
    challenge_id: str
    nonce: str  # base64
    audience: str
    expires_at: dt.datetime


class LoginResponse(BaseModel):
    challenge_id: str
    certificate: str  # base64 DER of the 利用者証明用 certificate
    signature: str  # base64 sha256WithRSA over the challenge message


class LoginResult(BaseModel):
    serial: str
    subject: str
    audience: str


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def login_message(challenge_id: str, audience: str, nonce: bytes) -> bytes:
    """What the card signs to log in: binds the nonce to the challenge and the relying party."""
    return b"renkei-jpki-login\x00" + challenge_id.encode() + b"\x00" + audience.encode() + b"\x00" + nonce


class JpkiClient:
    """One method per jpki operation; domain errors arrive raised, whatever the transport."""

    def __init__(self, transport: Transport, *, service: str = JPKI_SERVICE) -> None:
        self._transport = transport
        self._service = service

    def _call(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._transport.call(self._service, operation, body)

    # -- the municipal window -------------------------------------------------------------------------
    def issue_card(self, application: CardApplication) -> IssuedCard:
        return IssuedCard.model_validate(self._call("issue_card", application.model_dump(mode="json")))

    def reset_pin(self, *, card_number: str, slot: Slot, new_pin: str, check: IdentityCheck) -> CardView:
        body = {
            "card_number": card_number,
            "slot": slot,
            "new_pin": new_pin,
            "check": check.model_dump(mode="json"),
        }
        return CardView.model_validate(self._call("reset_pin", body))

    def suspend(self, *, card_number: str) -> CardView:
        return CardView.model_validate(self._call("suspend", {"card_number": card_number}))

    def resume(self, *, card_number: str, check: IdentityCheck) -> CardView:
        body = {"card_number": card_number, "check": check.model_dump(mode="json")}
        return CardView.model_validate(self._call("resume", body))

    def revoke(self, *, card_number: str, kind: CertKind, reason: str, check: IdentityCheck) -> CardView:
        body = {
            "card_number": card_number,
            "kind": kind,
            "reason": reason,
            "check": check.model_dump(mode="json"),
        }
        return CardView.model_validate(self._call("revoke", body))

    def renew(
        self, *, card_number: str, kind: Slot, check: IdentityCheck, sign_pin: str | None = None
    ) -> CardView:
        body = {
            "card_number": card_number,
            "kind": kind,
            "check": check.model_dump(mode="json"),
            "sign_pin": sign_pin,
        }
        return CardView.model_validate(self._call("renew", body))

    def holder_status(self, *, lg_code: str, resident_id: int) -> HolderStatus:
        body = {"lg_code": lg_code, "resident_id": resident_id}
        return HolderStatus.model_validate(self._call("holder_status", body))

    # -- 異動 from the residents' outbox --------------------------------------------------------------
    def notify_identity_change(self, event: Any) -> EventOutcome:
        """Tell jpki about one ResidentEvent; idempotent by event id (the relay may resend)."""
        change = IdentityChange.of(event)
        return EventOutcome.model_validate(
            self._call("notify_identity_change", change.model_dump(mode="json"))
        )

    # -- verifiers -----------------------------------------------------------------------------------
    def register_verifier(self, registration: VerifierRegistration) -> VerifierCredentials:
        answer = self._call("register_verifier", registration.model_dump(mode="json"))
        return VerifierCredentials.model_validate(answer)

    def verify(self, request: VerificationRequest) -> VerificationResult:
        return VerificationResult.model_validate(self._call("verify", request.model_dump(mode="json")))

    # -- login with the 利用者証明用 certificate -------------------------------------------------------
    def login_challenge(self, *, audience: str) -> LoginChallenge:
        return LoginChallenge.model_validate(self._call("login_challenge", {"audience": audience}))

    def login_complete(self, response: LoginResponse) -> LoginResult:
        return LoginResult.model_validate(self._call("login_complete", response.model_dump(mode="json")))

    def card_login_response(self, *, card_number: str, pin: str, challenge: LoginChallenge) -> LoginResponse:
        """The simulated card reader: the card answers a challenge after its 利用者証明用 PIN.

        renkei keeps its software cards in the jpki node, so the holder's side of a login is reached here; a real
        card would answer on the citizen's own device (decision 0064).
        """
        body = {"card_number": card_number, "pin": pin, "challenge": challenge.model_dump(mode="json")}
        return LoginResponse.model_validate(self._call("card_login_response", body))

    # -- for the portal (decision 0090) ------------------------------------------------------------------
    def certificate_holder(self, *, serial: str, kind: Slot = "auth") -> CertificateHolder:
        answer = self._call(
            "certificate_holder", CertificateHolderRequest(serial=serial, kind=kind).model_dump()
        )
        return CertificateHolder.model_validate(answer)

    def card_sign_detached(self, *, card_number: str, pin: str, data: bytes) -> bytes:
        """The simulated card reader: a detached CMS SignedData over `data`, made on the card after the 署名用 PIN."""
        body = {"card_number": card_number, "pin": pin, "data": b64(data)}
        return unb64(str(self._call("card_sign_detached", body)["cms"]))

    def ocsp(self, request_der: bytes) -> bytes:
        """One OCSP exchange (RFC 6960) over the protocol: DER OCSPRequest in, DER OCSPResponse out."""
        answer = OcspExchange.model_validate(self._call("ocsp", {"der": b64(request_der)}))
        return unb64(answer.der)

    def ca_certificates(self) -> dict[str, bytes]:
        """The CA certificates (DER) by role: root, sign, auth."""
        return {role: unb64(str(der)) for role, der in self._call("ca_certificates", {}).items()}

    # -- operators -----------------------------------------------------------------------------------
    def publish_crl(self, *, role: str, delta: bool = False) -> dict[str, Any]:
        return self._call("publish_crl", {"role": role, "delta": delta})
