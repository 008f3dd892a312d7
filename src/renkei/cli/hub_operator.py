"""`renkei hub operator|agency|permissions …`: the operators' signed, recorded changes to the registry and table.

Every change is signed with the operator's own key (`--operator ID --key FILE`) and gives its reason. Without
`--hub-url` it acts on the hub in this data directory; with it, on a served hub over mutual TLS with the
operator's organisation certificate (`--tls-dir`, default <data-dir>/orgca). Enrolling and retiring operators is
done only here, on the hub's own data directory (decision 0037).
"""

from __future__ import annotations

import functools
import getpass
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from renkei.cli.common import runtime_options
from renkei.core import wareki
from renkei.core.errors import Invalid
from renkei.protocol import signing
from renkei.protocol.api import parse
from renkei.protocol.operator import (
    ACTION_LABELS,
    ActionRecorded,
    AgencyChange,
    AgencyEnrolment,
    AgencyKeyRotation,
    AgencyRetirement,
    OperatorClient,
    PermissionAddition,
    PermissionEnd,
    PermissionKey,
    PermissionRemoval,
    new_action,
)

if TYPE_CHECKING:
    from renkei.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])
DATE = click.DateTime(["%Y-%m-%d"])


@click.group("operator")
def operator_group() -> None:
    """ハブの運用者（登録・抹消・操作の記録） / hub operators and their recorded actions."""


@click.group("agency")
def agency_group() -> None:
    """機関の登録・変更・鍵の更新・廃止（運用者の署名付き操作） / operator changes to the agency registry."""


# --- signing and sending ---------------------------------------------------------------------------------------
def load_operator_key(path: Path) -> signing.Ed25519PrivateKey:
    """The operator's private key file (PEM, readable by its owner only, as ssh insists for its keys)."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(
            f"運用者の鍵ファイルを読めません: {exc.strerror}", record=str(path), field="--key"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Invalid(
            f"運用者の鍵ファイルのアクセス権が広すぎます（{stat.filemode(mode)}）: chmod 600 {path}",
            record=str(path),
            field="--key",
        )
    return signing.load_signing_private_key(data)


def write_key(path: Path, key: signing.Ed25519PrivateKey) -> None:
    """An operator's key written to `path` (mode 0600); never over an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Invalid(
            f"鍵ファイルは既にあります（上書きしません）: {path}", record=str(path), field="--key-out"
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(signing.private_key_pem(key))


@contextmanager
def operator_client(runtime: Runtime, hub_url: str | None, tls_dir: Path | None) -> Iterator[OperatorClient]:
    """The hub in this process, or the hub at `hub_url` over mutual TLS as "operator" (closed after use)."""
    if hub_url is None:
        yield OperatorClient(runtime.transport)
        return
    from renkei.protocol.tls import client_ssl_context
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime.wire import ensure_certificate

    directory = tls_dir or runtime.settings.data_dir / "orgca"
    if not (directory / "ca.pem").exists():
        raise Invalid(f"組織CAのフォルダがありません: {directory}", record=str(directory), field="--tls-dir")
    ensure_certificate(directory, "operator")
    transport = HttpTransport({"hub": hub_url}, tls=client_ssl_context(directory, "operator"))
    try:
        yield OperatorClient(transport)
    finally:
        transport.close()


HUB_URL = click.option(
    "--hub-url", default=None, help="別プロセスのハブのURL（省略時はこのデータディレクトリのハブ）"
)
TLS_DIR = click.option(
    "--tls-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="組織CAと運用者証明書のフォルダ（既定: データディレクトリの orgca）",
)


def signed_action(func: F) -> F:
    """--operator, --key, --reason, --hub-url and --tls-dir; the command receives `sign` and `client`."""

    @click.option("--operator", "operator_id", required=True, help="運用者ID（ハブに登録済み）")
    @click.option(
        "--key",
        "key_file",
        required=True,
        type=click.Path(path_type=Path, dir_okay=False),
        help="運用者の署名鍵（PEM、所有者だけが読めること）",
    )
    @click.option("--reason", required=True, help="理由（記録に残ります）")
    @HUB_URL
    @TLS_DIR
    @runtime_options
    @functools.wraps(func)
    def wrapper(
        *args: Any,
        operator_id: str,
        key_file: Path,
        reason: str,
        hub_url: str | None,
        tls_dir: Path | None,
        runtime: Runtime,
        **kwargs: Any,
    ) -> Any:
        key = load_operator_key(key_file)

        def sign(model: type[Any], **fields: Any) -> Any:
            # parse: a bad option is one Invalid naming the field, as the hub would answer it
            return parse(model, {**new_action(operator_id, reason), **fields}).signed(key)

        with operator_client(runtime, hub_url, tls_dir) as client:
            answer = func(*args, sign=sign, client=client, **kwargs)
        show(answer)

    return wrapper  # type: ignore[return-value]


def show(action: ActionRecorded) -> None:
    label = ACTION_LABELS.get(action.action, action.action)
    click.echo(
        f"#{action.record_seq}\t{label} ({action.action})\t{action.target}\t運用者 {action.operator_id}"
        f"\t{wareki.moment(action.recorded_at)}"
    )
    for side, value in (("変更前", action.before), ("変更後", action.after)):
        if value is not None:
            click.echo(f"  {side}: {value}")


def _pem(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"公開鍵ファイルを読めません: {exc}", record=str(path), field=option) from None


PEM_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


# --- operators -------------------------------------------------------------------------------------------------
@operator_group.command("enrol")
@click.option("--id", "operator_id", required=True, help="運用者ID（英小文字・数字・._-）")
@click.option("--name", required=True, help="氏名")
@click.option(
    "--key-out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="新しい署名鍵の保存先"
)
@click.option("--public-key", type=PEM_FILE, default=None, help="運用者が自分で作った署名鍵の公開鍵（PEM）")
@runtime_options
def enrol(
    operator_id: str, name: str, key_out: Path | None, public_key: Path | None, runtime: Runtime
) -> None:
    """運用者を登録する（ハブのデータディレクトリでのみ） / enrol an operator on the hub's own data directory."""
    from renkei.hub import operators

    if (key_out is None) == (public_key is None):
        raise click.UsageError(
            "--key-out（鍵を作る）か --public-key（公開鍵を登録する）のどちらかを指定してください"
        )
    if key_out is not None and key_out.exists():
        raise Invalid(
            f"鍵ファイルは既にあります（上書きしません）: {key_out}", record=str(key_out), field="--key-out"
        )
    key = signing.generate_signing_key() if key_out is not None else None
    pem = signing.public_key_pem(key) if key is not None else _pem(public_key, "--public-key")  # type: ignore[arg-type]
    with runtime.session("hub") as session:
        done = operators.enrol_operator(
            session,
            operator_id=operator_id,
            name=name,
            public_key=pem,
            enrolled_by=getpass.getuser(),
            settings=runtime.settings,
        )
    if key is not None and key_out is not None:  # written once the enrolment is committed
        write_key(key_out, key)
    show(done)
    if key_out is not None:
        click.echo(f"署名鍵: {key_out}（この運用者だけが持ち、他に写さないでください）")


@operator_group.command("retire")
@click.option("--id", "operator_id", required=True)
@click.option("--reason", required=True)
@runtime_options
def retire_operator(operator_id: str, reason: str, runtime: Runtime) -> None:
    """運用者の登録を抹消する（過去の操作の署名は検証できるまま） / withdraw an operator."""
    from renkei.hub import operators

    with runtime.session("hub") as session:
        show(
            operators.retire_operator(
                session,
                operator_id=operator_id,
                reason=reason,
                retired_by=getpass.getuser(),
                settings=runtime.settings,
            )
        )


@operator_group.command("list")
@runtime_options
def list_operators(runtime: Runtime) -> None:
    """登録済みの運用者 / enrolled operators."""
    from renkei.hub import operators

    with runtime.session("hub") as session:
        for row in operators.list_operators(session):
            state = f"抹消 {wareki.both(row.retired_at)}" if row.retired_at else "有効"
            click.echo(
                f"{row.operator_id}\t{row.name}\t鍵 {row.key_id}\t登録 {wareki.both(row.enrolled_at)}\t{state}"
            )


@operator_group.command("actions")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@HUB_URL
@TLS_DIR
@runtime_options
def actions(limit: int, hub_url: str | None, tls_dir: Path | None, runtime: Runtime) -> None:
    """運用者の操作の記録（新しい順） / recorded operator actions, newest first."""
    with operator_client(runtime, hub_url, tls_dir) as client:
        found = client.actions(limit=limit)
    for action in found:
        show(action)


# --- agencies --------------------------------------------------------------------------------------------------
@agency_group.command("register")
@click.option("--code", "agency_code", required=True, help="機関コード（16桁）")
@click.option("--name", required=True)
@click.option("--kind", required=True, help="機関種別（許可表の情報照会者・情報提供者の名称）")
@click.option("--endpoint", required=True, help="接続先（ノードのURL）")
@click.option("--signing-key", type=PEM_FILE, required=True, help="署名検証用公開鍵（PEM、Ed25519）")
@click.option("--sealing-key", type=PEM_FILE, required=True, help="暗号化用公開鍵（PEM、X25519）")
@signed_action
def register_agency(
    *,
    agency_code: str,
    name: str,
    kind: str,
    endpoint: str,
    signing_key: Path,
    sealing_key: Path,
    sign: Any,
    client: OperatorClient,
) -> ActionRecorded:
    """機関を登録する / register an agency (a minister, a prefecture …)."""
    return client.register_agency(
        sign(
            AgencyEnrolment,
            agency_code=agency_code,
            name=name,
            kind=kind,
            endpoint=endpoint,
            signing_public_key=_pem(signing_key, "--signing-key"),
            sealing_public_key=_pem(sealing_key, "--sealing-key"),
        )
    )


@agency_group.command("change")
@click.option("--code", "agency_code", required=True)
@click.option("--name", default=None)
@click.option("--kind", default=None)
@click.option("--endpoint", default=None)
@signed_action
def change_agency(
    *,
    agency_code: str,
    name: str | None,
    kind: str | None,
    endpoint: str | None,
    sign: Any,
    client: OperatorClient,
) -> ActionRecorded:
    """機関の名称・機関種別・接続先を変更する / change an agency."""
    return client.change_agency(
        sign(AgencyChange, agency_code=agency_code, name=name, kind=kind, endpoint=endpoint)
    )


@agency_group.command("rotate-keys")
@click.option("--code", "agency_code", required=True)
@click.option("--signing-key", type=PEM_FILE, required=True)
@click.option("--sealing-key", type=PEM_FILE, required=True)
@signed_action
def rotate_keys(
    *, agency_code: str, signing_key: Path, sealing_key: Path, sign: Any, client: OperatorClient
) -> ActionRecorded:
    """鍵を紛失した機関に代わって鍵を更新する / replace an agency's keys on its behalf."""
    return client.rotate_agency_keys(
        sign(
            AgencyKeyRotation,
            agency_code=agency_code,
            signing_public_key=_pem(signing_key, "--signing-key"),
            sealing_public_key=_pem(sealing_key, "--sealing-key"),
        )
    )


@agency_group.command("retire")
@click.option("--code", "agency_code", required=True)
@signed_action
def retire_agency(*, agency_code: str, sign: Any, client: OperatorClient) -> ActionRecorded:
    """機関を廃止する（照会も提供も自己登録もできなくなる） / retire an agency."""
    return client.retire_agency(sign(AgencyRetirement, agency_code=agency_code))


# --- permission-table rows -------------------------------------------------------------------------------------
def permission_key(func: F) -> F:
    for option in reversed(
        (
            click.option("--requester", required=True, help="情報照会者（機関種別または機関コード）"),
            click.option("--jm", "jimu_code", required=True, help="事務コード"),
            click.option("--jt", "procedure_code", default="", help="事務手続コード（空欄は全手続）"),
            click.option("--provider", required=True, help="情報提供者（機関種別または機関コード）"),
            click.option("--tm", "tm_code", required=True, help="特定個人情報名コード"),
        )
    ):
        func = option(func)
    return func


def _key(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields.pop(name) for name in PermissionKey.model_fields}


@click.command("load")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@signed_action
def load(*, file: Path, sign: Any, client: OperatorClient) -> ActionRecorded:
    """許可表のCSVの行を追加する（既存の行はそのまま） / add the rows of a permission file."""
    from renkei.hub.permissions import read_permission_file

    rows = [row.model_dump(mode="json") for row in read_permission_file(file)]
    return client.add_permissions(sign(PermissionAddition, source=file.name, rows=rows))


@click.command("end")
@permission_key
@click.option("--last-day", type=DATE, required=True, help="この日まで照会を認める（最終日）")
@signed_action
def end(*, last_day: Any, sign: Any, client: OperatorClient, **fields: Any) -> ActionRecorded:
    """許可表の行を終了する（最終日の翌日から拒否） / end a row after its last day."""
    return client.end_permission(sign(PermissionEnd, key=_key(fields), last_day=last_day.date()))


@click.command("remove")
@permission_key
@signed_action
def remove(*, sign: Any, client: OperatorClient, **fields: Any) -> ActionRecorded:
    """誤って登録した許可表の行を削除する / remove a row entered by mistake."""
    return client.remove_permission(sign(PermissionRemoval, key=_key(fields)))


permission_commands = [load, end, remove]
