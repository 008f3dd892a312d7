"""jpki on the wire (paths /jpki/v1/…): the operations `JpkiClient` calls, each one transaction on the jpki
database. The window operations act for the municipality named in the identity check, which must be the one
the caller's organisation certificate names (jpki never trusts a 団体コード its caller only claims)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from renkei.core.db import Databases
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.jpki import card_apps, holders, service
from renkei.jpki.ocsp import OcspResponder
from renkei.protocol.api import Empty, ServiceApi, operation
from renkei.protocol.card_apps import AppRegistration, AppView, CardAppView
from renkei.protocol.identity import Caller
from renkei.protocol.jpki import (
    CardApplication,
    CardView,
    CertKind,
    EventOutcome,
    HolderStatus,
    IdentityChange,
    IdentityCheck,
    IssuedCard,
    LoginChallenge,
    LoginResponse,
    LoginResult,
    Slot,
    VerificationRequest,
    VerificationResult,
    VerifierCredentials,
    VerifierRegistration,
    unb64,
)
from renkei.protocol.portal import CertificateHolder, CertificateHolderRequest, OcspExchange
from renkei.protocol.transport import Transport

NODE = "jpki"
WINDOW = {"municipality"}  # the 市区町村窓口 (交付・再設定・失効 …) runs on the municipality's side
# Services that log people in or verify their certificates (the 証明書交付センター "kiosk" logs a card in too).
USERS = {"portal", "municipality", "business", "kiosk"}
ANYONE = {"municipality", "hub", "jukinet", "portal", "operator", "business", "kiosk"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardNumber(_Model):
    card_number: str = Field(min_length=1, max_length=32)


class CardCheck(CardNumber):
    check: IdentityCheck


class PinReset(CardCheck):
    slot: Slot
    new_pin: str = Field(min_length=4, max_length=16)


class Revocation(CardCheck):
    kind: CertKind
    reason: str = Field(min_length=1, max_length=40)


class Renewal(CardCheck):
    kind: CertKind
    sign_pin: str | None = Field(default=None, max_length=16)


class Holder(_Model):
    lg_code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")
    resident_id: int = Field(ge=1)


class Audience(_Model):
    audience: str = Field(default="", max_length=200)


class CardLogin(CardNumber):
    pin: str = Field(min_length=1, max_length=16)
    challenge: LoginChallenge


class CrlRequest(_Model):
    role: str = Field(min_length=1, max_length=10)
    delta: bool = False


class CrlSummary(_Model):
    number: int
    delta_base: int | None
    entries: int
    this_update: dt.datetime
    next_update: dt.datetime


class CaCertificates(_Model):
    """Base64 DER of each authority's certificate, by role (ca.ROLES)."""

    root: str
    sign: str
    auth: str


class CardSignDetached(CardNumber):
    pin: str = Field(min_length=1, max_length=16)
    data: str = Field(max_length=1_400_000, description="Base64 of the bytes to sign")


class Cms(_Model):
    cms: str = Field(description="Base64 of a detached CMS SignedData made on the card")


class Registry(_Model):
    lg_code: str | None = Field(default=None, min_length=6, max_length=6)


class Apps(_Model):
    apps: list[AppView]


class CardApps(_Model):
    apps: list[CardAppView]


class CardAppWrite(CardNumber):
    lg_code: str = Field(min_length=6, max_length=6)
    app_code: str = Field(min_length=1, max_length=40)
    pin: str = Field(min_length=1, max_length=16)
    data: dict[str, Any] = Field(default_factory=dict)


class CardAppRead(CardNumber):
    pin: str | None = Field(default=None, max_length=16)


class CardAppDelete(CardNumber):
    lg_code: str = Field(min_length=6, max_length=6)
    app_code: str = Field(min_length=1, max_length=40)
    pin: str = Field(min_length=1, max_length=16)


def _window(caller: Caller, check: IdentityCheck) -> None:
    caller.must_be_municipality(check.lg_code, field="check.lg_code")


def api(databases: Databases, settings: Settings, transport: Transport | None = None) -> ServiceApi:
    del transport
    responders: list[OcspResponder] = []

    @operation("ocsp", OcspExchange, OcspExchange, callers=ANYONE)
    def ocsp(body: OcspExchange, _caller: Caller) -> OcspExchange:
        """OCSP（RFC 6960）を電文で: ポータル・証明書交付センター等の検証用 / one OCSP exchange over the protocol."""
        if not responders:
            responders.append(OcspResponder(lambda: databases.session(NODE), settings))
        try:
            request = base64.b64decode(body.der, validate=True)
        except ValueError:
            request = b""  # the responder answers malformedRequest
        return OcspExchange(der=base64.b64encode(responders[0].respond(request)).decode())

    # The simulated card reader signs a document on the card after the 署名用 PIN (decision 0094).
    @operation("card_sign_detached", CardSignDetached, Cms, callers=USERS)
    def card_sign_detached(request: CardSignDetached, _caller: Caller) -> Cms:
        """模擬カードリーダー: 署名用電子証明書で文書に署名（CMS） / the card signs a document (CMS)."""
        try:
            data = unb64(request.data)
        except ValueError as exc:
            raise Invalid("署名対象のBase64が不正です", field="data") from exc
        with databases.session(NODE) as session:
            cms = service.sign_detached(
                session, settings=settings, card_number=request.card_number, pin=request.pin, data=data
            )
        return Cms(cms=base64.b64encode(cms).decode())

    # マイナンバーカードアプリケーション搭載システム (decision 0088): only the registering municipality touches
    # its application, and only on its own residents' cards (checked in card_apps).
    @operation("card_app_register", AppRegistration, AppView, callers=WINDOW)
    def card_app_register(registration: AppRegistration, caller: Caller) -> AppView:
        """カード空き領域のアプリケーション登録 / register a free-space application."""
        caller.must_be_municipality(registration.lg_code)
        with databases.session(NODE) as session:
            return card_apps.register(session, registration=registration)

    @operation("card_app_registry", Registry, Apps, callers=ANYONE)
    def card_app_registry(request: Registry, _caller: Caller) -> Apps:
        """登録済みのアプリケーション / the registered applications."""
        with databases.session(NODE) as session:
            return Apps(apps=card_apps.registry(session, lg_code=request.lg_code))

    @operation("card_app_write", CardAppWrite, CardAppView, callers=WINDOW)
    def card_app_write(request: CardAppWrite, caller: Caller) -> CardAppView:
        """カードへの書込み（暗証番号） / write an application's data on a card (PIN)."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            return card_apps.write(
                session,
                settings=settings,
                lg_code=request.lg_code,
                card_number=request.card_number,
                app_code=request.app_code,
                pin=request.pin,
                data=request.data,
            )

    @operation("card_app_read", CardAppRead, CardApps, callers=WINDOW)
    def card_app_read(request: CardAppRead, _caller: Caller) -> CardApps:
        """カードのアプリケーションの読取り / read a card's applications."""
        with databases.session(NODE) as session:
            found = card_apps.read(
                session, settings=settings, card_number=request.card_number, pin=request.pin
            )
        return CardApps(apps=found)

    @operation("card_app_delete", CardAppDelete, Empty, callers=WINDOW)
    def card_app_delete(request: CardAppDelete, caller: Caller) -> Empty:
        """カードからの削除（暗証番号） / delete an application from a card (PIN)."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            card_apps.delete(
                session,
                settings=settings,
                lg_code=request.lg_code,
                card_number=request.card_number,
                app_code=request.app_code,
                pin=request.pin,
            )
        return Empty()

    @operation(
        "certificate_holder",
        CertificateHolderRequest,
        CertificateHolder,
        callers={"municipality", "portal", "kiosk"},
    )
    def certificate_holder(request: CertificateHolderRequest, _caller: Caller) -> CertificateHolder:
        """証明書の名義人（発行団体・住民・カード） / whose certificate a serial is."""
        with databases.session(NODE) as session:
            return holders.certificate_holder(session, serial=request.serial, kind=request.kind)

    @operation("issue_card", CardApplication, IssuedCard, callers=WINDOW)
    def issue_card(application: CardApplication, caller: Caller) -> IssuedCard:
        """カードの交付と電子証明書の発行（窓口） / issue a card with its certificates."""
        _window(caller, application.check)
        with databases.session(NODE) as session:
            return service.issue_card(session, settings=settings, application=application)

    @operation("reset_pin", PinReset, CardView, callers=WINDOW)
    def reset_pin(request: PinReset, caller: Caller) -> CardView:
        """暗証番号の再設定（窓口、本人確認付き） / reset a PIN at the window."""
        _window(caller, request.check)
        with databases.session(NODE) as session:
            return service.reset_pin(
                session,
                settings=settings,
                card_number=request.card_number,
                slot=request.slot,
                new_pin=request.new_pin,
                check=request.check,
            )

    @operation("suspend", CardNumber, CardView, callers=WINDOW)
    def suspend(request: CardNumber, _caller: Caller) -> CardView:
        """一時停止（紛失の届出） / suspend a card (reported lost)."""
        with databases.session(NODE) as session:
            return service.suspend(session, card_number=request.card_number)

    @operation("resume", CardCheck, CardView, callers=WINDOW)
    def resume(request: CardCheck, caller: Caller) -> CardView:
        """一時停止の解除（本人確認付き） / lift a suspension."""
        _window(caller, request.check)
        with databases.session(NODE) as session:
            return service.resume(session, card_number=request.card_number, check=request.check)

    @operation("revoke", Revocation, CardView, callers=WINDOW)
    def revoke(request: Revocation, caller: Caller) -> CardView:
        """電子証明書の失効（本人確認付き） / revoke a card's certificates."""
        _window(caller, request.check)
        with databases.session(NODE) as session:
            return service.revoke(
                session,
                card_number=request.card_number,
                kind=request.kind,
                reason=request.reason,
                check=request.check,
            )

    @operation("renew", Renewal, CardView, callers=WINDOW)
    def renew(request: Renewal, caller: Caller) -> CardView:
        """電子証明書の更新 / renew a card's certificates."""
        _window(caller, request.check)
        with databases.session(NODE) as session:
            return service.renew(
                session,
                settings=settings,
                card_number=request.card_number,
                kind=request.kind,
                check=request.check,
                sign_pin=request.sign_pin,
            )

    @operation("holder_status", Holder, HolderStatus, callers=WINDOW)
    def holder_status(request: Holder, caller: Caller) -> HolderStatus:
        """住民のカードと証明書の状態（自団体の住民のみ） / a resident's cards."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            return service.holder_status(session, lg_code=request.lg_code, resident_id=request.resident_id)

    @operation("notify_identity_change", IdentityChange, EventOutcome, callers=WINDOW)
    def notify_identity_change(event: IdentityChange, caller: Caller) -> EventOutcome:
        """基本4情報の異動の通知（署名用電子証明書の失効） / a 異動 that may revoke the signing certificate."""
        caller.must_be_municipality(event.lg_code, field="lg_code")
        with databases.session(NODE) as session:
            return service.notify_identity_change(session, event=event)

    @operation("register_verifier", VerifierRegistration, VerifierCredentials, callers={"operator"})
    def register_verifier(registration: VerifierRegistration, _caller: Caller) -> VerifierCredentials:
        """署名検証者・利用者証明検証者の登録（運用者） / register a verifier (operators only)."""
        with databases.session(NODE) as session:
            return service.register_verifier(session, registration=registration)

    @operation("verify", VerificationRequest, VerificationResult, callers=USERS)
    def verify(request: VerificationRequest, _caller: Caller) -> VerificationResult:
        """電子証明書の有効性確認（検証者の資格情報が必要） / check a certificate's status."""
        try:
            certificate = unb64(request.certificate)
        except ValueError as exc:
            raise Invalid("証明書のBase64が不正です", field="certificate") from exc
        with databases.session(NODE) as session:
            result: VerificationResult = service.verify_certificate(
                session,
                credentials=request.verifier,
                certificate_der=certificate,
                want_identity=request.want_identity,
                at=request.at,
            )
            return result

    @operation("login_challenge", Audience, LoginChallenge, callers=USERS)
    def login_challenge(request: Audience, _caller: Caller) -> LoginChallenge:
        """利用者証明用電子証明書によるログインのチャレンジ / a login challenge."""
        with databases.session(NODE) as session:
            return service.start_login(session, audience=request.audience)

    @operation("login_complete", LoginResponse, LoginResult, callers=USERS)
    def login_complete(response: LoginResponse, _caller: Caller) -> LoginResult:
        """チャレンジへの署名の検証 / check a signed login challenge."""
        with databases.session(NODE) as session:
            return service.complete_login(session, response=response)

    # The simulated card reader (the cards of renkei live in this node; decision 0064).
    @operation("card_login_response", CardLogin, LoginResponse, callers=USERS)
    def card_login_response(request: CardLogin, _caller: Caller) -> LoginResponse:
        """模擬カードリーダー: 暗証番号でカードがチャレンジに署名 / the simulated card signs a challenge."""
        with databases.session(NODE) as session:
            return service.card_login_response(
                session,
                settings=settings,
                card_number=request.card_number,
                pin=request.pin,
                challenge=request.challenge,
            )

    @operation("publish_crl", CrlRequest, CrlSummary, callers={"operator"})
    def publish_crl(request: CrlRequest, _caller: Caller) -> CrlSummary:
        """CRLの発行（運用者） / publish a CRL (operators only)."""
        with databases.session(NODE) as session:
            crl: Any = service.publish_crl(session, settings=settings, role=request.role, delta=request.delta)
            return CrlSummary(
                number=crl.number,
                delta_base=crl.delta_base,
                entries=crl.entries,
                this_update=crl.this_update,
                next_update=crl.next_update,
            )

    @operation("ca_certificates", Empty, CaCertificates, callers=ANYONE)
    def ca_certificates(_request: Empty, _caller: Caller) -> CaCertificates:
        """認証局の証明書（Base64 DER） / the authorities' certificates."""
        with databases.session(NODE) as session:
            found = service.authority_certificates(session, settings=settings)
        return CaCertificates(**{role: base64.b64encode(der).decode() for role, der in found.items()})

    return ServiceApi(NODE, "jpki", "renkei jpki 公的個人認証サービス").add(
        issue_card,
        reset_pin,
        suspend,
        resume,
        revoke,
        renew,
        holder_status,
        notify_identity_change,
        register_verifier,
        verify,
        login_challenge,
        login_complete,
        card_login_response,
        publish_crl,
        ca_certificates,
        ocsp,
        card_sign_detached,
        card_app_register,
        card_app_registry,
        card_app_write,
        card_app_read,
        card_app_delete,
        certificate_holder,
    )
