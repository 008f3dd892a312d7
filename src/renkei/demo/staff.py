"""Demo staff: one account per role per municipality, with a published password and fixed TOTP secrets.

The accounts are marked demo (`is_demo`), which is what lets `renkei staff totp` print their current code;
the same command refuses every real account. Never run the demo setup against a live municipality.
"""

from __future__ import annotations

import base64
import hashlib

from renkei.runtime import Runtime
from renkei.staff import service as staff_service

DEMO_PASSWORD = "renkei-demo-2026"  # noqa: S105 - published on purpose: demo accounts only

# login → (name, roles)
DEMO_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "demo-juki": ("住基 太郎", ("juki",)),
    "demo-tax": ("税務 花子", ("tax",)),
    "demo-welfare": ("福祉 一郎", ("welfare",)),
    "demo-admin": ("情報 政策", ("admin",)),
    "demo-auditor": ("監査 恵子", ("auditor",)),
    "demo-notice": ("案内 春子", ("notice",)),  # マイナポータル お知らせ (decision 0093)
    # The national operators' consoles (decision 0092); their accounts sit with the municipal ones for now.
    "demo-hub": ("連携 運用", ("hub_operator",)),
    "demo-jpki": ("認証 運用", ("jpki_operator",)),
}


def demo_totp_secret(lg_code: str, login: str) -> str:
    """The fixed TOTP secret of a demo account (base32 of a hash of its name, so every demo run agrees)."""
    digest = hashlib.sha256(f"renkei-demo-totp:{lg_code}:{login}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def setup(runtime: Runtime, *, lg_codes: list[str]) -> list[str]:
    """Create the demo accounts (skipping those already there) and say how to log in with them."""
    key = staff_service.totp_key(runtime.settings)
    lines = ["職員アカウント（デモ用） / demo staff accounts:"]
    for lg_code in lg_codes:
        with runtime.municipal_session(lg_code) as session:
            present = {account.login for account in staff_service.list_accounts(session)}
            for login, (name, roles) in DEMO_ACCOUNTS.items():
                if login in present:
                    continue
                staff_service.create_account(
                    session,
                    login=login,
                    name=name,
                    roles=roles,
                    password=DEMO_PASSWORD,
                    totp_key=key,
                    lg_code=lg_code,
                    demo=True,
                    totp_secret=demo_totp_secret(lg_code, login),
                )
        logins = ", ".join(
            f"{login}（{staff_service.ROLES[roles[0]]}）" for login, (_, roles) in DEMO_ACCOUNTS.items()
        )
        lines.append(f"  {lg_code}: {logins}")
    first = lg_codes[0] if lg_codes else "131016"
    lines += [
        f"  パスワード / password: {DEMO_PASSWORD}",
        "  ワンタイムパスワード（30秒ごとに変わります） / current TOTP code:",
        f"    renkei staff totp --municipality {first} --login demo-juki",
        "  または認証アプリに秘密鍵を登録 / or add the secret to an authenticator app:",
        f"    {first} demo-juki: {demo_totp_secret(first, 'demo-juki')}",
        "  ログイン画面 / login page: /login",
    ]
    return lines
