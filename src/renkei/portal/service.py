"""マイナポータル's public face: one `Portal` per process, holding its protocol clients and the CA certificates.

Pages, the CLI and tests call these methods; each opens its own short transactions around the network calls it
makes to the hub, jpki and municipal nodes (CONVENTIONS §18), so a method is one use case, safe to retry.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from renkei.core.settings import Settings
from renkei.portal import history, login
from renkei.portal.certificates import CertificateChecker
from renkei.portal.keys import portal_keys, register_with_hub
from renkei.portal.login import PortalPerson
from renkei.portal.models import PortalUser
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient, LoginChallenge, LoginResponse
from renkei.protocol.portal import PORTAL_AGENCY_CODE, MunicipalPortalClient
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
        self.ensure_registered()
        return history.fetch(self.user(user_id), settings=self.settings, hub=self.hub)

    def history(
        self,
        user_id: int,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        agency: str | None = None,
        page: int = 1,
    ) -> history.History:
        return history.select(
            self.exchanges(user_id), date_from=date_from, date_to=date_to, agency=agency, page=page
        )

    def hub_public_key(self) -> str:
        return self.hub.info().signing_public_key
