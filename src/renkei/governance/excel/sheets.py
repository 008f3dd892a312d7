"""The governance workbook's sheets: one table each, with the seeds' headings, and the seed's ① numbering."""

from __future__ import annotations

import unicodedata

from renkei.governance import scales
from renkei.governance.excel.tables import Col, Table

JIMU = Table(
    "事務",
    "事務一覧",
    (Col("事務名"), Col("区分"), Col("根拠"), Col("担当課"), Col("手順表日付"), Col("リスク分析表日付")),
)
PROGRESS = Table(
    "進捗管理",
    "業務フロー等進捗状況（〇完了 △着手 ×未着手 -不要）",
    (Col("別表1事務"), *(Col(label) for _, label in scales.PROGRESS_COLUMNS)),
)
FILES = Table(
    "特定個人情報ファイル",
    "特定個人情報ファイル",
    (
        Col("ファイル名"),
        Col("事務名"),
        Col("特定個人情報名コード"),
        Col("対象人数"),
        Col("取扱者数"),
        Col("重大事故"),
        Col("評価書公表日"),
        Col("しきい値判断", computed=True),
        Col("再評価期限", computed=True),
    ),
)
SECTIONS = Table(
    "評価書", "特定個人情報保護評価書 作成状況", (Col("ファイル名"), Col("評価書項目"), Col("状況"))
)
ASSETS = Table(
    "情報資産取扱手順表",
    "情報資産取扱手順表",
    (
        Col("事務", optional=True),
        Col("ID"),
        Col("情報資産名称"),
        Col("種類"),
        Col("取扱段階"),
        Col("取扱方法"),
        Col("取扱手順"),
        Col("関連業務機能"),
        Col("責任者"),
        Col("責任者任務"),
        Col("担当者"),
        Col("担当者任務"),
        Col("備考"),
        Col("機密性"),
        Col("完全性"),
        Col("可用性"),
        Col("資産価値", computed=True),
    ),
)
RISKS = Table(
    "リスク分析表",
    "リスク分析表",
    (
        Col("事務", optional=True),
        Col("ID"),
        Col("情報資産名称"),
        Col("資産価値", computed=True),
        Col("脆弱性"),
        Col("脆弱性評価"),
        Col("脅威"),
        Col("関連業務機能"),
        Col("脅威評価"),
        Col("総合評価", computed=True),
        Col("対策"),
        Col("残存リスク"),
        Col("残存評価", computed=True),
        Col("受容者", optional=True),
        Col("受容日時", optional=True),
    ),
    stop_words=("脅威", "ぜい弱性", "脆弱性"),
)
ISSUES = Table(
    "課題の優先順位",
    "課題分析（取組むべき課題）",
    (
        Col("優先順位", computed=True),
        Col("主要課題"),
        Col("要点"),
        Col("影響性"),
        Col("法令準拠"),
        Col("容易性"),
        Col("総合", computed=True),
    ),
)
HANDLERS = Table(
    "取扱者",
    "特定個人情報ファイル取扱者",
    (
        Col("職員番号"),
        Col("氏名"),
        Col("所属"),
        Col("配置日"),
        Col("在職"),
        Col("取扱ファイル"),
        Col("最終受講日", computed=True),
        Col("受講期限", computed=True),
    ),
)
PLANS = Table("研修計画", "研修計画", (Col("計画番号"), Col("年度"), Col("名称"), Col("対象"), Col("内容")))
SESSIONS = Table(
    "研修実施",
    "研修実施",
    (Col("研修番号"), Col("計画番号"), Col("開催日"), Col("名称"), Col("時間"), Col("場所")),
)
ATTENDANCE = Table("受講記録", "受講記録", (Col("研修番号"), Col("職員番号"), Col("氏名", computed=True)))
INCIDENTS = Table(
    "インシデント",
    "インシデント対応記録",
    (
        Col("番号"),
        Col("件名"),
        Col("内容"),
        Col("覚知日時"),
        Col("報告受付"),
        Col("トリアージ"),
        Col("封じ込め"),
        Col("復旧"),
        Col("再発防止"),
        Col("教訓"),
        Col("特定個人情報"),
        Col("影響人数"),
        Col("不正の目的"),
        Col("情報提供NW等"),
        Col("不特定多数閲覧"),
        Col("速報"),
        Col("確報"),
        Col("速報期限", computed=True),
        Col("確報期限", computed=True),
    ),
)
NETWORK_SETTING = Table("ネットワーク設定", "ネットワーク設定", (Col("項目"), Col("値")))
SEGMENTS = Table("ネットワーク区画", "ネットワーク区画", (Col("区画名"), Col("区分"), Col("備考")))
HOSTS = Table(
    "ホスト・端末",
    "ホスト・端末",
    (Col("名称"), Col("区画"), Col("種別"), Col("台数"), Col("二要素認証"), Col("持ち出し制限")),
)
FLOWS = Table(
    "通信経路",
    "許可している通信経路",
    (Col("経路ID"), Col("送信元区画"), Col("宛先区画"), Col("種別"), Col("目的"), Col("無害化")),
)
INDICATORS = Table(
    "政策指標",
    "事務事業の指標の推移",
    (Col("区分"), Col("名称"), Col("単位")),
    extra=r"\d{4}年度\((実績|見込)\)",
)
TABLES = (
    JIMU,
    PROGRESS,
    FILES,
    SECTIONS,
    ASSETS,
    RISKS,
    ISSUES,
    HANDLERS,
    PLANS,
    SESSIONS,
    ATTENDANCE,
    INCIDENTS,
    NETWORK_SETTING,
    SEGMENTS,
    HOSTS,
    FLOWS,
    INDICATORS,
)
BY_SHEET = {t.sheet: t for t in TABLES}


def circled(number: int) -> str:
    """① … ⑳, ㉑ … ㊿ as the seed numbers its 要点; beyond 50, (51)."""
    if 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if 21 <= number <= 35:
        return chr(0x3251 + number - 21)
    if 36 <= number <= 50:
        return chr(0x32B1 + number - 36)
    return f"({number})"


def leading_number(text: str) -> tuple[int | None, str]:
    """Split "① 課題を整理する" into (1, "課題を整理する"); (51) and 51. work too."""
    text = text.strip()
    if text and unicodedata.category(text[0]) == "No":
        try:
            return int(unicodedata.numeric(text[0])), text[1:].strip()
        except ValueError:
            return None, text
    for opener, closer in (("(", ")"), ("（", "）")):
        if text.startswith(opener) and closer in text:
            inner, rest = text[1:].split(closer, 1)
            if inner.isdigit():
                return int(inner), rest.strip()
    return None, text
