"""マイナポータル's public face: one `Portal` per process, holding its protocol clients and the CA certificates.

Pages, the CLI and tests call these methods; each opens its own short transactions around the network calls it
makes to the hub, jpki and municipal nodes (CONVENTIONS §18), so a method is one use case, safe to retry.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden
from renkei.core.settings import Settings
from renkei.portal import consents, history, login, pittari, selfinfo
from renkei.portal import notices as notice_box
from renkei.portal.keys import portal_keys, register_with_hub
from renkei.portal.login import PortalPerson
from renkei.portal.models import (
    PortalApiClient,
    PortalApplication,
    PortalConsent,
    PortalConsentUse,
    PortalUser,
)
from renkei.protocol.cms import verify_detached
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient, LoginChallenge, LoginResponse
from renkei.protocol.messages import ConsentUse
from renkei.protocol.portal import PORTAL_AGENCY_CODE, MunicipalPortalClient
from renkei.protocol.relying import CertificateChecker
from renkei.protocol.transport import Transport

Sessions = Callable[[], AbstractContextManager[Session]]


class Portal:
    def __init__(self, *, sessions: Sessions, settings: Settings, transport: Transport) -> None:
        self.sessions = sessions
        self.settings = settings
        self.hub = HubClient(transport)
        self.jpki = JpkiClient(transport)
        self.municipal = MunicipalPortalClient(transport)
        self.checker = CertificateChecker(self.jpki)
        self._registered = False
        self._lock = threading.Lock()

    def ensure_registered(self) -> None:
        """Register with the hub once per process (the hub keeps the registration; repeating is harmless)."""
        with self._lock:
            if not self._registered:
                register_with_hub(self.settings, hub=self.hub)
                self._registered = True

    def info(self) -> dict[str, str]:
        keys = portal_keys(self.settings)
        return {
            "agency_code": PORTAL_AGENCY_CODE,
            "signing_public_key": keys.signing_public_pem,
            "sealing_public_key": keys.sealing_public_pem,
        }

    # -- login ---------------------------------------------------------------------------------------
    def begin_login(self) -> LoginChallenge:
        with self.sessions() as session:
            return login.start_login(session)

    def finish_login(self, response: LoginResponse) -> PortalPerson:
        self.ensure_registered()
        return login.finish_login(
            self.sessions,
            response=response,
            settings=self.settings,
            checker=self.checker,
            jpki=self.jpki,
            hub=self.hub,
            municipal=self.municipal,
        )

    def login_with_card(self, *, challenge_id: str, card_number: str, pin: str) -> PortalPerson:
        """The demo's card reader: the software card answers the challenge after its PIN, then the portal checks."""
        with self.sessions() as session:
            challenge = login.challenge(session, challenge_id=challenge_id)
        response = self.jpki.card_login_response(card_number=card_number, pin=pin, challenge=challenge)
        return self.finish_login(response)

    def user(self, user_id: int) -> PortalUser:
        with self.sessions() as session:
            user = login.get_user(session, user_id=user_id)
            session.expunge(user)
            return user

    # -- やりとり履歴 ---------------------------------------------------------------------------------------
    def exchanges(self, user_id: int) -> list[history.Exchange]:
        """Every exchange of the person, each with its proof checked (downloads, audits)."""
        self.ensure_registered()
        return history.fetch(self.user(user_id), settings=self.settings, hub=self.hub).exchanges

    def history(
        self,
        user_id: int,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        agency: str | None = None,
        page: int = 1,
    ) -> history.History:
        """One page of やりとり履歴: every exchange listed (filters, counts, chart), the page's proofs checked.

        The hub sends the person's entries without proofs first, then the proofs of the page's entries only, so a
        page costs O(page · log n) hashes whatever the person's history or the log (decision 0097)."""
        self.ensure_registered()
        user = self.user(user_id)
        listed = history.fetch(user, settings=self.settings, hub=self.hub, listing=True)
        shown = history.select(
            listed.exchanges, date_from=date_from, date_to=date_to, agency=agency, page=page
        )
        shown.withheld = listed.withheld
        seqs = [e.seq for e in shown.exchanges]
        if seqs:
            checked = history.fetch(user, settings=self.settings, hub=self.hub, proofs_for=seqs)
            history.with_checked(shown, checked.exchanges)
        return shown

    # -- お知らせ --------------------------------------------------------------------------------------------
    def notices(self, user_id: int) -> list[notice_box.NoticeView]:
        with self.sessions() as session:
            return notice_box.list_notices(session, user=login.get_user(session, user_id=user_id))

    def open_notice(self, user_id: int, notice_id: str) -> notice_box.NoticeView:
        with self.sessions() as session:
            return notice_box.open_notice(
                session, user=login.get_user(session, user_id=user_id), notice_id=notice_id
            )

    # -- 自己情報 -------------------------------------------------------------------------------------------
    def self_information(self, user_id: int) -> list[selfinfo.SelfInfo]:
        self.ensure_registered()
        return selfinfo.fetch(self.user(user_id), settings=self.settings, hub=self.hub)

    # -- ぴったりサービス -------------------------------------------------------------------------------------
    def apply(
        self, user_id: int, *, card_number: str, service_code: str, form: dict[str, str], pin: str
    ) -> PortalApplication:
        """Validate, sign on the card (署名用 PIN), check the signature, signer and status, then keep it."""
        chosen = pittari.service(service_code)
        values = pittari.validate(chosen, form)
        pittari.check_sign_pin(pin)
        user = self.user(user_id)
        body = pittari.content(chosen, user=user, values=values)
        data = pittari.canonical(body)
        signed = self.jpki.card_sign_detached(card_number=card_number, pin=pin, data=data)
        document = verify_detached(signed, data, record=str(body["application_id"]))
        holder = self.jpki.certificate_holder(serial=document.serial, kind="sign")
        if (holder.lg_code, holder.resident_id) != (user.lg_code, user.resident_id):
            raise Forbidden(
                "署名者がログインしている本人ではありません", record=document.serial, field="署名"
            )
        checked = self.checker.check_certificate(document.certificate_der, role="sign")
        with self.sessions() as session:
            application = pittari.store(
                session, user_id=user_id, body=body, cms=signed, document=document, checked=checked
            )
            session.expunge(application)
            return application

    def applications(self, user_id: int) -> list[PortalApplication]:
        with self.sessions() as session:
            found = pittari.my_applications(session, user_id=user_id)
            session.expunge_all()
            return found

    def application(self, user_id: int, application_id: str) -> PortalApplication:
        with self.sessions() as session:
            found = pittari.my_application(session, user_id=user_id, application_id=application_id)
            session.expunge(found)
            return found

    def hub_public_key(self) -> str:
        return self.hub.info().signing_public_key

    # -- 自己情報取得API (decisions 0098, 0099) -------------------------------------------------------------------
    def consents(self, user_id: int) -> list[PortalConsent]:
        with self.sessions() as session:
            found = consents.mine(session, user_id=user_id)
            session.expunge_all()
            return found

    def change_consent(self, user_id: int, consent_id: str, action: str) -> PortalConsent:
        with self.sessions() as session:
            consent = consents.change(session, user_id=user_id, consent_id=consent_id, action=action)
            session.expunge(consent)
            return consent

    def api_fetch(self, *, consent: PortalConsent) -> dict[str, Any]:
        """What a client receives under an active consent: the consented 特定個人情報 over its data range, fetched
        through the hub like any 自己情報; the use is then recorded at the hub (やりとり履歴) and here."""
        self.ensure_registered()
        user = self.user(consent.user_id)
        terms = consent.terms
        tms = tuple(terms["info_sets"])
        period = (
            dt.date.fromisoformat(terms["data_from"]) if terms.get("data_from") else None,
            dt.date.fromisoformat(terms["data_to"]) if terms.get("data_to") else None,
        )
        results = selfinfo.fetch(user, settings=self.settings, hub=self.hub, tms=tms, period=period)
        with self.sessions() as session:
            client = session.get(PortalApiClient, consent.client_id)
            client_name = client.name if client else consent.client_id
        keys = portal_keys(self.settings)
        used = ConsentUse(
            agency_code=PORTAL_AGENCY_CODE,
            sign=user.sign,
            client_id=consent.client_id,
            client_name=client_name,
            consent_id=consent.id,
            tm_codes=list(tms),
            requested_at=clock.now(),
        ).signed(keys.signing)
        recorded = self.hub.record_consent_use(used)
        with self.sessions() as session:
            session.add(
                PortalConsentUse(
                    consent_id=consent.id,
                    used_at=clock.now(),
                    tm_codes=list(tms),
                    record_seq=recorded.seqs[0],
                )
            )
        return {
            "consent_id": consent.id,
            "subject": consents.pairwise_subject(self.settings, user_id=user.id, client_id=consent.client_id),
            "retention_days": terms["retention_days"],
            "fetched_at": clock.now().isoformat(),
            "information": [
                {
                    "tm_code": r.tm_code,
                    "tm_name": r.tm_name,
                    "status": r.status,
                    "message": r.message,
                    "copies": [
                        {
                            "dataset": c.dataset,
                            "version": c.version,
                            "items": [{"tk": i.tk, "name": i.name, "value": i.value} for i in c.items],
                        }
                        for c in r.copies
                    ],
                }
                for r in results
            ],
            "records": recorded.seqs,
        }
