"""Who is calling: the identity an organisation certificate proves (or the trusted caller of one process)."""

from __future__ import annotations

from dataclasses import dataclass

from renkei.core.errors import Forbidden

EMBEDDED = "embedded"
ROLES = ("hub", "jukinet", "jpki", "portal", "municipality", "business", "operator")


@dataclass(frozen=True)
class Caller:
    """The caller of a protocol operation, as its organisation certificate names it (docs/decisions/0035).

    `role` is one of ROLES, or "embedded" for the one-process default where every node runs in this process
    and no certificate is presented.
    """

    agency_code: str
    role: str
    node: str
    lg_code: str | None
    subject: str
    serial: int

    @classmethod
    def embedded(cls) -> Caller:
        return cls(agency_code="", role=EMBEDDED, node=EMBEDDED, lg_code=None, subject=EMBEDDED, serial=0)

    @property
    def is_embedded(self) -> bool:
        return self.role == EMBEDDED

    def describe(self) -> str:
        if self.is_embedded:
            return "同一プロセス内の呼出し"
        where = f" 団体コード{self.lg_code}" if self.lg_code else ""
        return f"{self.node}（機関コード{self.agency_code}、役割 {self.role}{where}）"

    # -- claims in a request checked against the certificate ------------------------------------------------
    def must_be_agency(self, agency_code: str, *, field: str, record: str | None = None) -> None:
        """A request that names an agency may only come from that agency (the embedded caller is trusted)."""
        if self.is_embedded or agency_code == self.agency_code:
            return
        raise Forbidden(
            f"証明書の機関（{self.agency_code}）と要求の機関（{agency_code}）が一致しません",
            record=record or agency_code,
            field=field,
        )

    def must_be_municipality(self, lg_code: str, *, field: str = "lg_code") -> None:
        """A request about a municipality's residents may only come from that municipality's nodes."""
        if self.is_embedded or (self.lg_code is not None and lg_code == self.lg_code):
            return
        raise Forbidden(
            f"証明書の団体（{self.lg_code or 'なし'}）と要求の団体コード（{lg_code}）が一致しません",
            record=lg_code,
            field=field,
        )
