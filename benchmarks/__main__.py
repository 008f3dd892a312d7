"""`python -m benchmarks [--smoke] [--only NAME]`: run every benchmark module's `run(ctx)`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

MODULES = (
    "bench_residents",
    "bench_copies",
    "bench_signs",
    "bench_queries",
    "bench_records",
    "bench_jpki",
    "bench_portal",
)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="small sizes, as CI runs them")
    parser.add_argument("--only", action="append", default=[], help="run only these modules")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RENKEI_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/renkei_bench"
        ),
    )
    args = parser.parse_args()
    failures = 0
    for name in MODULES:
        if args.only and name not in args.only:
            continue
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"benchmarks.{name}":
                continue
            raise
        print(f"== {name}", flush=True)
        try:
            module.run(smoke=args.smoke, postgres_url=args.postgres)
        except Exception as exc:
            failures += 1
            print(f"!! {name} failed: {exc!r}", file=sys.stderr, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
