"""Demo 安全管理措置: seed 002's 軽自動車税 example and enough of everything else to show every table.

Safe to run twice: every write is an upsert by its natural key, except incidents and attendance, which are
skipped when already there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict
from renkei.governance import incidents, indicators, issues, network, overview, register, training
from renkei.governance.scales import Measure
from renkei.runtime import Runtime

KEIJIDOSHA = "軽自動車税の減免申請に係る事務"
# Seed 002's 進捗管理 (first rows), as 別表第一 事務 with their marks.
PROGRESS = (
    ("児童扶養手当法による児童扶養手当の支給に関する事務であって主務省令で定めるもの", "〇△△--×"),
    ("児童手当法による児童手当又は特例給付の支給に関する事務であって主務省令で定めるもの", "△△×△××"),
    (
        "特別児童扶養手当等の支給に関する法律による特別児童扶養手当の支給に関する事務であって主務省令で定めるもの",
        "×××--×",
    ),
    (
        "子ども・子育て支援法による子どものための教育・保育給付の支給に関する事務であって主務省令で定めるもの",
        "×××△××",
    ),
)
# Seed 002's 情報資産取扱手順表 (ID, stage, 取扱方法, 関連業務機能, 担当者任務, C, I, A).
ASSETS = (
    ("1-2", "取得", "提出された書類を受領。", "申請書の受領", "添付書類の確認", 3, 2, 2),
    (
        "1-3",
        "利用",
        "取りまとめた書類を本人確認に利用し記録する。",
        "本人確認と個人番号照会",
        "本人確認",
        3,
        2,
        2,
    ),
    ("1-4", "利用", "申請内容をシステムへ入力する。", "入力", "システムへの入力 決定通知書の発行", 3, 2, 2),
    ("1-5", "保存", "原本を特定個人情報ファイルに綴じて記録する。", "保管", "ファイルの整理・記録", 3, 2, 1),
    (
        "1-6",
        "削除・廃棄",
        "法定保存期間を経過した申請書等を廃棄・削除する。",
        "廃棄",
        "裁断処分する",
        3,
        2,
        1,
    ),
)
# Seed 002's リスク分析表 (ID, 脆弱性, 脅威, 対策 with △, 残存リスク).
RISKS = (
    ("1-2", "窓口がオープンスペースのため、第三者に見られる可能性が高い。", "他者に見られ、記録されたため情報が漏洩する。",
     (("個人スペースを作る。", "0.5"), ("周りに人がいないか確認する。", "0.5")), "個人情報を他者に聞こえる声で読みあげる。"),
    ("1-3", "本人確認の際に他者に聞こえる。声によって漏洩する可能性が高い。", "他者に聞こえ、記録されたため情報が漏洩する。",
     (("張り紙等によって読み上げないよう注意喚起する事を要領化する。", "1"),), "徹底されない可能性がある。"),
    ("1-4", "入力途中で退席した場合に、他者が情報をのぞき見る可能性がある。", "他者に見られ、記録されたため情報が漏洩する。",
     (("退席時は、パソコンの画面のフィルタリングをし、申請書は机の中に入れてしまう等、目に付かない所に保管する。", "1"),), "忘れる可能性がある。"),
    ("1-5", "保管整理がされていないため、保管場所が分からなくなる。", "保管整理の不備により、他者が見つけて記録されてしまう可能性がある。",
     (("整理整頓と保存場所の記録と管理。", "1"),), "忘れる可能性がある。"),
    ("1-6", "廃棄時に保管場所から出した際に、外部に落としてしまう可能性がある。", "外部の人が拾って情報を記録してしまう。",
     (("書類をすぐに裁断する。", "0"), ("ブルーシートを敷くなど、見落しがないようにする。", "1")), "廃棄後回収されて復元される。"),
)  # fmt: skip
# Seed 002's 課題分析 (number, 主要課題, 影響性, 法令準拠, 容易性).
ISSUES = (
    (1, "全庁的な課題の整理", "5", "5", "2.5"),
    (2, "全庁的な受け入れ体制の整備", "4.3", "4.5", "1.5"),
    (3, "業務の洗い出し、整理", "5", "5", "1.5"),
    (4, "規程類の整理", "3.8", "5", "3.2"),
    (5, "マニュアル化", "5", "3.2", "1.8"),
    (6, "原課に意識付けを行う", "4.8", "5", "3.3"),
    (7, "他市町村と情報共有共同対応の可能性を探る", "4.8", "1.2", "3.2"),
    (8, "サポートする事務局機能を設置する", "4.7", "1.0", "2.5"),
    (9, "外部専門機関による支援の検討", "3.0", "1.0", "2.3"),
)
# Seed 004's indicators, 平成28–32年度 (32年度 見込).
INDICATORS = (
    ("研修会等の開催回数", (2, 5, 3, 4, 4)),
    ("メール、課長会議等による情報提供の回数", (41, 36, 37, 39, 47)),
    ("職員数", (470, 467, 472, 485, 487)),
    ("ネットワーク接続機器台数", (665, 708, 850, 898, 916)),
    ("各課が保有する個人情報の項目件数", (1096, 1141, 1127, 1122, 1122)),
    ("職員がポリシーに従った運用ができている割合", (100, 100, 100, 100, 100)),
)
HANDLERS = (
    ("T001", "税務 花子", "税務課", ("軽自動車税減免ファイル",), 100),
    ("T002", "課税 次郎", "税務課", ("軽自動車税減免ファイル",), 420),
    ("T003", "収納 三郎", "税務課", ("軽自動車税減免ファイル",), None),
    ("K001", "子育 支援", "子育て支援課", ("児童手当ファイル",), 100),
    ("K002", "手当 四郎", "子育て支援課", ("児童手当ファイル",), 500),
    ("J001", "情報 政策", "情報政策課", ("軽自動車税減免ファイル", "児童手当ファイル"), 100),
)


def setup(runtime: Runtime, *, lg_code: str) -> list[str]:
    """Fill the municipality's governance tables with the seed's example; returns summary lines."""
    today = clock.today()
    with runtime.municipal_session(lg_code) as session:
        register.upsert_jimu(
            session,
            name=KEIJIDOSHA,
            kind="別表第一",
            basis="別表第一 第十六号（地方税の賦課徴収）",
            department="税務課",
            procedures_dated_on=dt.date(2018, 1, 10),
            risks_dated_on=dt.date(2018, 1, 10),
            progress={"progress_flow": "〇", "progress_personal_info": "〇", "progress_risk": "〇"},
        )
        for name, marks in PROGRESS:
            columns = ("progress_flow", "progress_personal_info", "progress_risk", "progress_linkage",
                       "progress_ordinance", "progress_pia")  # fmt: skip
            register.upsert_jimu(
                session, name=name, department="子育て支援課", progress=dict(zip(columns, marks, strict=True))
            )
        register.upsert_file(session, name="軽自動車税減免ファイル", jimu=KEIJIDOSHA, subject_count=1_200, handler_count=8, tm_code="TM00000000000002",
                             last_published_on=dt.date(2021, 3, 1), sections={"Ⅰ 関連情報": "完了", "Ⅱ しきい値判断項目": "完了"})  # fmt: skip
        register.upsert_file(session, name="児童手当ファイル", jimu=PROGRESS[1][0], subject_count=45_000, handler_count=60,
                             tm_code="TM00000000000010", last_published_on=dt.date(2024, 7, 1))  # fmt: skip
        register.upsert_file(session, name="児童扶養手当ファイル", jimu=PROGRESS[0][0], subject_count=12_000,
                             handler_count=520, sections={"Ⅰ 基本情報": "作成中"})  # fmt: skip
        for code, stage, handling, function, task, c, i, a in ASSETS:
            register.upsert_asset(
                session, code=code, jimu=KEIJIDOSHA, name="減免申請書", medium="紙", stage=stage, handling=handling,
                function=function, responsible="課長", responsible_task="指示" if stage != "利用" else "承認",
                handler="担当課員", handler_task=task, confidentiality=c, integrity=i, availability=a,
            )  # fmt: skip
        for code, vulnerability, threat, measures, residual in RISKS:
            register.upsert_risk(
                session, asset_code=code, vulnerability=vulnerability, vulnerability_rating=2, threat=threat,
                threat_rating=2, function=register.get_asset(session, code=code).function,
                measures=[Measure(text, Decimal(amount)) for text, amount in measures], residual_risk=residual,
            )  # fmt: skip
        for code in ("1-2", "1-3"):
            register.accept_risk(session, asset_code=code, accepted_by="税務課長")
        for number, title, impact, compliance, ease in ISSUES:
            issues.upsert_issue(
                session, number=number, title=title, impact=impact, compliance=compliance, ease=ease
            )
        _training(session, today)
        _incidents(session)
        network.replace_inventory(session, _inventory())
        for name, values in INDICATORS:
            for offset, value in enumerate(values):
                indicators.set_indicator(
                    session, name=name, fiscal_year=2016 + offset, value=value, estimate=offset == 4
                )
        indicators.refresh(session, fiscal_year=indicators.fiscal_year_of(today))
        summary = overview.overview(session, today=today)
    return ["安全管理措置（デモ） / governance demo:", *(f"  {line}" for line in summary.lines())]


def _training(session: Session, today: dt.date) -> None:
    fiscal_year = indicators.fiscal_year_of(today)
    training.upsert_plan(session, code=f"P{fiscal_year}", fiscal_year=fiscal_year, title="特定個人情報の適正な取扱いに関する研修",
                         audience="保護責任者及び事務取扱担当者", content="安全管理措置、インシデント対応の基礎")  # fmt: skip
    held = {}
    for days in (100, 420, 500):
        code = f"S{days}"
        held[days] = code
        training.upsert_session(session, code=code, plan=f"P{fiscal_year}", held_on=today - dt.timedelta(days=days),
                                title="安全管理措置（集合研修）", hours="2", place="本庁舎会議室")  # fmt: skip
    for code, name, department, files, trained in HANDLERS:
        training.upsert_handler(session, code=code, name=name, department=department, files=list(files),
                                assigned_on=today - dt.timedelta(days=800))  # fmt: skip
        if trained is not None:
            training.record_attendance(session, session_code=held[trained], handler_code=code)


def _incidents(session: Session) -> None:
    now = clock.now()
    try:
        incidents.report_incident(session, code="INC-001", title="減免決定通知書の誤送付", affected_count=1,
                                  aware_at=now - dt.timedelta(days=40), reported_at=now - dt.timedelta(days=40))  # fmt: skip
    except Conflict:
        return
    for step, days in (("triage", 39), ("containment", 38), ("recovery", 35)):
        incidents.advance(session, code="INC-001", step=step, at=now - dt.timedelta(days=days))
    incidents.advance(session, code="INC-001", step="lessons", lessons="封入時のダブルチェックを要領化した")
    incidents.report_incident(session, code="INC-002", title="標的型メールによる端末のマルウェア感染（調査中）",
                              affected_count=150, unlawful_purpose=True, aware_at=now - dt.timedelta(days=1))  # fmt: skip
    incidents.advance(session, code="INC-002", step="triage")


def _inventory() -> network.Inventory:
    seg = network.Segment
    return network.Inventory(
        model="α",
        segments=[
            seg("基幹系", network.MYNUMBER), seg("庁内LAN", network.LGWAN_SIDE), seg("インターネット系", network.INTERNET_SIDE),
            seg("県セキュリティクラウド", network.SECURITY_CLOUD), seg("LGWAN", network.LGWAN), seg("インターネット", network.INTERNET),
        ],
        hosts=[
            network.Host("基幹系端末", "基幹系", "端末", two_factor=True, export_blocked=True, count=120),
            network.Host("税務課 予備端末", "基幹系", "端末", two_factor=False, export_blocked=True, count=2),
            network.Host("統合宛名サーバ", "基幹系", "サーバ"),
            network.Host("職員端末", "庁内LAN", "端末", count=480),
            network.Host("仮想ブラウザサーバ", "インターネット系", "サーバ", count=4),
        ],
        flows=[
            network.Flow("F-01", "基幹系", "LGWAN", "中間サーバー連携", "副本登録・情報照会"),
            network.Flow("F-02", "庁内LAN", "インターネット系", "画面転送", "インターネット閲覧"),
            network.Flow("F-03", "インターネット系", "庁内LAN", "ファイル転送", "添付ファイルの取込", sanitized=True),
            network.Flow("F-04", "インターネット系", "県セキュリティクラウド", "通信", "Web・メール"),
            network.Flow("F-05", "県セキュリティクラウド", "インターネット", "通信", "インターネット出口"),
            network.Flow("F-06", "インターネット系", "庁内LAN", "メール", "外部メールの転送"),
        ],
    )  # fmt: skip
