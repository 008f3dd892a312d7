"""Database, disk and lock failures of a command as one line: what failed, which file, what to do.

SQLAlchemy's own message carries the SQL statement and, unless hidden, its parameters — residents' names,
birth dates, addresses, sealed numbers. This module never prints it: it reads the driver's error code and short
message (sqlite3's text, psycopg's SQLSTATE and primary message, the OS errno), and the database the engine
was connected to (noted on the exception by `renkei.core.db`). The traceback is printed only under --debug
(docs/decisions/0104-failures-that-speak-well.md).
"""

from __future__ import annotations

import errno
import sqlite3
import sys
from dataclasses import dataclass

ADVICE_RETRY = "原因を取り除いてから同じコマンドをもう一度実行してください（処理済みの分は重複しません）"


@dataclass(frozen=True)
class Failure:
    what: str
    where: str
    todo: str

    def line(self) -> str:
        where = f"（{self.where}）" if self.where else ""
        return f"エラー: {self.what}{where}。{self.todo}"


def _database(exc: BaseException) -> str:
    found = getattr(exc, "renkei_database", None)
    return str(found) if found else ""


def _sqlite(message: str, where: str) -> Failure:
    text = message.lower()
    if "disk is full" in text or ("disk i/o" in text and "full" in text):
        return Failure(
            "ディスクの空きがないため書き込めませんでした", where, "空きを作ってから" + ADVICE_RETRY
        )
    if "readonly" in text or "read-only" in text:
        return Failure(
            "データベースが読み取り専用のため書き込めませんでした",
            where,
            "書き込める場所で実行してください（list・verify・audit などの読み取りは読み取り専用の写しでも動きます）",
        )
    if "locked" in text or "busy" in text:
        return Failure(
            "データベースが他の処理に使われていて待ちきれませんでした",
            where,
            "他の取込などが終わるのを待って、もう一度実行してください",
        )
    if "unable to open" in text:
        return Failure(
            "データベースのファイルを開けませんでした",
            where,
            "フォルダがあり、読み書きできることを確かめてください",
        )
    if "malformed" in text or "not a database" in text:
        return Failure("データベースのファイルが壊れています", where, "バックアップから戻してください")
    return Failure(
        f"データベースの処理に失敗しました（SQLite: {message.split(':', maxsplit=1)[0][:80]}）",
        where,
        ADVICE_RETRY,
    )


def _postgres(orig: BaseException, where: str) -> Failure:
    state = str(getattr(orig, "sqlstate", "") or "")
    diag = getattr(orig, "diag", None)
    primary = str(getattr(diag, "message_primary", "") or "")[:120]
    if state == "53100":
        return Failure(
            "データベースサーバーのディスクの空きがありません", where, "空きを作ってから" + ADVICE_RETRY
        )
    if state == "25006":
        return Failure("データベースが読み取り専用です", where, "書き込める接続先で実行してください")
    if state in ("55P03", "40P01", "40001"):
        return Failure("他の処理と競合しました（ロック）", where, "しばらく待って" + ADVICE_RETRY)
    if state.startswith("08") or not state:
        return Failure(
            "データベースサーバーに接続できません",
            where,
            "サーバーが動いていて接続先URLが正しいか確かめてください",
        )
    if state == "23505":
        return Failure(
            "同じ内容が同時に登録されました（一意制約）",
            where,
            "同じ団体への取込などを同時に実行しないでください。" + ADVICE_RETRY,
        )
    return Failure(f"データベースの処理に失敗しました（SQLSTATE {state}: {primary}）", where, ADVICE_RETRY)


def describe(exc: BaseException) -> Failure | None:
    """The one-line description of a database, disk or lock failure (None for anything else)."""
    if "sqlalchemy" not in sys.modules:  # nothing of the database ran, so it cannot have failed there
        return _os_failure(exc)
    import sqlalchemy.exc as sa_exc  # imported only once a database was used (`--help` loads none of it)

    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        where = _database(exc)
        orig = exc.orig
        if isinstance(orig, sqlite3.Error):
            return _sqlite(str(orig.args[0]) if orig.args else "", where)
        return _postgres(orig, where)
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return Failure(
            f"データベースの処理に失敗しました（{type(exc).__name__}）", _database(exc), ADVICE_RETRY
        )
    return _os_failure(exc)


def _os_failure(exc: BaseException) -> Failure | None:
    if isinstance(exc, OSError) and exc.errno is not None:
        where = str(exc.filename) if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return Failure(
                "ディスクの空きがないため書き込めませんでした", where, "空きを作ってから" + ADVICE_RETRY
            )
        if exc.errno == errno.EROFS:
            return Failure(
                "読み取り専用のファイルシステムには書き込めません", where, "書き込める場所を指定してください"
            )
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Failure("ファイルへのアクセスが許可されていません", where, "権限を確かめてください")
        if exc.errno == errno.ENOENT:
            return Failure("ファイルまたはフォルダがありません", where, "パスを確かめてください")
        return Failure(
            f"ファイルの入出力に失敗しました（{errno.errorcode.get(exc.errno, exc.errno)}）",
            where,
            ADVICE_RETRY,
        )
    return None
