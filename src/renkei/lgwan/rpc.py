"""The LGWAN-ASP registry on the wire (paths /lgwan/v1/…): each call one transaction on the `lgwan` database.

J-LIS keeps the registry: applications are taken, reviewed, registered and abolished by its operators (an
operator's organisation certificate); every certified body may read the registry (the governance check N8 of a
municipality reads which services are registered).
"""

from __future__ import annotations

from renkei.core.db import Databases
from renkei.core.settings import Settings
from renkei.lgwan import service
from renkei.protocol.api import ServiceApi, operation
from renkei.protocol.identity import Caller
from renkei.protocol.lgwan import (
    SERVICE,
    Application,
    AspService,
    AspServices,
    ReviewCheck,
    ServiceRef,
    ServicesQuery,
)
from renkei.protocol.transport import Transport

NODE = SERVICE
REGISTRY = {"operator"}  # J-LIS's own staff keep the registry
READERS = {"municipality", "business", "operator", "hub", "jpki", "jukinet", "portal"}


def api(databases: Databases, settings: Settings, transport: Transport | None = None) -> ServiceApi:
    del settings, transport

    @operation("asp_apply", Application, AspService, callers=REGISTRY)
    def asp_apply(application: Application, _caller: Caller) -> AspService:
        """LGWAN-ASPサービスの登録申請を受け付ける / take an application."""
        with databases.session(NODE) as session:
            return service.apply(session, application=application)

    @operation("asp_start_review", ServiceRef, AspService, callers=REGISTRY)
    def asp_start_review(request: ServiceRef, _caller: Caller) -> AspService:
        """登録・接続審査を始める / start the review."""
        with databases.session(NODE) as session:
            return service.start_review(session, service_id=request.id)

    @operation("asp_check", ReviewCheck, AspService, callers=REGISTRY)
    def asp_check(request: ReviewCheck, _caller: Caller) -> AspService:
        """審査項目1件の結果を記録する / record one checklist item."""
        with databases.session(NODE) as session:
            return service.check(
                session, service_id=request.id, code=request.code, result=request.result, note=request.note
            )

    @operation("asp_register", ServiceRef, AspService, callers=REGISTRY)
    def asp_register(request: ServiceRef, _caller: Caller) -> AspService:
        """審査に適合したサービスを登録する / register a reviewed service."""
        with databases.session(NODE) as session:
            return service.register(session, service_id=request.id)

    @operation("asp_abolish", ServiceRef, AspService, callers=REGISTRY)
    def asp_abolish(request: ServiceRef, _caller: Caller) -> AspService:
        """サービスを廃止する / abolish a service."""
        with databases.session(NODE) as session:
            return service.abolish(session, service_id=request.id)

    @operation("asp_services", ServicesQuery, AspServices, callers=READERS)
    def asp_services(request: ServicesQuery, _caller: Caller) -> AspServices:
        """登録簿（状態で絞り込み可） / the registry."""
        with databases.session(NODE) as session:
            return AspServices(services=service.services(session, status=request.status))

    return ServiceApi(NODE, NODE, "renkei lgwan LGWAN-ASP登録簿").add(
        asp_apply, asp_start_review, asp_check, asp_register, asp_abolish, asp_services
    )
