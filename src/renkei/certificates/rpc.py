"""証明書発行サーバ on the wire (paths /certificates/v1/{団体コード}/…): the operations 証明書交付センター calls, one
transaction each. Only the center issues and reads a resident's issuance history (its organisation certificate,
role "kiosk"); a verification code may also be checked by the municipality's own node and business systems."""

from __future__ import annotations

from renkei.certificates import service
from renkei.core.db import Databases
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.protocol.api import ServiceApi, operation
from renkei.protocol.identity import Caller
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.kiosk import (
    CodeCheck,
    CodeRequest,
    HistoryRequest,
    IssuanceHistory,
    IssuanceRecord,
    IssuedDocument,
    IssueRequest,
    certificate_service,
)
from renkei.protocol.transport import Transport

CENTER = frozenset({"kiosk"})  # 証明書交付センター (J-LIS)
CHECKERS = frozenset({"kiosk", "municipality", "business"})


def api(lg_code: str, databases: Databases, settings: Settings, transport: Transport) -> ServiceApi:
    lg_code = validate_lg_code(lg_code)
    node = "lg" + lg_code
    names: list[str] = []

    def municipality() -> str:
        # The name printed on the certificate, from 住基ネット's register; asked before any transaction opens.
        if not names:
            names.append(JukinetClient(transport).municipality(lg_code).name)
        return names[0]

    @operation("issue_certificate", IssueRequest, IssuedDocument, callers=CENTER)
    def issue_certificate(request: IssueRequest, _caller: Caller) -> IssuedDocument:
        """証明書（住民票の写し・印鑑登録証明書・課税証明書）のPDFを交付する / issue a certificate PDF."""
        name = municipality()
        with databases.session(node) as session:
            return service.issue(
                session, lg_code=lg_code, municipality=name, request=request, settings=settings
            )

    @operation("check_code", CodeRequest, CodeCheck, callers=CHECKERS)
    def check_code(request: CodeRequest, _caller: Caller) -> CodeCheck:
        """証明書確認番号から交付内容を確かめる / what a verification code stands for."""
        with databases.session(node) as session:
            return service.check_code(session, code=request.code)

    @operation("history", HistoryRequest, IssuanceHistory, callers=CENTER)
    def history(request: HistoryRequest, _caller: Caller) -> IssuanceHistory:
        """本人に交付した証明書の履歴 / the certificates issued to one resident."""
        with databases.session(node) as session:
            rows = service.history(session, resident_id=request.resident_id)
        fields = set(IssuanceRecord.model_fields)
        return IssuanceHistory(
            issued=[IssuanceRecord.model_validate(r.model_dump(include=fields)) for r in rows]
        )

    return ServiceApi(certificate_service(lg_code), "certificates", f"renkei 証明書発行サーバ {lg_code}").add(
        issue_certificate, check_code, history
    )
