"""Every benchmark in sequence: ``python -m bench [--short] [--only NAME …]``.

Each benchmark runs as its own process (``python bench/NAME.py``) so one's imports,
broker and memory never colour the next, and prints its own table of warren against
the baseline measured in the same run. ``--short`` passes each its small sizes and one
round: a smoke run of a minute or two, not figures to publish. Benchmarks needing a
database (jobs, history, retention, export_memory) are skipped with the reason when neither
DATABASE_URL nor WARREN_TEST_DATABASE_URL is set; transform needs the ``bench`` extra
(pyvips). Exits 1 if any benchmark failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name → (needs a database, full arguments, short arguments)
BENCHMARKS: dict[str, tuple[bool, list[str], list[str]]] = {
    "ip_value": (False, [], []),
    "transform": (False, [], []),
    "pages": (False, [], ["--seconds", "2", "--rounds", "1", "--connections", "16"]),
    "signin_burst": (False, [], ["--seconds", "3", "--rounds", "1"]),
    "jobs": (True, [], ["--jobs", "60", "--submits", "40", "--rounds", "1"]),
    "history": (True, [], ["--big", "2000", "--rounds", "10"]),
    "retention": (True, [], ["--count", "20000", "--sample", "2000"]),
    "export_memory": (True, [], ["--sizes-mb", "10", "50"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="small sizes, one round")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="just these")
    args = parser.parse_args()
    has_database = bool(
        os.environ.get("DATABASE_URL") or os.environ.get("WARREN_TEST_DATABASE_URL")
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    }
    failed: list[str] = []
    for name, (needs_db, full, short) in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        command = [
            sys.executable,
            str(ROOT / "bench" / f"{name}.py"),
            *(short if args.short else full),
        ]
        print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
        if needs_db and not has_database:
            print("skipped: set DATABASE_URL to a PostgreSQL server it may create a database on")
            continue
        started = time.monotonic()
        # DATABASE_URL names a server: every benchmark given it creates a database of its
        # own there (bench/databases.py); pages and signin_burst fall back on the embedded
        # PostgreSQL without it.
        result = subprocess.run(command, cwd=ROOT, env=env, check=False)
        print(
            f"=== {name}: exit {result.returncode} in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
