"""`warren backup create` and `warren backup restore` as ops run them (real processes,
real pg_dump/pg_restore): a deployment with users, finished jobs and uploads on two brands
is backed up, restored into a new database and a new storage folder, and served again —
the same users sign in and download the same bytes. A damaged backup, and a target that
is not empty, are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
from moto.server import ThreadedMotoServer
from test_generation_http import order, signed_up, upload, uploaded_id

from warren.db.engine import libpq_url
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.storage.factory import open_object_store
from warren.storage.s3 import S3ObjectStore

from conftest import ROOT, TEST_SECRET, serving
from samples import photo
from webclient import BrandClient, new_address

BRANDS = ("vizardio", "songly")


def warren(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warren.cli", *args],
        env={
            **os.environ,
            "WARREN_SECRET": TEST_SECRET,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def table_count(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert row is not None
    return int(row[0])


def test_backup_restores_users_jobs_and_files_into_an_empty_deployment(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    drain: Callable[[], None],
    database_url: str,
    data_dir: Path,
    empty_database: str,
    tmp_path: Path,
) -> None:
    downloads: dict[str, tuple[str, bytes]] = {}
    for slug in BRANDS:
        client = signed_up(brand, runtime, slug, f"keeper{slug[:3]}", points=100)
        ref = uploaded_id(upload(client, photo(), next_page="/create/portrait"))
        ordered = order(client, "portrait", f"A lighthouse for {slug}", [ref])
        assert ordered.status_code == 303, ordered.text
        downloads[slug] = (ordered.headers["location"], b"")
    drain()
    for slug in BRANDS:
        client = brand(slug)
        assert (
            client.post_form(
                "/sign-in", {"login": f"keeper{slug[:3]}", "password": "correct horse battery"}
            ).status_code
            == 303
        )
        job = downloads[slug][0]
        state = client.get(job + "/status").json()
        assert state["status"] == "done"
        downloads[slug] = (job, client.get(state["item"]["download"]).content)

    source = {"DATABASE_URL": database_url, "WARREN_DATA_DIR": str(data_dir)}
    folder = tmp_path / "backup"
    made = warren(source, "backup", "create", "--to", str(folder))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["migration_head"]
    assert "database.dump" in manifest["files"]
    assert any(name.startswith("objects/") for name in manifest["files"])
    assert "config/tenants.toml" in manifest["files"]

    # The source is not empty: restoring over it is refused and changes nothing.
    refused = warren(source, "backup", "restore", str(folder))
    assert refused.returncode == 1
    assert "the target database is not empty" in refused.stderr

    target_dir = tmp_path / "restored"
    target = {"DATABASE_URL": empty_database, "WARREN_DATA_DIR": str(target_dir)}
    restored = warren(target, "backup", "restore", str(folder))
    assert restored.returncode == 0, restored.stderr

    settings = Settings(data_dir=target_dir, database_url=empty_database, secret=TEST_SECRET)
    again = build_runtime(settings, empty_database, broker=runtime.broker)
    try:
        with serving(again) as url:
            for slug in BRANDS:
                job, content = downloads[slug]
                with BrandClient(url, f"{slug}.localhost", new_address()) as client:
                    signed_in = client.post_form(
                        "/sign-in",
                        {"login": f"keeper{slug[:3]}", "password": "correct horse battery"},
                    )
                    assert signed_in.status_code == 303
                    state = client.get(job + "/status").json()
                    assert state["status"] == "done"
                    assert client.get(state["item"]["download"]).content == content
                    assert content
                    # One brand's job is not found from the other's host.
                    other = next(s for s in BRANDS if s != slug)
                    assert downloads[other][0] != job
                    assert client.get(downloads[other][0] + "/status").status_code == 404
    finally:
        again.engine.dispose()


def test_a_damaged_backup_is_refused_naming_the_file(
    database_url: str, data_dir: Path, empty_database: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    made = warren(
        {"DATABASE_URL": database_url, "WARREN_DATA_DIR": str(data_dir)},
        "backup",
        "create",
        "--to",
        str(folder),
    )
    assert made.returncode == 0, made.stderr
    # Storage that already holds objects is refused, even with an empty database.
    crowded = {"DATABASE_URL": empty_database, "WARREN_DATA_DIR": str(data_dir)}
    refused = warren(crowded, "backup", "restore", str(folder))
    assert refused.returncode == 1
    assert "the target object storage is not empty" in refused.stderr
    assert table_count(empty_database) == 0

    damaged = folder / "config" / "tenants.toml"
    damaged.write_text(damaged.read_text() + "\n# altered\n")
    target = {"DATABASE_URL": empty_database, "WARREN_DATA_DIR": str(tmp_path / "restored")}
    refused = warren(target, "backup", "restore", str(folder))
    assert refused.returncode == 1
    assert "config/tenants.toml: checksum mismatch" in refused.stderr
    assert table_count(empty_database) == 0
    assert not list((tmp_path / "restored").glob("objects/**/*.*"))


def test_a_backup_of_s3_storage_restores_into_an_empty_bucket(
    database_url: str, data_dir: Path, empty_database: str, tmp_path: Path
) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()

        def bucket(name: str) -> str:
            return f"s3://key:secret@{host}:{port}/{name}?secure=false"

        source_store = open_object_store(bucket("warren-live"), data_dir)
        assert isinstance(source_store, S3ObjectStore)
        source_store.ensure_bucket()
        large = os.urandom(3 * 1024 * 1024 + 17)
        objects = {
            "vizardio/results/u1/a.jpg": photo(),
            "songly/uploads/u2/b.mp3": large,
            "songly/results/u2/empty.txt": b"",
        }
        for key, data in objects.items():
            source_store.put(key, data, "application/octet-stream")

        source = {
            "DATABASE_URL": database_url,
            "WARREN_DATA_DIR": str(data_dir),
            "WARREN_STORAGE_URL": bucket("warren-live"),
        }
        folder = tmp_path / "backup"
        made = warren(source, "backup", "create", "--to", str(folder))
        assert made.returncode == 0, made.stderr
        for key, data in objects.items():
            assert (folder / "objects" / key).read_bytes() == data

        # A bucket that already holds objects is not a place to restore into.
        occupied = {**source, "DATABASE_URL": empty_database}
        refused = warren(occupied, "backup", "restore", str(folder))
        assert refused.returncode == 1
        assert "the target object storage is not empty" in refused.stderr
        assert table_count(empty_database) == 0

        target = {
            "DATABASE_URL": empty_database,
            "WARREN_DATA_DIR": str(tmp_path / "restored"),
            "WARREN_STORAGE_URL": bucket("warren-restored"),
        }
        restored = warren(target, "backup", "restore", str(folder))
        assert restored.returncode == 0, restored.stderr
        target_store = open_object_store(bucket("warren-restored"), data_dir)
        assert sorted(target_store.list("")) == sorted(objects)
        for key, data in objects.items():
            assert target_store.get(key) == data
        assert table_count(empty_database) > 0
    finally:
        server.stop()
