"""`renkei governance systems|region|evaluation …`: the inventory, the region's cloud plan, the evaluation sheets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import LazyChoice, runtime_options
from renkei.core.errors import Invalid

if TYPE_CHECKING:
    from renkei.governance import region as regions
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

municipality_option = click.option(
    "--municipality",
    "lg_code",
    required=True,
    help="団体コード（6桁）。業務システムや地域はその団体のノードにあります",
)
out_option = click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))


@click.group(name="systems")
def systems_group() -> None:
    """業務システムの可視化: 団体の業務システム一覧（Excel）."""


@systems_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@municipality_option
@runtime_options
def systems_import(path: Path, lg_code: str, runtime: Runtime) -> None:
    """業務システム一覧を取り込む（1行でも誤りがあれば何も取り込みません）."""
    from renkei.governance.excel.cloud_book import import_systems

    with runtime.municipal_session(lg_code) as session:
        saved = import_systems(session, data=path.read_bytes(), lg_code=lg_code)
    click.echo(f"{len(saved)}件を取り込みました: {path.name}")


@systems_group.command("export")
@out_option
@municipality_option
@runtime_options
def systems_export(out: Path, lg_code: str, runtime: Runtime) -> None:
    from renkei.governance.excel.cloud_book import export_systems

    with runtime.municipal_session(lg_code) as session:
        out.write_bytes(export_systems(session))
    click.echo(f"書き出しました: {out}")


@click.group(name="region")
def region_group() -> None:
    """地域共同対応: 地域（幹事団体のノードに保存）、地域の課題、自治体クラウド計画."""


def _member(text: str) -> regions.MemberInput:
    from renkei.governance import region as regions

    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise Invalid(
            f"--member は 団体コード:団体名:人口[:都道府県] の形です（入力値: {text!r}）", field="--member"
        )
    if not parts[2].replace(",", "").isdigit():
        raise Invalid(f"人口は整数です（入力値: {parts[2]!r}）", record=parts[0], field="人口")
    kind = parts[3] if len(parts) == 4 else "市区町村"
    return regions.MemberInput(parts[0], parts[1], kind, int(parts[2].replace(",", "")))


@region_group.command("set")
@click.option("--code", required=True, help="地域コード")
@click.option("--name", required=True, help="地域名")
@click.option(
    "--member", "members", multiple=True, required=True, help="団体コード:団体名:人口[:都道府県]（2団体以上）"
)
@click.option("--equal-share", default="30", show_default=True, help="共同経費のうち均等割の割合（%）")
@click.option("--window", default=1, show_default=True, type=int, help="更新年度の許容差（年）")
@municipality_option
@runtime_options
def region_set(
    *,
    code: str,
    name: str,
    members: tuple[str, ...],
    equal_share: str,
    window: int,
    lg_code: str,
    runtime: Runtime,
) -> None:
    """地域を登録する（--municipality が幹事団体）."""
    from renkei.governance import region as regions

    with runtime.municipal_session(lg_code) as session:
        region = regions.upsert_region(
            session, code=code, name=name, members=[_member(m) for m in members],
            equal_share_percent=equal_share, window_years=window,
        )  # fmt: skip
        click.echo(f"登録しました: {region.name}（{len(region.members)}団体）")


@region_group.command("estimate")
@click.option("--code", required=True, help="地域コード")
@click.option("--business", required=True, help="業務")
@click.option("--annual", required=True, type=click.IntRange(min=0), help="共同の年間経費（千円）")
@click.option("--initial", default=0, type=click.IntRange(min=0), help="初期費用（千円）")
@municipality_option
@runtime_options
def region_estimate(
    *, code: str, business: str, annual: int, initial: int, lg_code: str, runtime: Runtime
) -> None:
    from renkei.governance import region as regions

    with runtime.municipal_session(lg_code) as session:
        regions.set_estimate(
            session, region=code, business=business, annual_cost=annual, initial_cost=initial
        )
    click.echo(f"共同見積を保存しました: {business} {annual:,}千円/年")


@region_group.command("plan")
@click.option("--code", required=True, help="地域コード")
@click.option(
    "--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None, help="計画を .xlsx に書き出す"
)
@click.option(
    "--svg", type=click.Path(dir_okay=False, path_type=Path), default=None, help="工程表を .svg に書き出す"
)
@municipality_option
@runtime_options
def region_plan(code: str, xlsx: Path | None, svg: Path | None, lg_code: str, runtime: Runtime) -> None:
    """地域の課題の優先順位、共同調達の候補、費用比較、準備状況を表示する."""
    from renkei.governance import cloud
    from renkei.governance.excel.cloud_book import export_plan
    from renkei.governance.gantt import gantt_svg

    with runtime.municipal_session(lg_code) as session:
        result = cloud.plan(session, code=code, open_member=runtime.municipal_session)
    click.echo(f"{result.region.name}")
    click.echo("課題の優先順位（地域）:")
    for i in result.view.issues:
        common = "（共通）" if i.common else ""
        click.echo(f"  {i.rank}. {i.title}{common} 総合 {i.total}（{i.impact} / {i.compliance} / {i.ease}）")
    click.echo("共同調達の候補:")
    for c in result.candidates:
        joint = f"{c.joint_total:,}千円" if c.joint_total is not None else "見積未入力"
        click.echo(f"  {c.business}: 稼働 {c.go_live}、単独計 {c.alone_total:,}千円 → 共同 {joint}")
        for s in c.shares:
            share = f"{s.share:,}千円" if s.share is not None else "—"
            click.echo(
                f"    {s.member.name}: 単独 {s.alone:,}千円、負担 {share}、契約延長 {s.extension_years}年"
            )
    click.echo("準備状況:")
    for r in result.readiness:
        click.echo(f"  {r.member.name}: 第{r.reached}段階まで")
        for check in r.stages:
            if not check.passed:
                click.echo(f"    × {check.stage}: {'／'.join(check.reasons)}")
    if xlsx is not None:
        xlsx.write_bytes(export_plan(result))
        click.echo(f"書き出しました: {xlsx}")
    if svg is not None:
        svg.write_text(gantt_svg(result.candidates, title=f"{result.region.name} 工程表"), encoding="utf-8")
        click.echo(f"書き出しました: {svg}")


@click.group(name="evaluation")
def evaluation_group() -> None:
    """事務事業評価シート（事後評価）: Excel・PDFへの出力と、記入したExcelの取込み."""


@evaluation_group.command("export")
@click.option("--code", required=True, help="事業コード")
@click.option("--year", required=True, type=int, help="評価年度（西暦）")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help=".xlsx または .pdf"
)
@click.option("--refresh", is_flag=True, help="先に研修・インシデント・点検・PIAの指標を集計し直す")
@municipality_option
@runtime_options
def evaluation_export(
    *, code: str, year: int, out: Path, refresh: bool, lg_code: str, runtime: Runtime
) -> None:
    from renkei.governance import evaluation as ev
    from renkei.governance.evaluation_pdf import evaluation_pdf
    from renkei.governance.excel.evaluation_sheet import export_sheet

    with runtime.municipal_session(lg_code) as session:
        sheet = ev.get_evaluation(session, project_code=code, fiscal_year=year)
        if refresh:
            ev.refresh(session, sheet)
        data = (
            evaluation_pdf(session, sheet) if out.suffix.lower() == ".pdf" else export_sheet(session, sheet)
        )
    out.write_bytes(data)
    click.echo(f"書き出しました: {out}")


@evaluation_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@municipality_option
@runtime_options
def evaluation_import(path: Path, lg_code: str, runtime: Runtime) -> None:
    from renkei.governance.excel.evaluation_sheet import import_sheet

    with runtime.municipal_session(lg_code) as session:
        sheet = import_sheet(session, data=path.read_bytes())
        click.echo(f"取り込みました: {sheet.project_code} {sheet.name} {sheet.fiscal_year}年度")


@click.group(name="course")
def course_group() -> None:
    """研修コース（e-ラーニング）: 同梱のコースの登録と受講結果."""


@course_group.command("install")
@municipality_option
@runtime_options
def course_install(lg_code: str, runtime: Runtime) -> None:
    """同梱のコース（特定個人情報の取扱い）を登録・更新する."""
    from renkei.governance import courses

    with runtime.municipal_session(lg_code) as session:
        for course in courses.install_shipped(session):
            click.echo(
                f"登録しました: {course.code} {course.title}（レッスン {len(course.lessons)}、問題 {len(course.questions)}）"
            )


@course_group.command("results")
@municipality_option
@runtime_options
def course_results(lg_code: str, runtime: Runtime) -> None:
    from renkei.governance import courses

    with runtime.municipal_session(lg_code) as session:
        for a in courses.attempts(session):
            result = "合格" if a.passed else "不合格"
            click.echo(
                f"{a.taken_at.date()} {a.handler.department} {a.handler.name} {a.correct}/{a.total} {result}"
            )


@click.group(name="drill")
def drill_group() -> None:
    """訓練: 標的型メール・誤送信の訓練の作成、訓練メールの文面、所属別の結果."""


@drill_group.command("create")
@click.option("--code", required=True)
@click.option("--kind", required=True, type=LazyChoice("renkei.governance.scales", "DRILL_KINDS"))
@click.option("--title", required=True)
@click.option("--department", "departments", multiple=True, help="対象の所属（複数可）")
@click.option("--handler", "handlers", multiple=True, help="対象の職員番号（複数可）")
@click.option(
    "--base-url", default="http://127.0.0.1:8000", show_default=True, help="リンク先（この端末のみ）"
)
@municipality_option
@runtime_options
def drill_create(
    *, code: str, kind: str, title: str, departments: tuple[str, ...], handlers: tuple[str, ...], base_url: str,
    lg_code: str, runtime: Runtime,
) -> None:  # fmt: skip
    """訓練を作成し、対象者ごとの訓練メールの文面を表示する（renkei はメールを送りません）."""
    from renkei.governance import drills

    base = drills.check_link_base(f"{base_url.rstrip('/')}/drill/{lg_code}")
    with runtime.municipal_session(lg_code) as session:
        drill = drills.create_drill(session, code=code, kind=kind, title=title, departments=list(departments),
                                    handler_codes=list(handlers))  # fmt: skip
        for m in drills.messages(drill, base_url=base):
            click.echo(f"--- {m.target.department} {m.target.handler.name}\n件名: {m.subject}\n{m.body}")


@drill_group.command("results")
@click.option("--code", required=True)
@municipality_option
@runtime_options
def drill_results(code: str, lg_code: str, runtime: Runtime) -> None:
    from renkei.governance import drills

    with runtime.municipal_session(lg_code) as session:
        drill = drills.get_drill(session, code=code)
        click.echo(f"{drill.title}（{drill.kind} {drill.started_on}）")
        for t in drills.by_department(drill):
            click.echo(
                f"  {t.label}: 対象 {t.targets}、クリック {t.clicked}（{t.click_rate}%）、報告 {t.reported}（{t.report_rate}%）"
            )


def register(group: click.Group) -> None:
    group.add_command(systems_group)
    group.add_command(region_group)
    group.add_command(evaluation_group)
    group.add_command(course_group)
    group.add_command(drill_group)
