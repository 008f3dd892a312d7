"""The `jukinet` service as protocol operations: each call is one transaction on the jukinet database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from renkei.core.db import Databases
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.jukinet import migration, provision, service
from renkei.jukinet.numbering import NumberingKeys
from renkei.protocol.jukinet import IdentityChange, Person
from renkei.protocol.provision import ProvisionRequest, RecipientRegistration
from renkei.protocol.transport import Body, Dispatcher, Transport, dispatcher_from

NODE = "jukinet"
_PERSONS = TypeAdapter(list[Person])
_CHANGES = TypeAdapter(list[IdentityChange])


def _parse(adapter: TypeAdapter[Any], value: Any, field: str) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"形式が不正です: {first['msg']}", record=where, field=field) from None


M = TypeVar("M", bound=BaseModel)


def _model(cls: type[M], body: Body) -> M:
    """Parse a request body into its message, a bad one into `Invalid` naming the field (never a 500)."""
    try:
        return cls.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = str(first["loc"][-1]) if first["loc"] else cls.__name__
        raise Invalid(f"形式が不正です: {first['msg']}", record=where or None, field=field) from None


def _str_list(body: Body, name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("文字列の配列を指定してください", field=name)
    return value


def dispatcher(databases: Databases, settings: Settings, transport: Transport) -> Dispatcher:
    """Operations of 住基ネット全国サーバ; `transport` is unused (jukinet calls no one)."""
    del transport
    keys: list[NumberingKeys] = []

    def numbering() -> NumberingKeys:
        # Read the key on first use, not at mount time, so a process that never issues numbers needs no key.
        if not keys:
            keys.append(NumberingKeys.from_master(settings.secret("jukinet_key")))
        return keys[0]

    def provision_key() -> Any:
        return provision.signing_key(settings.secret("jukinet_key"))

    def op(func: Callable[[Any, Body], Body]) -> Callable[[Body], Body]:
        def run(body: Body) -> Body:
            with databases.session(NODE) as session:
                return func(session, body)

        return run

    def report(session: Any, body: Body) -> Body:
        service.report_changes(session, changes=_parse(_CHANGES, body.get("changes"), "changes"))
        return {}

    def lg(body: Body) -> str:
        return str(body.get("lg_code", ""))

    operations: dict[str, Callable[[Body], Body]] = {
        "register_municipality": op(
            lambda s, b: service.register_municipality(s, lg_code=lg(b)).model_dump(mode="json")
        ),
        "municipality": op(lambda s, b: service.municipality(s, lg_code=lg(b)).model_dump(mode="json")),
        "municipalities": op(
            lambda s, b: {"municipalities": [m.model_dump(mode="json") for m in service.municipalities(s)]}
        ),
        "issue_juminhyo_codes": op(
            lambda s, b: {
                "codes": service.issue_juminhyo_codes(s, lg_code=lg(b), count=int(b.get("count", 0)))
            }
        ),
        "register_persons": op(
            lambda s, b: {
                "registered": service.register_persons(
                    s,
                    lg_code=lg(b),
                    persons=_parse(_PERSONS, b.get("persons"), "persons"),
                    keys=numbering(),
                )
            }
        ),
        "report_changes": op(report),
        "identity": op(
            lambda s, b: service.identity(s, juminhyo_code=str(b.get("juminhyo_code", ""))).model_dump(
                mode="json"
            )
        ),
        "issue_acquisition_numbers": op(
            lambda s, b: {
                "acquisition_numbers": service.issue_acquisition_numbers(
                    s, lg_code=lg(b), juminhyo_codes=_str_list(b, "juminhyo_codes")
                )
            }
        ),
        "resolve_acquisition_numbers": op(
            lambda s, b: {
                "juminhyo_codes": service.resolve_acquisition_numbers(
                    s, acquisition_numbers=_str_list(b, "acquisition_numbers")
                )
            }
        ),
        # 本人確認情報の提供 to national bodies (住基法第30条の9) and its disclosure.
        "provision_affairs": op(
            lambda s, b: {"affairs": [a.model_dump(mode="json") for a in provision.affairs()]}
        ),
        "register_recipient": op(
            lambda s, b: provision.register_recipient(
                s, registration=_model(RecipientRegistration, b)
            ).model_dump(mode="json")
        ),
        "recipients": op(
            lambda s, b: {"recipients": [r.model_dump(mode="json") for r in provision.recipients(s)]}
        ),
        "provide_identity": op(
            lambda s, b: provision.provide(
                s, request=_model(ProvisionRequest, b), keys=numbering(), key=provision_key()
            ).model_dump(mode="json")
        ),
        "provision_disclosure": op(
            lambda s, b: provision.disclosure(s, juminhyo_code=str(b.get("juminhyo_code", ""))).model_dump(
                mode="json"
            )
        ),
        # 住民基本台帳人口移動報告用データ (住基法第37条).
        "migration_report": op(
            lambda s, b: migration.report(s, month=str(b.get("month", ""))).model_dump(mode="json")
        ),
        "verify_provisions": op(
            lambda s, b: provision.verify_records(s, key=provision_key()).model_dump(mode="json")
        ),
    }
    return dispatcher_from(operations, NODE)
