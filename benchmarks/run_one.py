"""`python -m benchmarks.run_one NAME [--smoke] [--postgres URL]`: one module's `run()` (the runner's child)."""

from __future__ import annotations

import argparse
import importlib
import inspect
import os

from benchmarks.common import MODULE_ENV


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_one")
    parser.add_argument("name")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    os.environ.setdefault(MODULE_ENV, args.name)
    module = importlib.import_module(f"benchmarks.{args.name}")
    run = module.run
    if "postgres_url" not in inspect.signature(run).parameters:
        raise SystemExit(f"benchmarks.{args.name}.run(*, smoke, postgres_url) is the interface")
    run(smoke=args.smoke, postgres_url=args.postgres or None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
