"""kill -9 at random points of an import and of a 副本 registration, then run again: counts exact, nothing doubled.

Each trial starts the real command as its own process, kills it with SIGKILL after a random delay, and the next
trial (or the final run) repeats the same command on the same data. Bounded: three trials each, a few seconds apart.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from renkei.addressee import service as addressee
from renkei.connectors.copies_csv import write_copies_csv
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateCopy
from renkei.jukinet.models import JukinetPerson
from renkei.residents.models import ResidentsResident
from renkei.residents.population import write_csv
from renkei.runtime import Runtime
from tests.linkage.builders import TAX_ITEMS, tax_copy
from tests.residents.builders import CHIYODA

TRIALS = 3
PEOPLE = 1200


def renkei() -> str:
    found = shutil.which("renkei", path=str(Path(sys.executable).parent))
    assert found is not None
    return found


def killed_at_random(args: list[str], env: dict[str, str], rng: random.Random, *, within: float) -> str:
    """Run `renkei args`, SIGKILL it after a random delay (unless it ends first); returns what happened."""
    process = subprocess.Popen(
        [renkei(), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    delay = rng.uniform(0.3, within)
    try:
        process.wait(timeout=delay)
        return f"finished before {delay:.1f}s"
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return f"killed at {delay:.1f}s"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [renkei(), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_kill_9_during_import_and_copy_registration_loses_and_doubles_nothing(
    cli_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(int(os.environ.get("RENKEI_FAULT_SEED", "9")))
    env = cli_env | {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    people = tmp_path / "people.csv"
    write_csv(people, lg_code=CHIYODA, count=PEOPLE, seed=31)
    importing = ["residents", "import", str(people), "--municipality", CHIYODA]
    assert run(["residents", "list", "--municipality", CHIYODA], env).returncode in (0, 1)  # databases exist
    started = time.monotonic()
    events = [killed_at_random(importing, env, rng, within=8.0) for _ in range(TRIALS)]
    final = run(importing, env)
    assert final.returncode == 0, (events, final.stdout, final.stderr)
    with Runtime(settings) as runtime:
        with runtime.municipal_session(CHIYODA) as session:
            residents = session.scalar(sa.select(sa.func.count()).select_from(ResidentsResident))
            numbers = [
                addressee.integrated_number_of_resident(session, resident_id=r)
                for r in session.scalars(sa.select(ResidentsResident.id).order_by(ResidentsResident.id))
            ]
        with runtime.session("jukinet") as session:
            at_jukinet = session.scalar(
                sa.select(sa.func.count()).select_from(JukinetPerson).where(JukinetPerson.lg_code == CHIYODA)
            )
    assert residents == PEOPLE and at_jukinet == PEOPLE and len(set(numbers)) == PEOPLE, events

    copies = tmp_path / "copies.csv"
    write_copies_csv(
        copies,
        [tax_copy(n, f"K{i:05d}") for i, n in enumerate(numbers)],
        item_codes=list(TAX_ITEMS),
        encoding="cp932",
    )
    registering = ["copies", "register", str(copies), "--municipality", CHIYODA]
    events += [killed_at_random(registering, env, rng, within=6.0) for _ in range(TRIALS)]
    final = run(registering, env)
    assert final.returncode == 0, (events, final.stdout, final.stderr)
    with Runtime(settings) as runtime, runtime.municipal_session(CHIYODA) as session:
        current = session.scalar(
            sa.select(sa.func.count())
            .select_from(IntermediateCopy)
            .where(IntermediateCopy.superseded_at.is_(None))
        )
        record_ids = session.scalar(sa.select(sa.func.count(sa.distinct(IntermediateCopy.record_id))))
    assert current == PEOPLE and record_ids == PEOPLE, events
    verified = run(["records", "verify"], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert time.monotonic() - started < 600
    print("fault trials:", events)
