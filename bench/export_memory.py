"""Peak memory of building an account export, for a small and a large library.

Run: DATABASE_URL=postgresql://… .venv/bin/python bench/export_memory.py [--sizes-mb 100 1000]

In a database of its own (created, migrated, dropped afterwards) it gives one songly
account a library of ``size`` MB (content items of 10 MB of random bytes each, in a local
object store) and builds its export with ``warren.rights.export.build_export`` in a fresh
process per size, which prints its peak resident memory (ru_maxrss). A baseline process
that imports and connects but builds nothing is measured the same way. Bounded memory
means the build's peak stays near the baseline whatever the library's size.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from warren.db.engine import make_engine, make_sessionmaker
from warren.db.migrate import upgrade
from warren.paths import PROJECT_ROOT
from warren.storage.local import LocalObjectStore
from warren.tenancy.registry import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import own_database, server_url

TENANT = "songly"
ITEM_MB = 10


def seed(url: str, root: Path, size_mb: int) -> uuid.UUID:
    """A user with ``size_mb`` MB of content and a requested export; returns its id."""
    from warren.accounts.models import User
    from warren.db.base import utcnow
    from warren.library.models import ContentItem
    from warren.rights.models import AccountExport

    block = os.urandom(2**20)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as db:
        user = User(
            tenant_id=TENANT, email=f"{uuid.uuid4().hex}@example.com",
            username=uuid.uuid4().hex[:20], password_hash="-", adult_confirmed_at=utcnow(),  # noqa: S106
            accepted_policy_version="bench",
        )  # fmt: skip
        db.add(user)
        db.flush()
        for _ in range(size_mb // ITEM_MB):
            item_id = uuid.uuid4()
            key = f"results/{user.id}/{item_id}.bin"
            path = root / TENANT / key
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                for _ in range(ITEM_MB):
                    out.write(block)
            db.add(
                ContentItem(
                    id=item_id,
                    tenant_id=TENANT,
                    user_id=user.id,
                    category="image",
                    product_key="bench",
                    title="bench",
                    content_type="application/octet-stream",
                    extension="bin",
                    size_bytes=ITEM_MB * 2**20,
                    storage_key=key,
                    is_demo=True,
                    created_with_prime=False,
                )
            )
        export = AccountExport(tenant_id=TENANT, user_id=user.id)
        db.add(export)
        db.commit()
        export_id = export.id
    engine.dispose()
    return export_id


def child(url: str, root: str, export_id: str) -> None:
    """Build one export (or, with export id "-", only connect) and print peak RSS in KiB."""
    from dramatiq.brokers.stub import StubBroker

    from warren.queue.port import attach_broker
    from warren.rights.export import build_export

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    # The export's email is queued after its commit; a stand-in broker takes it here.
    attach_broker(sessions, StubBroker())
    registry = load_registry(PROJECT_ROOT / "tenants.toml")
    with sessions() as db:
        db.connection()
    if export_id != "-":
        build_export(
            sessions, LocalObjectStore(Path(root)), registry.get(TENANT), uuid.UUID(export_id),
            Path(root).parent / "exports",
        )  # fmt: skip
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def measure(url: str, root: Path, export_id: str) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(root), export_id],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return int(done.stdout.split()[-1]), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    admin = server_url()
    if admin is None:
        return 2
    with own_database(admin) as url:
        return _measure(args, url)


def _measure(args: argparse.Namespace, url: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="warren-bench-"))
    try:
        upgrade(url)
        root = work / "objects"
        baseline, _ = measure(url, root, "-")
        print(f"baseline (imports, connection): peak RSS {baseline / 1024:.0f} MiB")
        for size in args.sizes_mb:
            export_id = seed(url, root, size)
            peak, seconds = measure(url, root, str(export_id))
            stored = sum(p.stat().st_size for p in (root / TENANT / "exports").rglob("*.zip"))
            print(
                f"library {size:>5} MB: export built in {seconds:.1f} s, "
                f"peak RSS {peak / 1024:.0f} MiB, ZIPs stored {stored / 2**20:.0f} MiB"
            )
            shutil.rmtree(root / TENANT, ignore_errors=True)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
