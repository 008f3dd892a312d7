"""The staff roles and their Japanese names (decision 0023); no imports, so the CLI can offer them at once."""

ROLES: dict[str, str] = {
    "juki": "住基担当",
    "tax": "税務担当",
    "welfare": "福祉担当",
    "admin": "情報政策課（管理者）",
    "auditor": "監査",
    "notice": "お知らせ担当",  # sends マイナポータル お知らせ to residents (decision 0093)
    # National operators' consoles (decision 0092): the same login, TOTP and role checks as municipal staff.
    "hub_operator": "情報提供ネットワークシステム運用者",
    "jpki_operator": "公的個人認証運用者",
}
