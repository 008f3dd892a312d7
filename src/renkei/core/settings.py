"""Typed settings (pydantic-settings, prefix RENKEI_), built by the caller, never at import time."""

from __future__ import annotations

import contextlib
import os
import secrets as _secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from renkei.core.errors import Invalid


class Settings(BaseSettings):
    """Everything a renkei process is configured with.

    `database_url` unset means the embedded default: one SQLite file per node under `data_dir`.
    Set it to a PostgreSQL server URL (``postgresql+psycopg://postgres@127.0.0.1:5432/renkei``) and every node
    gets its own database on that server, named ``<database>_<node>`` (docs/decisions/0003-one-database-per-node.md).
    """

    model_config = SettingsConfigDict(env_prefix="RENKEI_", env_file=None, extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    # A migrated database to copy new node databases from (tests use it to skip running migrations per test).
    database_template: str | None = None
    sql_echo: bool = False
    # How long the hub's delivery worker holds a claimed query before another worker may take it again (it must
    # outlast any call to a provider; a hub that dies mid-delivery delivers its queries again after this).
    delivery_lease_seconds: float = Field(default=90.0, gt=0, le=3600)

    # Secrets: each may be given inline (RENKEI_<NAME>), as a mounted file (RENKEI_<NAME>_FILE) or, on the
    # embedded default, is created once under <data_dir>/keys/ with mode 0600.
    mynumber_key: SecretStr | None = None
    mynumber_key_file: Path | None = None
    blind_index_key: SecretStr | None = None
    blind_index_key_file: Path | None = None
    jukinet_key: SecretStr | None = None
    jukinet_key_file: Path | None = None
    hub_key: SecretStr | None = None
    hub_key_file: Path | None = None
    jpki_key: SecretStr | None = None
    jpki_key_file: Path | None = None
    session_secret: SecretStr | None = None
    session_secret_file: Path | None = None

    # Witnessed records (docs/decisions/0100): a node accepts a new records head only with this many witness
    # cosignatures; each municipal node is witnessed by the hub and by the peer nodes named here ("lg011002").
    witness_quorum: int = 1
    record_witness_peers: list[str] = []

    web_host: str = "127.0.0.1"
    web_port: int = 8000

    def secret(self, name: str) -> bytes:
        """A 32-byte key by name (mynumber_key, blind_index_key, jukinet_key, hub_key, jpki_key, session_secret)."""
        inline: SecretStr | None = getattr(self, name, None)
        if inline is not None:
            return _decode_key(inline.get_secret_value(), name)
        path: Path | None = getattr(self, f"{name}_file", None)
        if path is None:
            path = self.data_dir / "keys" / f"{name}.key"
            if not path.exists():
                # Written whole to a private temporary file, then linked into place: two processes starting on
                # a fresh data directory agree on one key and neither reads a half-written file.
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_name(f".{path.name}.{os.getpid()}.{_secrets.token_hex(4)}")
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    with os.fdopen(fd, "w") as handle:
                        handle.write(_secrets.token_hex(32) + "\n")
                        handle.flush()
                        os.fsync(handle.fileno())
                    with contextlib.suppress(FileExistsError):
                        os.link(temporary, path)
                finally:
                    temporary.unlink(missing_ok=True)
        try:
            return _decode_key(path.read_text().strip(), name)
        except FileNotFoundError as exc:
            raise Invalid(f"鍵ファイルがありません: {path}", field=name) from exc


def _decode_key(text: str, name: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise Invalid("鍵は64桁の16進数で指定してください", field=name) from exc
    if len(key) != 32:
        raise Invalid("鍵は32バイト（64桁の16進数）で指定してください", field=name)
    return key
