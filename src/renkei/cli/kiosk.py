"""`renkei kiosk …`: a コンビニ交付 kiosk transaction, 証明書交付センター's records and the monthly settlement."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import LazyChoice, runtime_options
from renkei.core.clock import JST

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.group(name="kiosk")
def group() -> None:
    """コンビニ交付: キオスク端末と証明書交付センター."""


def mount_municipalities(runtime: Runtime) -> None:
    """The center reaches every municipality of this process (their 証明書発行サーバ)."""
    for lg_code in runtime.municipalities():
        runtime.mount_municipality(lg_code)


@group.command("issue")
@click.option("--kiosk", "kiosk_id", default="KIOSK-0001", help="キオスク端末ID")
@click.option("--card", "card_number", required=True, help="マイナンバーカードのカード番号")
@click.option("--pin", required=True, help="利用者証明用暗証番号（数字4桁）")
@click.option("--kind", type=LazyChoice("renkei.protocol.kiosk", "KIND_LABELS"), required=True)
@click.option("--household", is_flag=True, help="住民票の写し: 世帯全員")
@click.option("--year", "fiscal_year", type=int, default=None, help="課税証明書: 年度")
@click.option("--copies", type=int, default=1)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="PDFの出力先")
@runtime_options
def issue(
    *,
    kiosk_id: str,
    card_number: str,
    pin: str,
    kind: str,
    household: bool,
    fiscal_year: int | None,
    copies: int,
    out: Path,
    runtime: Runtime,
) -> None:
    """キオスクで証明書を取得する / get a certificate at a kiosk."""
    from renkei.kiosk import service
    from renkei.protocol.kiosk import CertificateOrder

    mount_municipalities(runtime)
    order = CertificateOrder(kind=kind, household=household, fiscal_year=fiscal_year, copies=copies)  # type: ignore[arg-type]
    outcome = service.issue(
        runtime.transport,
        lambda: runtime.session("kiosk"),
        kiosk_id=kiosk_id,
        card_number=card_number,
        pin=pin,
        order=order,
    )
    if not outcome.issued or outcome.document is None:
        click.echo(f"交付できません: {outcome.message}", err=True)
        raise SystemExit(1)
    out.write_bytes(outcome.pdf())
    d = outcome.document
    click.echo(f"{outcome.message} 証明書番号 {d.number} 証明書確認番号 {d.verification_code} → {out}")


@group.command("settlement")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--lg-code", default=None)
@runtime_options
def settlement(month: str, lg_code: str | None, runtime: Runtime) -> None:
    """月次精算: 団体・証明書ごとの交付件数と手数料 / the monthly settlement."""
    from renkei.kiosk import service

    with runtime.session("kiosk") as session:
        lines = service.settlement(session, month=month, lg_code=lg_code)
    click.echo("団体コード\t証明書\t件数\t通数\t手数料（円）")
    for line in lines:
        click.echo(f"{line.lg_code}\t{line.kind_label}\t{line.count}\t{line.copies}\t{line.fees}")
    click.echo(
        f"合計\t\t{sum(x.count for x in lines)}\t{sum(x.copies for x in lines)}\t{sum(x.fees for x in lines)}"
    )


@group.command("transactions")
@click.option("--limit", type=int, default=20)
@runtime_options
def transactions(limit: int, runtime: Runtime) -> None:
    """証明書交付センターの取引記録（交付・拒否） / recent kiosk transactions."""
    from renkei.kiosk import service
    from renkei.protocol.kiosk import KIND_LABELS

    with runtime.session("kiosk") as session:
        for t in service.transactions(session, limit=limit):
            click.echo(
                f"{t.at.astimezone(JST):%Y-%m-%d %H:%M}\t{t.kiosk_id}\t{KIND_LABELS[t.kind]}\t{t.lg_code or '-'}\t"
                f"{'交付' if t.outcome == 'issued' else '拒否'}\t{t.number or ''}\t{t.message}"
            )


@group.command("history")
@click.option("--kiosk", "kiosk_id", default="KIOSK-0001")
@click.option("--card", "card_number", required=True)
@click.option("--pin", required=True)
@runtime_options
def history(kiosk_id: str, card_number: str, pin: str, runtime: Runtime) -> None:
    """本人の証明書交付履歴をキオスクで見る / the person's own issuance history, after card and PIN."""
    from renkei.kiosk import service
    from renkei.protocol.kiosk import KIND_LABELS

    mount_municipalities(runtime)
    message, records = service.history(runtime.transport, kiosk_id=kiosk_id, card_number=card_number, pin=pin)
    click.echo(message)
    for r in records:
        where = r.kiosk_id or "窓口"
        click.echo(
            f"{r.issued_at.astimezone(JST):%Y-%m-%d %H:%M}\t{KIND_LABELS[r.kind]}\t第{r.number}号\t{where}\t{r.fee}円"
        )
