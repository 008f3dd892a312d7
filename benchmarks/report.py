"""The benchmark report: bench/report.md and bench/report.json, with plots (matplotlib) of the bulk paths.

Every figure stands beside its same-run baseline, the ratio, the aim and whether it was met; figures that
failed are listed as failed (never silently missing). The machine is described (cores, memory, load, Python,
SQLite and PostgreSQL versions) because figures from a shared 2-core machine mean little without it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import Aim

# Aims of figures recorded through the compatibility path (they carry none themselves): (module, name prefix).
COMPAT_AIMS: dict[tuple[str, str], Aim] = {}


def _memory_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _postgres_version(url: str | None) -> str | None:
    if not url:
        return None
    try:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        from renkei.core.db import create_engine

        engine = create_engine(make_url(url).set(database="postgres"))
        with engine.connect() as conn:
            version = str(conn.scalar(sa.text("SHOW server_version")))
        engine.dispose()
    except Exception:
        return None
    return version


def machine(postgres_url: str | None) -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "memory_mb": _memory_mb(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(postgres_url),
        "load_start": [round(x, 2) for x in load],
    }


def _apply_compat_aims(record: dict[str, Any]) -> dict[str, Any]:
    if record.get("aim") or record.get("error"):
        return record
    for (module, prefix), aim in COMPAT_AIMS.items():
        if record.get("benchmark") == module and str(record.get("name", "")).startswith(prefix):
            return {**record, "aim": aim.describe(), "met": aim.met(record["value"], record.get("ratio"))}
    return record


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}"


def _met(record: dict[str, Any]) -> str:
    if not record.get("aim"):
        return ""
    return {True: "met", False: "**not met**", None: "?"}[record.get("met")]


def _plots(out: Path, records: list[dict[str, Any]]) -> list[str]:
    """Throughput and peak RSS against size, one line per series; returns the image file names written."""
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if record.get("series") and record.get("size") and record.get("value") is not None:
            series[record["series"]].append(record)
    if not series:
        return []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the dev extra brings it; without it the report is still written, without images
        return []
    written: list[str] = []
    by_unit: dict[str, list[str]] = defaultdict(list)
    for name, points in series.items():
        by_unit[points[0]["unit"]].append(name)
    for unit, names in sorted(by_unit.items()):
        fig, ax = plt.subplots(figsize=(7, 4))
        for name in sorted(names):
            points = sorted(series[name], key=lambda r: r["size"])
            sizes = [p["size"] for p in points]
            line = ax.plot(sizes, [p["value"] for p in points], marker="o", label=name)[0]
            baselines = [p.get("baseline") for p in points]
            if all(b is not None for b in baselines):
                ax.plot(
                    sizes,
                    baselines,
                    marker="x",
                    linestyle="--",
                    color=line.get_color(),
                    alpha=0.6,
                    label=f"{name} — baseline",
                )
        ax.set_xscale("log")
        ax.set_xlabel("size (rows)")
        ax.set_ylabel(unit)
        ax.set_title(f"Throughput against size ({unit})")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        stem = "throughput-" + "".join(c if c.isalnum() else "_" for c in unit)
        for suffix in ("png", "svg"):
            fig.savefig(out / f"{stem}.{suffix}")
        plt.close(fig)
        written.append(f"{stem}.png")
    memory = {n: [p for p in pts if p.get("peak_rss_mb")] for n, pts in series.items()}
    memory = {n: pts for n, pts in memory.items() if pts}
    if memory:
        fig, ax = plt.subplots(figsize=(7, 4))
        for name, unsorted in sorted(memory.items()):
            points = sorted(unsorted, key=lambda r: r["size"])
            ax.plot([p["size"] for p in points], [p["peak_rss_mb"] for p in points], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("size (rows)")
        ax.set_ylabel("peak RSS (MB), fresh process per size")
        ax.set_title("Peak memory against size (flat is the aim)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        for suffix in ("png", "svg"):
            fig.savefig(out / f"memory.{suffix}")
        plt.close(fig)
        written.append("memory.png")
    return written


def write_report(
    out: Path,
    records: list[dict[str, Any]],
    *,
    failures: dict[str, str],
    machine: dict[str, Any],
    smoke: bool,
    started: float,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    records = [_apply_compat_aims(r) for r in records]
    finished = dt.datetime.now(dt.UTC)
    summary = {
        "generated_at": finished.isoformat(),
        "duration_s": round(finished.timestamp() - started, 1),
        "smoke": smoke,
        "machine": machine,
        "module_failures": failures,
        "figures": records,
    }
    (out / "report.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    images = _plots(out, records)

    lines = [
        f"# renkei benchmark report{' (smoke sizes)' if smoke else ''}",
        "",
        f"Generated {finished:%Y-%m-%d %H:%M} UTC by `make {'bench-smoke' if smoke else 'bench'}` "
        f"in {summary['duration_s']:,.0f} s. Modules run: "
        f"{', '.join(sorted({str(r.get('benchmark')) for r in records} | set(failures))) or 'none'}.",
        "",
        "## Machine",
        "",
        f"- cores: {machine.get('cores')}, memory: {_num(machine.get('memory_mb'), 0)} MB",
        f"- load average (1, 5, 15 min) at start {machine.get('load_start')}, at end {machine.get('load_after')}"
        " — above the core count the machine was shared and wall-clock figures are pessimistic;"
        " CPU time per operation is the stable figure",
        f"- {machine.get('platform')}, {machine.get('processor')}",
        f"- Python {machine.get('python')}, SQLite {machine.get('sqlite')}, "
        f"PostgreSQL {machine.get('postgresql') or 'not reachable'}",
        "",
    ]
    met = [r for r in records if r.get("aim")]
    lines += [
        "## Aims",
        "",
        f"{sum(1 for r in met if r.get('met'))} of {len(met)} figures with an aim met; "
        f"{sum(1 for r in records if r.get('error'))} figures failed; "
        f"{len(failures)} modules failed.",
        "",
    ]
    if failures:
        lines += ["### Modules that failed", ""]
        lines += [f"- `{name}`: {error}" for name, error in failures.items()]
        lines.append("")
    by_module: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_module[record.get("benchmark") or "?"].append(record)
    for module, rows in by_module.items():
        lines += [
            f"## {module}",
            "",
            "| figure | value | baseline (same run) | ratio | aim | | CPU µs/op | wall µs/op | peak RSS MB |",
            "|---|---:|---|---:|---|---|---:|---:|---:|",
        ]
        notes = []
        for r in rows:
            if r.get("error"):
                lines.append(
                    f"| {r['name']} | **failed** | {r['error'][:200].replace('|', '/')} | | | | | | |"
                )
                continue
            base = (
                f"{r['baseline_name']}: {_num(r['baseline'])} {r['unit']}" if r.get("baseline_name") else "—"
            )
            cpu = _num(r.get("cpu_us_per_op"))
            if r.get("baseline_cpu_us_per_op") is not None:
                cpu += f" (baseline {_num(r['baseline_cpu_us_per_op'])})"
            lines.append(
                f"| {r['name']} | {_num(r['value'])} {r['unit']} | {base} | {_num(r.get('ratio'), 2)} "
                f"| {r.get('aim') or ''} | {_met(r)} | {cpu} | {_num(r.get('wall_us_per_op'))} "
                f"| {_num(r.get('peak_rss_mb'), 0)} |"
            )
            if r.get("extra"):
                notes.append(f"- {r['name']}: {r['extra']}")
        lines.append("")
        if notes:
            lines += [*notes, ""]
    if images:
        lines += ["## Plots", ""]
        lines += [f"![{name}]({name})" for name in images]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
