"""`warren backup`: a whole deployment to a folder and back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from warren.settings import Settings, get_settings

if TYPE_CHECKING:
    from warren.storage.base import ObjectStore


@click.group()
def backup() -> None:
    """Backups: the database, every stored object and the tenants config, with checksums."""


def _database_and_store(settings: Settings) -> tuple[str, ObjectStore]:
    from warren.db.resolve import resolve_database_url
    from warren.logs import configure_logging
    from warren.storage.factory import open_object_store
    from warren.storage.s3 import S3ObjectStore

    configure_logging(settings.log_level, settings.log_format)
    url = resolve_database_url(settings)
    store = open_object_store(settings.storage_url, settings.data_dir)
    if isinstance(store, S3ObjectStore):
        store.ensure_bucket()
    return url, store


@backup.command("create")
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path),
    default=None,
    help="A folder that does not exist yet (default: backups/<time> in the data dir).",
)
def backup_create(target: Path | None) -> None:
    """Back up the database (pg_dump, custom format), every object and the tenants config."""
    from warren.ops import backup as ops

    settings = get_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = target or settings.data_dir / "backups" / stamp
    if target.exists():
        raise click.UsageError(f"{target} already exists; name a new folder with --to")
    url, store = _database_and_store(settings)
    try:
        tools = ops.find_tools(url)
        target.mkdir(parents=True)
        click.echo(f"dumping the database with {tools.pg_dump} …", err=True)
        ops.dump_database(tools, url, target)
        keys = ops.object_keys(store)
        with click.progressbar(
            keys,
            label=f"objects ({len(keys)})",
        ) as bar:
            for key in bar:
                ops.save_object(store, key, target)
        ops.copy_config(settings.tenants_file, settings.tenants_dir, target)
        click.echo("writing checksums …", err=True)
        manifest = ops.write_manifest(target, ops.migration_head(url))
    except ops.BackupError as exc:
        click.echo(f"backup failed: {exc}", err=True)
        raise SystemExit(1) from None
    files = manifest["files"]
    assert isinstance(files, dict)
    click.echo(
        f"{target}: {len(files)} files, {len(keys)} objects, at {manifest['migration_head']}"
    )


@backup.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
def backup_restore(source: Path) -> None:
    """Restore SOURCE into this deployment, which must be empty (no tables, no objects):
    every checksum is verified first, then the database, then the objects."""
    from warren.db.migrate import upgrade
    from warren.ops import backup as ops

    settings = get_settings()
    url, store = _database_and_store(settings)
    try:
        files = ops.read_manifest(source)
        with click.progressbar(
            ops.verify(source, files), length=len(files), label="verifying"
        ) as bar:
            for _ in bar:
                pass
        ops.ensure_empty(url, store)
        tools = ops.find_tools(url)
        click.echo(f"restoring the database with {tools.pg_restore} …", err=True)
        ops.restore_database(tools, url, source)
        keys = ops.backed_up_objects(files)
        with click.progressbar(keys, label=f"objects ({len(keys)})") as bar:
            for key in bar:
                ops.put_object(store, key, source)
    except ops.BackupError as exc:
        click.echo(f"restore refused: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo("applying migrations …", err=True)
    upgrade(url)
    click.echo(
        f"restored {source}: the database and {len(keys)} objects. The tenants config is in "
        f"{source / 'config'}; compare it with {settings.tenants_file} and {settings.tenants_dir}."
    )
