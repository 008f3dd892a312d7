"""Who is calling: the identity an organisation certificate states, or the trusted in-process caller."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509

from renkei.core.errors import Forbidden, Invalid
from renkei.core.ids import validate_agency_code, validate_lg_code
from renkei.protocol.orgca import LG_ROLES, ROLES, URN_PREFIX, validate_node

_URN = re.compile(r"urn:renkei:(agency|role|node|lg):(.+)")

EMBEDDED_ROLE = "embedded"


@dataclass(frozen=True)
class Caller:
    """The caller of an operation, as its certificate names it (docs/decisions/0035).

    `role` is one of orgca.ROLES, or "embedded" for the components of the one-process default, which call
    each other in memory and are trusted as the process itself."""

    agency_code: str
    role: str
    node: str
    lg_code: str | None
    subject: str
    serial: int

    @classmethod
    def embedded(cls) -> Caller:
        return _EMBEDDED

    @property
    def is_embedded(self) -> bool:
        return self.role == EMBEDDED_ROLE

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

    @classmethod
    def from_certificate(cls, cert: x509.Certificate) -> Caller:
        """Read the identity URIs (urn:renkei:agency/role/node/lg) of the subjectAltName; Forbidden if any is
        missing, repeated or malformed. The chain and revocation are checked elsewhere (TLS and the CRL)."""
        subject = cert.subject.rfc4514_string()
        serial = cert.serial_number
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            raise Forbidden(
                f"組織証明書に識別情報（subjectAltName）がありません（シリアル {serial}）",
                record=subject,
                field="subjectAltName",
            ) from None
        found: dict[str, list[str]] = {}
        for uri in san.get_values_for_type(x509.UniformResourceIdentifier):
            match = _URN.fullmatch(uri)
            if match is not None:
                found.setdefault(match.group(1), []).append(match.group(2))
            elif uri.startswith(URN_PREFIX):
                raise Forbidden(
                    f"組織証明書の識別URIが不正です: {uri}", record=subject, field="subjectAltName"
                )

        def one(kind: str, label: str, *, required: bool = True) -> str | None:
            values = found.get(kind, [])
            if len(values) > 1:
                raise Forbidden(
                    f"組織証明書に{label}が複数あります: {', '.join(values)}",
                    record=subject,
                    field=f"urn:renkei:{kind}",
                )
            if not values:
                if required:
                    raise Forbidden(
                        f"組織証明書に{label}（urn:renkei:{kind}:…）がありません",
                        record=subject,
                        field=f"urn:renkei:{kind}",
                    )
                return None
            return values[0]

        agency = one("agency", "機関コード")
        role = one("role", "役割")
        node = one("node", "ノード名")
        lg = one("lg", "団体コード", required=False)
        assert agency is not None and role is not None and node is not None
        try:
            agency = validate_agency_code(agency)
            validate_node(node)
            if lg is not None:
                lg = validate_lg_code(lg)
                if len(found["lg"][0]) != 6:
                    raise Invalid(
                        f"団体コードは6桁で記載してください: {found['lg'][0]}", field="urn:renkei:lg"
                    )
        except Invalid as exc:
            raise Forbidden(
                f"組織証明書の識別情報が不正です: {exc.message}", record=subject, field=exc.field
            ) from None
        if role not in ROLES:
            raise Forbidden(f"組織証明書の役割が不明です: {role}", record=subject, field="urn:renkei:role")
        if role in LG_ROLES and lg is None:
            raise Forbidden(
                f"役割 {role} の組織証明書に団体コード（urn:renkei:lg:…）がありません",
                record=subject,
                field="urn:renkei:lg",
            )
        return cls(agency_code=agency, role=role, node=node, lg_code=lg, subject=subject, serial=serial)


_EMBEDDED = Caller(
    agency_code="", role=EMBEDDED_ROLE, node="embedded", lg_code=None, subject="embedded", serial=0
)
