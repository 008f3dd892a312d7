"""A CLI that answers at once: `renkei --help` and `renkei mynumber check` import nothing heavy (checked with
`python -X importtime`) and use under 0.3 s of CPU; the import of a command's module happens only when it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from benchmarks.bench_cli import cpu_of

HEAVY = (
    "sqlalchemy",
    "pydantic",
    "fastapi",
    "httpx",
    "cryptography",
    "rich",
    "openpyxl",
    "pyhanko",
    "renkei.runtime",
)


def _imported(*args: str) -> set[str]:
    """Modules a `renkei ARGS` process imported, from `python -X importtime` (written to stderr)."""
    code = f"import sys; sys.argv = ['renkei', *{list(args)!r}]; from renkei.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=False
    )
    assert "import time:" in done.stderr
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("args", [("--help",), ("mynumber", "check", "123456789018")])
def test_help_and_the_number_check_import_nothing_heavy(args: tuple[str, ...]) -> None:
    modules = _imported(*args)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)
    assert heavy == [], heavy
    assert not any(
        m.startswith("renkei.cli.")
        and m not in ("renkei.cli.lazy", "renkei.cli.common", "renkei.cli.failures", "renkei.cli.mynumber")
        for m in modules
    )


@pytest.mark.parametrize("args", [("--help",), ("mynumber", "check", "123456789018")])
def test_help_and_the_number_check_use_under_0_3_s_of_cpu(args: tuple[str, ...]) -> None:
    assert cpu_of(*args) < 0.3


def test_the_help_lists_every_command_with_its_summary_without_importing_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv=['renkei','--help']; from renkei.cli import main; main()"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    for name, words in (("residents", "住民記録"), ("jpki", "公的個人認証"), ("mynumber", "個人番号")):
        line = next(line for line in done.stdout.splitlines() if line.strip().startswith(name + " "))
        assert words in line, line


def test_a_database_command_does_not_import_the_web_stack_before_it_runs() -> None:
    assert "fastapi" not in _imported("db", "--help")
    assert "sqlalchemy" not in _imported("db", "--help")


def test_the_jpki_command_offers_the_same_revocation_reasons_as_the_window_page() -> None:
    from renkei.cli.jpki import REVOCABLE as CLI_REASONS
    from renkei.web.jpki import REVOCABLE as PAGE_REASONS

    assert sorted(CLI_REASONS) == sorted(PAGE_REASONS)
    assert "fastapi" not in _imported("jpki", "--help")
