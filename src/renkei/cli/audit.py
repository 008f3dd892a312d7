"""`renkei audit invariants`: search every database and log for what ARCHITECTURE §2 forbids there.

The auditor runs with the deployment's keys, learns the secrets from where they may live — each resident's My
Number (unsealed from the resident register), every 住民票コード (住基ネット), residents' names, the 副本 held by
each intermediate server — and then reads every row of every table of every node database (the data directory's
SQLite files or every node database on the PostgreSQL server) and every log file, reporting where one appears
where it must not: a My Number anywhere in plaintext; a 住民票コード outside 住基ネット; a resident's name or a
plaintext 副本 at the hub; any of them in a log. Findings name the place and the kind, never the value.
Exit 1 on a finding. docs/decisions/0103-audit-invariants.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from renkei.cli.common import runtime_options

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

_DIGITS = re.compile(r"[0-9]{11,}")
_SPACES = re.compile(r"[\s\u3000]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ヶ]{2,}")
LOG_SUFFIXES = (".log", ".jsonl", ".txt", ".out", ".err")


@dataclass
class Secrets:
    mynumbers: set[str] = field(default_factory=set)
    juminhyo_codes: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    copies: set[str] = field(default_factory=set)

    @property
    def name_lengths(self) -> range:
        lengths = [len(n) for n in self.names] or [0]
        return range(min(lengths), max(lengths) + 1)


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}"


def _municipal_nodes(runtime: Runtime) -> list[str]:
    return [n for n in runtime.databases.existing_nodes() if re.fullmatch(r"lg[0-9]{6}", n)]


def collect(runtime: Runtime) -> Secrets:
    """The secrets, learnt from where they may live (the keys of this deployment unseal the My Numbers)."""
    import sqlalchemy as sa

    from renkei.intermediate.models import IntermediateCopy
    from renkei.jukinet.models import JukinetPerson
    from renkei.residents import service as residents
    from renkei.residents.models import ResidentsResident

    found = Secrets()
    for node in _municipal_nodes(runtime):
        with runtime.session(node) as session:
            tables = set(sa.inspect(session.get_bind()).get_table_names())
            if "residents_resident" in tables:
                for resident in session.scalars(sa.select(ResidentsResident)):
                    found.mynumbers.add(
                        residents.mynumber_of(session, resident_id=resident.id, settings=runtime.settings)
                    )
                    for raw in (
                        resident.surname + resident.given_name,
                        resident.surname_kana + resident.given_name_kana,
                    ):
                        name = _SPACES.sub("", raw)
                        if len(name) >= 3:
                            found.names.add(name)
            if "intermediate_copy" in tables:
                for data in session.scalars(sa.select(IntermediateCopy.data)):
                    if not data:
                        continue
                    found.copies.add(json.dumps(data, ensure_ascii=False))
                    found.copies.add(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
                    found.copies.add(json.dumps(data, ensure_ascii=False, sort_keys=True))
    if "jukinet" in runtime.databases.existing_nodes():
        with runtime.session("jukinet") as session:
            if "jukinet_person" in sa.inspect(session.get_bind()).get_table_names():
                found.juminhyo_codes.update(session.scalars(sa.select(JukinetPerson.juminhyo_code)))
    return found


def _texts(value: Any) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, bytes | bytearray | memoryview):
        yield bytes(value).decode("latin-1")
    elif isinstance(value, dict | list):
        yield json.dumps(value, ensure_ascii=False)
    else:
        yield str(value)


def _kinds(text: str, secrets: Secrets, *, node: str) -> set[str]:
    """What forbidden kinds of secret `text` holds, for a place in `node` ("log" for log files)."""
    kinds: set[str] = set()
    for run in _DIGITS.finditer(text):
        digits = run.group(0)
        for width, pool, kind in (
            (12, secrets.mynumbers, "個人番号（平文）"),
            (11, secrets.juminhyo_codes, "住民票コード"),
        ):
            if kind == "住民票コード" and node == "jukinet":
                continue
            if any(digits[i : i + width] in pool for i in range(len(digits) - width + 1)):
                kinds.add(kind)
    if node in ("hub", "log") and secrets.names:
        lengths = secrets.name_lengths
        for run in _CJK.finditer(_SPACES.sub("", text)):
            chars = run.group(0)
            if any(chars[i : i + n] in secrets.names for n in lengths for i in range(len(chars) - n + 1)):
                kinds.add("住民の氏名")
                break
    if node in ("hub", "log") and any(copy in text for copy in secrets.copies):
        kinds.add("副本の平文")
    return kinds


def scan_node(runtime: Runtime, node: str, secrets: Secrets) -> list[Finding]:
    import sqlalchemy as sa

    engine = runtime.databases.engine(node)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    findings: set[Finding] = set()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(sa.select(table).execution_options(yield_per=2000))
            for row in rows:
                for column, value in zip(table.columns, row, strict=True):
                    for text in _texts(value):
                        for kind in _kinds(text, secrets, node=node):
                            findings.add(Finding(f"{node}.{table.name}.{column.name}", kind))
    return sorted(findings, key=str)


def log_files(folder: Path) -> Iterable[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in LOG_SUFFIXES)


def scan_log(path: Path, secrets: Secrets) -> list[Finding]:
    findings: set[Finding] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            for kind in _kinds(line, secrets, node="log"):
                findings.add(Finding(f"{path}:{number}", kind))
    return sorted(findings, key=str)


@click.group(name="audit")
def group() -> None:
    """監査 / audits across every node."""


@group.command("invariants")
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="追加で調べるログファイルまたはフォルダ（データディレクトリ配下の *.log などは常に調べます）",
)
@runtime_options
def invariants(logs: tuple[Path, ...], runtime: Runtime) -> None:
    """ARCHITECTURE §2 の不変条件を全データベースとログで検査し、違反があれば終了コード1."""
    secrets = collect(runtime)
    nodes = runtime.databases.existing_nodes()
    findings: list[Finding] = []
    for node in sorted(nodes):
        findings += scan_node(runtime, node, secrets)
    files: list[Path] = list(log_files(runtime.settings.data_dir))
    for extra in logs:
        files += list(log_files(extra)) if extra.is_dir() else [extra]
    for path in files:
        findings += scan_log(path, secrets)
    click.echo(
        f"検査: データベース {len(nodes)} 件、ログ {len(files)} 件 / 個人番号 {len(secrets.mynumbers)} 件、"
        f"住民票コード {len(secrets.juminhyo_codes)} 件、氏名 {len(secrets.names)} 件、副本 {len(secrets.copies) // 3} 件"
    )
    if not findings:
        click.echo("OK: 禁止された場所に個人番号・住民票コード・氏名・副本の平文はありません")
        return
    click.echo(f"NG: {len(findings)} 件の違反があります")
    for finding in findings:
        click.echo(f"  {finding}")
    raise SystemExit(1)
