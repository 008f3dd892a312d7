"""`renkei jpki …`: the municipal window (issue-card, reset-pin, suspend, resume, revoke, renew, status) and the
CA operators' jobs (init, publish-crl, rotate-responder, preproduce-ocsp, export-ca, verify-log).

Window commands read the person from the municipality's register and send jpki only the 基本4情報 over
`JpkiClient`; operator commands act on the jpki node's own database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.core import wareki
from renkei.core.wareki import both

if TYPE_CHECKING:
    from renkei.protocol.jpki import CardView, IdentityCheck
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

municipality = click.option(
    "--municipality", "lg_code", required=True, help="全国地方公共団体コード (e.g. 131016)"
)
resident = click.option("--resident-id", required=True, type=int, help="住民記録の住民ID")
document = click.option(
    "--document", default="", help="確認した本人確認書類 (e.g. 運転免許証); 必須の操作があります"
)
card_option = click.option("--card", "card_number", required=True, help="カード番号")
STATUS = {
    "good": "有効",
    "hold": "一時停止",
    "revoked": "失効",
    "active": "利用中",
    "suspended": "一時停止中",
    "closed": "廃止",
}


# The reasons a window may revoke for, as the window page offers them (web.jpki.REVOCABLE, without importing the
# web stack at start-up: decision 0124).
REVOCABLE = ("cessation-of-operation", "key-compromise", "privilege-withdrawn", "unspecified")


def _identity_check(runtime: Runtime, *, lg_code: str, resident_id: int, document: str) -> IdentityCheck:
    from renkei.residents import service as residents

    with runtime.municipal_session(lg_code) as session:
        return residents.identity_check(session, lg_code=lg_code, resident_id=resident_id, document=document)


def _print_card(card: CardView) -> None:
    click.echo(
        f"カード {card.card_number}\t{STATUS[card.status]}\t有効期限 {both(card.expires_on)}"
        f"\t利用者証明用PIN {'ロック' if card.auth_pin_locked else '可'}"
        f"\t署名用PIN {'ロック' if card.sign_pin_locked else '可'}"
    )
    for c in card.certificates:
        kind = "署名用" if c.kind == "sign" else "利用者証明用"
        reason = f"\t{c.reason_label}" if c.reason_label else ""
        click.echo(f"  {kind}\t{c.serial}\t{STATUS[c.status]}\t〜{both(c.not_after)}{reason}")


@click.group(name="jpki")
def group() -> None:
    """公的個人認証サービス（窓口・認証局運用）/ JPKI window and CA operations."""


@group.command("init")
@click.option(
    "--base-url", default="http://jpki.renkei.test", show_default=True, help="CRL配布点・OCSPのURLの基点"
)
@click.option(
    "--keystore",
    type=click.Choice(["software", "pkcs11"]),
    default=None,
    help="CA鍵の保管先 (default: pkcs11 if RENKEI_JPKI_PKCS11_MODULE is set, else software)",
)
@runtime_options
def init(base_url: str, keystore: str | None, runtime: Runtime) -> None:
    """Create the root and the 署名用 / 利用者証明用 CAs (once; later runs show them)."""
    from renkei.jpki import service

    with runtime.session("jpki") as session:
        made = service.init_hierarchy(
            session, settings=runtime.settings, base_url=base_url, keystore_kind=keystore
        )
    for a in made:
        click.echo(f"{a['role']}\tG{a['generation']}\t{a['subject']}\t〜{both(a['not_after'])}")


@group.command("issue-card")
@municipality
@resident
@document
@click.option("--auth-pin", required=True, prompt=True, hide_input=True, help="利用者証明用PIN（数字4桁）")
@click.option("--sign-pin", default=None, help="署名用PIN（英大文字と数字6〜16文字）")
@click.option("--no-sign", is_flag=True, help="署名用電子証明書を発行しない")
@click.option("--token", type=click.Choice(["software", "pkcs11"]), default="software", show_default=True)
@runtime_options
def issue_card(
    *,
    lg_code: str,
    resident_id: int,
    document: str,
    auth_pin: str,
    sign_pin: str | None,
    no_sign: bool,
    token: str,
    runtime: Runtime,
) -> None:
    """交付: check the person against the register, produce the card, set the PINs, issue the certificates."""
    from renkei.protocol.jpki import CardApplication, JpkiClient

    check = _identity_check(runtime, lg_code=lg_code, resident_id=resident_id, document=document)
    application = CardApplication(
        check=check,
        declared=check.registered,
        auth_pin=auth_pin,
        sign_pin=sign_pin,
        want_sign=not no_sign,
        token_kind=token,
    )  # type: ignore[arg-type]
    issued = JpkiClient(runtime.transport).issue_card(application)
    click.echo(f"カード番号 {issued.card_number}\t有効期限 {both(issued.expires_on)}")
    click.echo(f"利用者証明用 {issued.auth_serial}\t署名用 {issued.sign_serial or '発行なし'}")
    if issued.note:
        click.echo(issued.note)


@group.command("reset-pin")
@municipality
@resident
@document
@card_option
@click.option("--slot", type=click.Choice(["auth", "sign"]), required=True)
@click.option("--new-pin", required=True, prompt=True, hide_input=True)
@runtime_options
def reset_pin(
    *,
    lg_code: str,
    resident_id: int,
    document: str,
    card_number: str,
    slot: str,
    new_pin: str,
    runtime: Runtime,
) -> None:
    """PIN初期化 (only with the identity check at the window)."""
    from renkei.protocol.jpki import JpkiClient

    check = _identity_check(runtime, lg_code=lg_code, resident_id=resident_id, document=document)
    _print_card(
        JpkiClient(runtime.transport).reset_pin(
            card_number=card_number,
            slot=slot,  # type: ignore[arg-type]
            new_pin=new_pin,
            check=check,
        )
    )


@group.command("suspend")
@card_option
@runtime_options
def suspend(card_number: str, runtime: Runtime) -> None:
    """一時停止 on a loss report: both certificates go on hold (certificateHold)."""
    from renkei.protocol.jpki import JpkiClient

    _print_card(JpkiClient(runtime.transport).suspend(card_number=card_number))


@group.command("resume")
@municipality
@resident
@document
@card_option
@runtime_options
def resume(*, lg_code: str, resident_id: int, document: str, card_number: str, runtime: Runtime) -> None:
    """一時停止の解除 (the card was found), after the identity check."""
    from renkei.protocol.jpki import JpkiClient

    check = _identity_check(runtime, lg_code=lg_code, resident_id=resident_id, document=document)
    _print_card(JpkiClient(runtime.transport).resume(card_number=card_number, check=check))


@group.command("revoke")
@municipality
@resident
@document
@card_option
@click.option("--kind", type=click.Choice(["sign", "auth", "both"]), default="sign", show_default=True)
@click.option("--reason", type=click.Choice(sorted(REVOCABLE)), default="unspecified", show_default=True)
@runtime_options
def revoke(
    *,
    lg_code: str,
    resident_id: int,
    document: str,
    card_number: str,
    kind: str,
    reason: str,
    runtime: Runtime,
) -> None:
    """失効 on request (both = the card is closed as well)."""
    from renkei.protocol.jpki import CertKind, JpkiClient

    check = _identity_check(runtime, lg_code=lg_code, resident_id=resident_id, document=document)
    certificate_kind: CertKind = "both" if kind == "both" else ("auth" if kind == "auth" else "sign")
    _print_card(
        JpkiClient(runtime.transport).revoke(
            card_number=card_number, kind=certificate_kind, reason=reason, check=check
        )
    )


@group.command("renew")
@municipality
@resident
@document
@card_option
@click.option("--kind", type=click.Choice(["sign", "auth"]), default="sign", show_default=True)
@click.option("--sign-pin", default=None, help="署名用PIN（新たに設定する場合）")
@runtime_options
def renew(
    *,
    lg_code: str,
    resident_id: int,
    document: str,
    card_number: str,
    kind: str,
    sign_pin: str | None,
    runtime: Runtime,
) -> None:
    """更新・再発行: new key pair on the card, new certificate from the register as it is now."""
    from renkei.protocol.jpki import JpkiClient

    check = _identity_check(runtime, lg_code=lg_code, resident_id=resident_id, document=document)
    _print_card(
        JpkiClient(runtime.transport).renew(
            card_number=card_number, kind="auth" if kind == "auth" else "sign", check=check, sign_pin=sign_pin
        )
    )


@group.command("status")
@municipality
@resident
@runtime_options
def status(lg_code: str, resident_id: int, runtime: Runtime) -> None:
    """Cards and certificates of a resident."""
    from renkei.protocol.jpki import JpkiClient

    holder = JpkiClient(runtime.transport).holder_status(lg_code=lg_code, resident_id=resident_id)
    if not holder.cards:
        click.echo("カードの交付はありません")
    for card in holder.cards:
        _print_card(card)


@group.command("publish-crl")
@click.option("--role", type=click.Choice(["root", "sign", "auth"]), required=True)
@click.option("--delta", is_flag=True, help="delta CRL (base: the latest full CRL)")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="DERで書き出す先")
@runtime_options
def publish_crl(role: str, delta: bool, out: Path | None, runtime: Runtime) -> None:
    """Sign and publish the next CRL of a CA."""
    from renkei.jpki import service

    with runtime.session("jpki") as session:
        crl = service.publish_crl(session, settings=runtime.settings, role=role, delta=delta)
    if out is not None:
        out.write_bytes(crl.der)
    kind = f"delta (base {crl.delta_base})" if crl.delta_base is not None else "full"
    click.echo(
        f"{role}\tCRL番号 {crl.number}\t{kind}\t{crl.entries}件\t次回更新 {wareki.moment(crl.next_update)}"
    )


@group.command("rotate-responder")
@click.option("--role", type=click.Choice(["sign", "auth"]), required=True)
@runtime_options
def rotate_responder(role: str, runtime: Runtime) -> None:
    """A new delegated OCSP responder key and certificate; stored answers are dropped and re-signed."""
    from renkei.jpki import service

    with runtime.session("jpki") as session:
        made = service.rotate_responder(session, settings=runtime.settings, role=role)
    click.echo(f"{role}\tレスポンダ {made['responder_id']}\t〜{both(made['not_after'])}")


@group.command("preproduce-ocsp")
@click.option("--role", type=click.Choice(["sign", "auth"]), required=True)
@runtime_options
def preproduce_ocsp(role: str, runtime: Runtime) -> None:
    """Sign an OCSP answer in advance for every certificate that lacks a fresh one."""
    from renkei.jpki import service

    with runtime.session("jpki") as session:
        count = service.preproduce_ocsp(session, settings=runtime.settings, role=role)
    click.echo(f"{role}\t{count}件の応答を事前作成しました")


@group.command("export-ca")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@runtime_options
def export_ca(folder: Path, runtime: Runtime) -> None:
    """Write root.pem, sign.pem and auth.pem (the trust anchors verifiers install)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from renkei.jpki import service

    folder.mkdir(parents=True, exist_ok=True)
    with runtime.session("jpki") as session:
        ders = service.authority_certificates(session, settings=runtime.settings)
    for role, der in ders.items():
        path = folder / f"{role}.pem"
        path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
        click.echo(str(path))


@group.command("export")
@click.option("--out", "folder", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option(
    "--serial",
    "serials",
    multiple=True,
    help="エンドエンティティ証明書 ROLE:SERIAL（例 sign:0x1a2b、シリアルは10進または0x付き16進）",
)
@click.option("--card", "cards", multiple=True, help="カード番号（そのカードの証明書をすべて）")
@runtime_options
def export(folder: Path, serials: tuple[str, ...], cards: tuple[str, ...], runtime: Runtime) -> None:
    """CA・OCSPレスポンダ・指定したエンドエンティティの証明書をPEMで書き出す / write certificates as PEM."""
    from renkei.jpki import export as jpki_export

    wanted: list[tuple[str, int]] = []
    for text in serials:
        role, _, number = text.partition(":")
        try:
            wanted.append((role, int(number, 0)))
        except ValueError:
            raise click.BadParameter(
                f"ROLE:SERIAL の形式で指定してください: {text}", param_hint="--serial"
            ) from None
    with runtime.session("jpki") as session:
        files = jpki_export.certificates(
            session, settings=runtime.settings, serials=wanted, card_numbers=list(cards)
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        click.echo(str(path))


@group.command("verify-log")
@runtime_options
def verify_log(runtime: Runtime) -> None:
    """Walk the append-only issuance log's hash chain."""
    from renkei.jpki import service

    with runtime.session("jpki") as session:
        count = service.verify_issuance_log(session)
    click.echo(f"発行ログ {count}件: 連鎖は正常です")
