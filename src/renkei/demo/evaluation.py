"""Demo 事務事業評価シート: seed 004's sheet reproduced, and seed 000's project evaluated from the toolkit's own data."""

from __future__ import annotations

from renkei.core import clock
from renkei.governance import evaluation as ev
from renkei.governance import indicators
from renkei.runtime import Runtime

POLICY = "P-SEC-POLICY"
HARDENING = "128520"  # seed 000's 事業コード
# Seed 004's (2) 総事業費の推移, 平成28–32年度 (千円, 人, 時間).
POLICY_COSTS = {
    "一般財源": (243, 243, 243, 358, 495),
    "正規職員従事人数": (4, 4, 4, 4, 4),
    "延べ業務時間": (220, 220, 220, 300, 220),
    "人件費計": (914, 913, 917, 1213, 889),
}
POLICY_TEXTS = {
    "担当": "総務部 情報政策課 情報管理係",
    "政策名": "G 効率的で市民にわかりやすいまちづくり",
    "施策名": "1 市民本位の窓口サービスの向上",
    "事業期間": "単年度繰返（開始年度 平成14年度～）",
    "予算科目": "1. 一般会計 2. 総務費 1. 総務管理費 1. 一般管理費",
    "事業概要": "情報資産の機密性・完全性・可用性を確保するため、情報セキュリティポリシーを定め、見直し、研修で周知する。",
    "① 手段（主な活動）": "セキュリティポリシーの見直し、セキュリティ研修の実施（新規採用職員、全職員、管理職向け）",
    "② 対象（誰、何を対象にしているのか）": "市の所有する情報資産、職員",
    "③ 意図（この事業によって、対象をどう変えるのか）": "職員がポリシーの内容を理解し、適正に取り扱えるようにする。",
    "④ 結果（どんな結果(上位施策)に結びつけるのか）": "ネットワークを安全に利用できる運用体制を整え、信頼性の高い情報システムとする。",
    "①この事務事業を開始したきっかけは何か？": "情報化を進めるうえで、成文化した情報セキュリティの指針が必要となった。",
    "③関係者からどんな意見や要望が寄せられているか？": "策定しただけで安心せず、内容を理解して指針に沿って運用できるよう徹底する必要がある。",
    "目的妥当性": "妥当である",
    "今後の方向性": "現状維持",
}  # fmt: skip


def setup(runtime: Runtime, *, lg_code: str) -> list[str]:
    """Two sheets on lg_code's node (its indicators come from the governance demo); returns summary lines."""
    fiscal_year = indicators.fiscal_year_of(clock.today())
    with runtime.municipal_session(lg_code) as session:
        years = range(2016, 2021)
        ev.upsert_evaluation(
            session,
            project_code=POLICY,
            fiscal_year=2019,
            name="セキュリティポリシー遵守運用事業",
            first_year=2016,
            texts=POLICY_TEXTS,
            indicator_names={
                "活動指標": ["研修会等の開催回数", "メール、課長会議等による情報提供の回数"],
                "対象指標": ["職員数", "ネットワーク接続機器台数", "各課が保有する個人情報の項目件数"],
                "成果指標": ["職員がポリシーに従った運用ができている割合"],
            },
            costs={str(y): {k: v[i] for k, v in POLICY_COSTS.items()} for i, y in enumerate(years)},
        )
        sheet = ev.upsert_evaluation(
            session,
            project_code=HARDENING,
            fiscal_year=fiscal_year - 1,
            name="情報セキュリティ強化対策事業",
            first_year=fiscal_year - 3,
            texts={
                "担当": "総合政策部 総務課",
                "③ 意図（この事業によって、対象をどう変えるのか）": "情報セキュリティ対策強化",
                "② 対象（誰、何を対象にしているのか）": "行政手続きを行う市民、個人番号関係事務を行うすべての職員",
                "目的妥当性": "妥当である",
                "公共関与の妥当性": "地方公共団体は番号制度の実施主体であり、特定個人情報の適正な取扱いの確保に必要な措置を講じる必要がある。",
            },
            indicator_names={
                "活動指標": ["研修会等の開催回数"],
                "成果指標": [
                    "特定個人情報取扱者の年次研修受講率",
                    "期限内に報告・対応したインシデントの割合",
                    "ネットワーク点検の未解決の指摘件数",
                    "特定個人情報保護評価が期限内のファイルの割合",
                ],
            },
            costs={str(fiscal_year - 1): {"国庫支出金": 12_900, "一般財源": 19_314}},
        )
        ev.refresh(session, sheet)
    return [
        "事務事業評価シート（デモ） / evaluation sheets:",
        f"  {POLICY} セキュリティポリシー遵守運用事業 2019年度（seed 004）",
        f"  {HARDENING} 情報セキュリティ強化対策事業 {fiscal_year - 1}年度（研修・インシデント・点検・PIAの指標を自動集計）",
    ]
