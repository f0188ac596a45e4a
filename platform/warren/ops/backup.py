"""Backups of a whole deployment: the database (``pg_dump`` custom format), every object
in storage and the tenants config, with a manifest of sha256 checksums; and restoring one
into an empty deployment after every checksum has been verified.

A backup folder::

    manifest.json        format, created_at, migration_head, files {path: sha256}
    database.dump        pg_dump --format=custom
    objects/<key>        one file per stored object
    config/tenants.toml  the registry, and config/tenants/ the brands' folders

Secrets are not in a backup: they live in the environment (see docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from warren.db.engine import libpq_url
from warren.storage.base import ObjectStore, validate_key

MANIFEST = "manifest.json"
DATABASE_DUMP = "database.dump"
OBJECTS = "objects"
CONFIG = "config"
FORMAT = 1
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup could not be made or restored; the message says what and where."""


@dataclass(frozen=True)
class PostgresTools:
    pg_dump: Path
    pg_restore: Path


def server_major(database_url: str) -> int:
    with psycopg.connect(libpq_url(database_url)) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(row[0]) // 10000


def _tool_major(binary: Path) -> int:
    out = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[-1].split(".")[0].split("(")[0])


def _bundled_bin() -> Path | None:
    try:
        import pgserver
    except ImportError:
        return None
    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def find_tools(database_url: str) -> PostgresTools:
    """``pg_dump``/``pg_restore`` at least as new as the server: a dump by an older
    client is refused by the server's newer catalogue. The ones on PATH when new enough,
    else the ones the pgserver package ships."""
    needed = server_major(database_url)
    candidates: list[Path] = []
    on_path = shutil.which("pg_dump")
    if on_path:
        candidates.append(Path(on_path).parent)
    bundled = _bundled_bin()
    if bundled is not None:
        candidates.append(bundled)
    seen = []
    for folder in candidates:
        dump, restore = folder / "pg_dump", folder / "pg_restore"
        if dump.exists() and restore.exists():
            major = _tool_major(dump)
            seen.append(f"{dump} ({major})")
            if major >= needed:
                return PostgresTools(dump, restore)
    raise BackupError(
        f"no pg_dump of version >= {needed} (the server's); found: {', '.join(seen) or 'none'}"
    )


def migration_head(database_url: str) -> str | None:
    with psycopg.connect(libpq_url(database_url)) as conn:
        exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
        if exists is None or exists[0] is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def dump_database(tools: PostgresTools, database_url: str, target: Path) -> None:
    result = subprocess.run(
        [
            str(tools.pg_dump),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target / DATABASE_DUMP}",
            f"--dbname={libpq_url(database_url)}",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def object_keys(store: ObjectStore) -> list[str]:
    return sorted(store.list(""))


def save_object(store: ObjectStore, key: str, target: Path) -> None:
    path = target / OBJECTS / validate_key(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = store.size(key)
    # In ranges, never whole: a backup holds videos of hundreds of megabytes.
    with path.open("wb") as out:
        if size:
            for chunk in store.read_range(key, 0, size):
                out.write(chunk)


def copy_config(tenants_file: Path, tenants_dir: Path, target: Path) -> None:
    config = target / CONFIG
    config.mkdir(parents=True, exist_ok=True)
    shutil.copy2(tenants_file, config / "tenants.toml")
    if tenants_dir.is_dir():
        shutil.copytree(tenants_dir, config / "tenants")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path.relative_to(root).as_posix()


def write_manifest(
    target: Path, head: str | None, now: datetime | None = None
) -> dict[str, object]:
    manifest: dict[str, object] = {
        "format": FORMAT,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "migration_head": head,
        "files": {name: _sha256(target / name) for name in _files(target)},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> dict[str, str]:
    """The manifest's files, or a BackupError naming the folder and what is wrong."""
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(files, dict):
            raise ValueError("unknown format")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path}: not a warren backup manifest ({exc})") from None
    return {str(k): str(v) for k, v in files.items()}


def verify(source: Path, files: dict[str, str]) -> Iterator[str]:
    """Yields each file as it is verified; raises BackupError naming the first file that
    is missing, altered, or present without being in the manifest."""
    unlisted = sorted(set(_files(source)) - set(files))
    if unlisted:
        raise BackupError(f"{source / unlisted[0]}: not in the manifest; refusing the backup")
    if DATABASE_DUMP not in files:
        raise BackupError(f"{source / MANIFEST}: lists no {DATABASE_DUMP}")
    for name, expected in files.items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path}: listed in the manifest but missing")
        if _sha256(path) != expected:
            raise BackupError(f"{path}: checksum mismatch; the backup is damaged, refusing it")
        yield name


def ensure_empty(database_url: str, store: ObjectStore) -> None:
    """Restoring merges nothing: the target must have no tables and no objects."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        tables = [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "SELECT schemaname, tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                "ORDER BY 1, 2 LIMIT 3"
            )
        ]
    if tables:
        raise BackupError(
            f"the target database is not empty (it has {', '.join(tables)} …); "
            "restore into a new, empty database"
        )
    for key in store.list(""):
        raise BackupError(
            f"the target object storage is not empty (it holds {key!r}); restore into empty storage"
        )


def restore_database(tools: PostgresTools, database_url: str, source: Path) -> None:
    result = subprocess.run(
        [
            str(tools.pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={libpq_url(database_url)}",
            str(source / DATABASE_DUMP),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def backed_up_objects(files: Iterable[str]) -> list[str]:
    prefix = OBJECTS + "/"
    return [name.removeprefix(prefix) for name in files if name.startswith(prefix)]


def put_object(store: ObjectStore, key: str, source: Path) -> None:
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    store.put_file(validate_key(key), source / OBJECTS / key, content_type)
