"""The benchmark framework: figures with baseline, ratio and aim; servers that always stop; one report."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchmarks.common import Aim, Servers, figure, measuring, metered
from benchmarks.report import machine, write_report

from benchmarks import common


@pytest.fixture
def figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "figures.jsonl"
    monkeypatch.setenv(common.FIGURES_ENV, str(target))
    monkeypatch.setenv(common.MODULE_ENV, "bench_test")
    return target


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_figure_carries_its_ratio_aim_and_cpu_per_operation(figures: Path) -> None:
    figure(
        "copies",
        600.0,
        "rows/s",
        baseline_name="raw insert",
        baseline=1000.0,
        aim=Aim("ratio", ">=", 0.5),
        cpu_seconds=2.0,
        ops=1000,
    )
    figure("slow", 100.0, "rows/s", baseline_name="raw", baseline=1000.0, aim=Aim("ratio", ">=", 0.5))
    first, second = _records(figures)
    assert first["ratio"] == pytest.approx(0.6)
    assert first["met"] is True
    assert first["cpu_us_per_op"] == pytest.approx(2000.0)
    assert first["benchmark"] == "bench_test"
    assert second["met"] is False


def test_a_failing_figure_is_recorded_and_the_next_one_still_measured(figures: Path) -> None:
    with measuring("broken"):
        raise RuntimeError("jukinet did not start")
    with measuring("fine"):
        figure("fine", 1.0, "ops/s")
    broken, fine = _records(figures)
    assert broken["error"] == "RuntimeError: jukinet did not start"
    assert broken["value"] is None
    assert fine["value"] == 1.0


def test_cpu_time_counts_waited_children() -> None:
    with metered() as meter:
        subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    assert meter.cpu_others > 0
    assert meter.cpu >= meter.cpu_others


def test_a_server_that_never_becomes_healthy_is_stopped(tmp_path: Path) -> None:
    servers = Servers()
    with pytest.raises(RuntimeError, match="did not answer"), servers:
        servers.start(
            "sleeper",
            [sys.executable, "-c", "import time; time.sleep(60)"],
            health_url="http://127.0.0.1:9/healthz",
            deadline=1.0,
        )
    proc = next(iter(common._LIVE), None)
    assert proc is None
    assert not servers.procs


def test_a_server_that_exits_is_reported_with_its_output() -> None:
    with pytest.raises(RuntimeError, match=r"exited with 3.*boom"), Servers() as servers:
        servers.start(
            "dies",
            [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"],
            health_url="http://127.0.0.1:9/healthz",
        )


def test_the_report_lists_every_figure_with_its_aim_and_the_machine(figures: Path, tmp_path: Path) -> None:
    for size, value in ((100, 900.0), (1000, 950.0)):
        figure(
            f"reg {size}",
            value,
            "rows/s",
            baseline_name="plain",
            baseline=1000.0,
            aim=Aim("value", ">=", 920.0, "≥ 920/s"),
            size=size,
            series="registration (SQLite)",
            peak_rss_mb=120.0,
        )
    with measuring("ocsp"):
        raise OSError("refused")
    out = tmp_path / "out"
    write_report(
        out,
        [json.loads(x) for x in figures.read_text().splitlines()],
        failures={"bench_x": "exited with 1"},
        machine={**machine(None), "load_after": [0, 0, 0]},
        smoke=True,
        started=time.time(),
    )
    text = (out / "report.md").read_text()
    assert "| reg 100 | 900.0 rows/s | plain: 1,000.0 rows/s | 0.90 | ≥ 920/s | **not met** |" in text
    assert "| reg 1000 | 950.0 rows/s" in text and "| met |" in text
    assert "| ocsp | **failed** | OSError: refused" in text
    assert "`bench_x`: exited with 1" in text
    assert "cores:" in text and "SQLite" in text
    data = json.loads((out / "report.json").read_text())
    assert len(data["figures"]) == 3
    pytest.importorskip("matplotlib", reason="matplotlib (the dev extra) draws the plots")
    assert (out / "throughput-rows_s.png").stat().st_size > 0
    assert (out / "memory.svg").stat().st_size > 0
