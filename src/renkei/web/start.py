"""The start page a newcomer opens first: the system in one picture, each role's console, demo accounts and cards."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from renkei.core.errors import RenkeiError
from renkei.staff import service as staff_service
from renkei.web.deps import get_runtime
from renkei.web.templating import templates

router = APIRouter()
START_FILE = "demo-start.json"  # written by the demo (renkei.demo.start)

CONSOLES = [
    ("/residents", "住民記録", "住基担当", "juki"),
    ("/addressee", "団体内統合宛名", "住基・税務・福祉担当、情報政策課", "juki"),
    ("/linkage", "情報連携（中間サーバー）", "福祉担当・情報政策課", "welfare"),
    ("/jpki", "公的個人認証（窓口）", "住基担当", "juki"),
    ("/governance", "安全管理措置", "情報政策課・監査", "admin"),
    ("/staff", "職員管理", "情報政策課", "admin"),
    ("/inbox", "電子申請の受付（ぴったりサービス）", "福祉担当（児童手当）・住基担当（転出届）", "welfare"),
    ("/notices", "マイナポータルへのお知らせ", "お知らせ担当", "notice"),
    ("/hub", "情報提供ネットワークシステム運用", "ハブの運用者", "hub"),
    ("/jpki/operator", "公的個人認証運用", "JPKIの運用者", "jpki"),
    ("/portal/login", "マイナポータル", "住民（マイナンバーカードとPIN）", ""),
]


def _demo(request: Request) -> dict[str, Any] | None:
    path = get_runtime(request).settings.data_dir / START_FILE
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _current_codes(request: Request, accounts: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """The demo accounts' current TOTP codes (demo accounts only; a real account never has one shown)."""
    runtime = get_runtime(request)
    key = staff_service.totp_key(runtime.settings)
    codes: dict[tuple[str, str], str] = {}
    for account in accounts:
        try:
            with runtime.municipal_session(account["lg_code"]) as session:
                codes[(account["lg_code"], account["login"])] = staff_service.demo_totp_code(
                    session, login=account["login"], totp_key=key
                )
        except RenkeiError:
            continue
    return codes


@router.get("/start", response_class=HTMLResponse)
def start(request: Request) -> HTMLResponse:
    demo = _demo(request)
    accounts = demo["accounts"] if demo else []
    context = {
        "demo": demo,
        "consoles": CONSOLES,
        "accounts": accounts,
        "codes": _current_codes(request, accounts),
        "role_names": staff_service.ROLES,
    }
    return templates.TemplateResponse(request, "start.html", context)
