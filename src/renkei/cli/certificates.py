"""`renkei certificates …`: the municipality's 証明書発行サーバ — fees, 課税 figures, 印鑑登録, issuances, seal checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import LazyChoice, runtime_options
from renkei.core.clock import JST

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

LG = click.option("--lg-code", required=True, help="団体コード（6桁）")


@click.group(name="certificates")
def group() -> None:
    """証明書発行サーバ（コンビニ交付の市区町村側）."""


@group.command("fee")
@LG
@click.option("--kind", type=LazyChoice("renkei.protocol.kiosk", "KIND_LABELS"), default=None)
@click.option("--amount", type=int, default=None, help="手数料（円）")
@runtime_options
def fee(lg_code: str, kind: str | None, amount: int | None, runtime: Runtime) -> None:
    """交付手数料を表示・設定する / show or set a fee."""
    from renkei.certificates import service
    from renkei.protocol.kiosk import KIND_LABELS

    with runtime.municipal_session(lg_code) as session:
        if kind is not None and amount is not None:
            service.set_fee(session, lg_code=lg_code, kind=kind, amount=amount)
        for name, value in service.fees(session, lg_code=lg_code).items():
            click.echo(f"{KIND_LABELS[name]}\t{value}円")


@group.command("tax-load")
@LG
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@runtime_options
def tax_load(lg_code: str, file: Path, runtime: Runtime) -> None:
    """課税システムのCSV（宛名番号,年度,総所得金額等,市町村民税額,道府県民税額）を取り込む."""
    from renkei.certificates import service

    with runtime.municipal_session(lg_code) as session:
        count = service.load_tax(session, data=file.read_bytes())
    click.echo(f"{count}件を取り込みました")


@group.command("seal-register")
@LG
@click.option("--resident", "resident_id", type=int, required=True)
@click.option("--impression", required=True, help="印影の文字（氏名の文字）")
@runtime_options
def seal_register(lg_code: str, resident_id: int, impression: str, runtime: Runtime) -> None:
    """印鑑登録 / register a seal."""
    from renkei.residents import service as residents

    with runtime.municipal_session(lg_code) as session:
        found = residents.register_seal(session, resident_id=resident_id, impression=impression)
    click.echo(f"印鑑登録番号 {found.number}（印影「{found.impression}」）")


@group.command("seal-abolish")
@LG
@click.option("--resident", "resident_id", type=int, required=True)
@runtime_options
def seal_abolish(lg_code: str, resident_id: int, runtime: Runtime) -> None:
    """印鑑登録の廃止 / abolish a seal registration."""
    from renkei.residents import service as residents

    with runtime.municipal_session(lg_code) as session:
        found = residents.abolish_seal(session, resident_id=resident_id)
    click.echo(f"印鑑登録番号 {found.number} を廃止しました")


@group.command("history")
@LG
@click.option("--resident", "resident_id", type=int, required=True)
@runtime_options
def history(lg_code: str, resident_id: int, runtime: Runtime) -> None:
    """本人への証明書の交付履歴 / certificates issued to a resident."""
    from renkei.certificates import service

    with runtime.municipal_session(lg_code) as session:
        rows = service.history(session, resident_id=resident_id)
    for r in rows:
        click.echo(
            f"{r.issued_at.astimezone(JST):%Y-%m-%d %H:%M}\t{r.kind_label}\t第{r.number}号\t{r.kiosk_id or '窓口'}\t{r.fee}円"
        )


@group.command("check-code")
@LG
@click.argument("code")
@runtime_options
def check_code(lg_code: str, code: str, runtime: Runtime) -> None:
    """証明書確認番号を照会する / look up a verification code."""
    from renkei.certificates import service

    with runtime.municipal_session(lg_code) as session:
        answer = service.check_code(session, code=code)
    click.echo(answer.message)
    if not answer.found:
        raise SystemExit(1)
    click.echo(f"交付日時 {answer.issued_at}  SHA-256 {answer.sha256}")


@group.command("verify")
@LG
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@runtime_options
def verify(lg_code: str, file: Path, runtime: Runtime) -> None:
    """証明書PDFの電子公印を検証する（pyHanko） / verify the PAdES seal of a certificate PDF."""
    from renkei.certificates import seal, service

    with runtime.municipal_session(lg_code) as session:
        root = service.seal_root(session, lg_code=lg_code)
    check = seal.verify_pdf(file.read_bytes(), root_der=root)
    click.echo(f"署名者: {check.signer or '—'}")
    click.echo(
        f"完全性 {'○' if check.intact else '×'}  署名 {'○' if check.valid else '×'}  信頼 {'○' if check.trusted else '×'}"
        f"  署名後の変更 {'あり' if check.modified_after_signing else 'なし'}"
    )
    if not check.ok:
        click.echo(
            "検証できません: この証明書は改ざんされているか、この団体の電子公印ではありません", err=True
        )
        raise SystemExit(1)
    click.echo("電子公印は有効です")
