"""住基ネット全国サーバ on the wire (paths /jukinet/v1/…): each call is one transaction on the jukinet database.

A municipality may act only for itself (its organisation certificate names its 団体コード): draw 住民票コード
from its own pool, register and report its own residents, and read the 本人確認情報 of people registered with it.
Only the hub resolves 取得番号.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from renkei.core.db import Databases
from renkei.core.errors import Forbidden
from renkei.core.settings import Settings
from renkei.jukinet import migration, provision, service
from renkei.jukinet.numbering import NumberingKeys
from renkei.protocol.api import Empty, ServiceApi, operation
from renkei.protocol.identity import Caller
from renkei.protocol.jukinet import Identity, IdentityChange, Municipality, Person
from renkei.protocol.jukinet_bulk import OPERATION as PERSON_ROWS
from renkei.protocol.jukinet_bulk import RegisterPersonRowsAnswer, RegisterPersonRowsRequest
from renkei.protocol.provision import (
    Affair,
    Disclosure,
    LedgerCheck,
    MigrationReport,
    ProvisionAnswer,
    ProvisionRequest,
    Recipient,
    RecipientRegistration,
)
from renkei.protocol.transport import Transport

NODE = "jukinet"
MUNICIPALITY = {"municipality"}
ANYONE = {"municipality", "hub", "jpki", "portal", "operator", "business"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LgCode(_Model):
    lg_code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")


class Municipalities(_Model):
    municipalities: list[Municipality]


class CodeCount(LgCode):
    count: int = Field(ge=1, le=1_000_000)


class Codes(_Model):
    codes: list[str]


class Persons(LgCode):
    persons: list[Person] = Field(max_length=200_000)


class Registered(_Model):
    registered: list[tuple[str, str]] = Field(description="(住民票コード, 個人番号) per person, same order")


class Changes(_Model):
    changes: list[IdentityChange] = Field(max_length=200_000)


class JuminhyoCode(_Model):
    juminhyo_code: str = Field(min_length=11, max_length=11, pattern=r"^[0-9]{11}$")


class JuminhyoCodes(LgCode):
    juminhyo_codes: list[str] = Field(max_length=200_000)


class AcquisitionNumbers(_Model):
    acquisition_numbers: list[str] = Field(max_length=200_000)


class ResolvedCodes(_Model):
    juminhyo_codes: list[str]


class Affairs(_Model):
    affairs: list[Affair]


class Recipients(_Model):
    recipients: list[Recipient]


class Month(_Model):
    month: str = Field(min_length=7, max_length=7, pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM")


def api(databases: Databases, settings: Settings, transport: Transport) -> ServiceApi:
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

    # 本人確認情報の提供 to national bodies (住基法第30条の9) and its disclosure; the national bodies' own
    # certificates are not modelled yet, so their calls come through 住基ネット's operators (decision 0080).
    @operation("provision_affairs", Empty, Affairs, callers=ANYONE)
    def provision_affairs(_request: Empty, _caller: Caller) -> Affairs:
        """住基法別表の事務（本人確認情報の提供先と利用事務） / the 別表 事務 that may receive 本人確認情報."""
        return Affairs(affairs=list(provision.affairs()))

    @operation("register_recipient", RecipientRegistration, Recipient, callers={"operator"})
    def register_recipient(registration: RecipientRegistration, _caller: Caller) -> Recipient:
        """提供先（国の機関等）の登録（運用者） / register a national body as a recipient."""
        with databases.session(NODE) as session:
            return provision.register_recipient(session, registration=registration)

    @operation("recipients", Empty, Recipients, callers={"operator"})
    def recipients(_request: Empty, _caller: Caller) -> Recipients:
        """登録済みの提供先 / the registered recipients."""
        with databases.session(NODE) as session:
            return Recipients(recipients=provision.recipients(session))

    @operation("provide_identity", ProvisionRequest, ProvisionAnswer, callers={"operator"})
    def provide_identity(request: ProvisionRequest, _caller: Caller) -> ProvisionAnswer:
        """本人確認情報の提供（別表の事務に限る、記録付き） / provide 本人確認情報 for a 別表 事務."""
        with databases.session(NODE) as session:
            return provision.provide(session, request=request, keys=numbering(), key=provision_key())

    @operation("provision_disclosure", JuminhyoCode, Disclosure, callers=MUNICIPALITY | {"portal"})
    def provision_disclosure(request: JuminhyoCode, caller: Caller) -> Disclosure:
        """本人確認情報の提供状況の開示 / who received this person's 本人確認情報."""
        with databases.session(NODE) as session:
            if caller.role == "municipality":  # only for a person registered with the caller
                found = service.identity(session, juminhyo_code=request.juminhyo_code)
                caller.must_be_municipality(found.lg_code, field="juminhyo_code")
            return provision.disclosure(session, juminhyo_code=request.juminhyo_code)

    @operation("migration_report", Month, MigrationReport, callers={"operator"})
    def migration_report(request: Month, _caller: Caller) -> MigrationReport:
        """住民基本台帳人口移動報告用データ（月次） / the monthly in-migration data."""
        with databases.session(NODE) as session:
            return migration.report(session, month=request.month)

    @operation("verify_provisions", Empty, LedgerCheck, callers={"operator"})
    def verify_provisions(_request: Empty, _caller: Caller) -> LedgerCheck:
        """提供記録の改ざん検知 / verify the provision records."""
        with databases.session(NODE) as session:
            return provision.verify_records(session, key=provision_key())

    @operation("register_municipality", LgCode, Municipality, callers=MUNICIPALITY)
    def register_municipality(request: LgCode, caller: Caller) -> Municipality:
        """団体の登録（自団体のみ） / register this municipality with 住基ネット."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            return service.register_municipality(session, lg_code=request.lg_code)

    @operation("municipality", LgCode, Municipality, callers=ANYONE)
    def municipality(request: LgCode, _caller: Caller) -> Municipality:
        """登録済みの団体 / a registered municipality."""
        with databases.session(NODE) as session:
            return service.municipality(session, lg_code=request.lg_code)

    @operation("municipalities", Empty, Municipalities, callers=ANYONE)
    def municipalities(_request: Empty, _caller: Caller) -> Municipalities:
        """登録済みの団体の一覧 / every registered municipality."""
        with databases.session(NODE) as session:
            return Municipalities(municipalities=service.municipalities(session))

    @operation("issue_juminhyo_codes", CodeCount, Codes, callers=MUNICIPALITY)
    def issue_juminhyo_codes(request: CodeCount, caller: Caller) -> Codes:
        """住民票コードの払出し（自団体の分のみ） / draw unused 住民票コード for this municipality."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            return Codes(
                codes=service.issue_juminhyo_codes(session, lg_code=request.lg_code, count=request.count)
            )

    @operation("register_persons", Persons, Registered, callers=MUNICIPALITY)
    def register_persons(request: Persons, caller: Caller) -> Registered:
        """付番: 一人ずつ個人番号を生成（同じ要求キーの再送は最初の結果） / assign My Numbers."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            registered = service.register_persons(
                session, lg_code=request.lg_code, persons=request.persons, keys=numbering()
            )
        return Registered.model_construct(registered=registered)

    @operation(PERSON_ROWS, RegisterPersonRowsRequest, RegisterPersonRowsAnswer, callers=MUNICIPALITY)
    def register_person_rows(request: RegisterPersonRowsRequest, caller: Caller) -> RegisterPersonRowsAnswer:
        """付番（一括、行形式）: 一人一行で個人番号を生成 / assign My Numbers to compact rows (bulk load)."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            registered = service.register_persons(
                session,
                lg_code=request.lg_code,
                persons=request.rows,  # type: ignore[arg-type]  # PersonRow has Person's attributes
                keys=numbering(),
            )
        return RegisterPersonRowsAnswer.model_construct(registered=registered)

    @operation("report_changes", Changes, Empty, callers=MUNICIPALITY)
    def report_changes(request: Changes, caller: Caller) -> Empty:
        """異動の通知（自団体の住民のみ） / report 異動 of this municipality's residents."""
        for change in request.changes:
            caller.must_be_municipality(change.lg_code, field="changes.lg_code")
        with databases.session(NODE) as session:
            service.report_changes(session, changes=request.changes)
        return Empty()

    @operation("identity", JuminhyoCode, Identity, callers=MUNICIPALITY)
    def identity(request: JuminhyoCode, caller: Caller) -> Identity:
        """本人確認情報（自団体に住民登録のある者のみ） / 本人確認情報 of a resident of this municipality."""
        with databases.session(NODE) as session:
            found = service.identity(session, juminhyo_code=request.juminhyo_code)
        if not caller.is_embedded and found.lg_code != caller.lg_code:
            raise Forbidden(
                "他団体に住民登録のある者の本人確認情報は提供できません",
                record=caller.lg_code,
                field="juminhyo_code",
            )
        return found

    @operation("issue_acquisition_numbers", JuminhyoCodes, AcquisitionNumbers, callers=MUNICIPALITY)
    def issue_acquisition_numbers(request: JuminhyoCodes, caller: Caller) -> AcquisitionNumbers:
        """取得番号の発行（符号取得用、一回限り） / single-use 取得番号 for 符号 acquisition."""
        caller.must_be_municipality(request.lg_code)
        with databases.session(NODE) as session:
            numbers = service.issue_acquisition_numbers(
                session, lg_code=request.lg_code, juminhyo_codes=request.juminhyo_codes
            )
        return AcquisitionNumbers(acquisition_numbers=numbers)

    @operation("resolve_acquisition_numbers", AcquisitionNumbers, ResolvedCodes, callers={"hub"})
    def resolve_acquisition_numbers(request: AcquisitionNumbers, _caller: Caller) -> ResolvedCodes:
        """取得番号から住民票コード（ハブのみ、使用済みにする） / resolve 取得番号 (the hub only)."""
        with databases.session(NODE) as session:
            codes = service.resolve_acquisition_numbers(
                session, acquisition_numbers=request.acquisition_numbers
            )
        return ResolvedCodes(juminhyo_codes=codes)

    return ServiceApi(NODE, "jukinet", "renkei jukinet 住基ネット全国サーバ").add(
        register_municipality,
        municipality,
        municipalities,
        issue_juminhyo_codes,
        register_persons,
        register_person_rows,
        report_changes,
        identity,
        issue_acquisition_numbers,
        resolve_acquisition_numbers,
        provision_affairs,
        register_recipient,
        recipients,
        provide_identity,
        provision_disclosure,
        migration_report,
        verify_provisions,
    )
