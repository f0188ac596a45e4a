"""Per-tenant keys come from the deployment secret, never from the registry."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.tenancy.secrets import (
    SECRET_FILE_NAME,
    Keyring,
    SecretError,
    load_or_create_secret,
)


def test_secret_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    first = load_or_create_secret(None, tmp_path)
    path = tmp_path / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_or_create_secret(None, tmp_path) == first


def test_a_world_readable_secret_file_is_refused(tmp_path: Path) -> None:
    load_or_create_secret(None, tmp_path)
    (tmp_path / SECRET_FILE_NAME).chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        load_or_create_secret(None, tmp_path)


def test_configured_secret_wins_and_nothing_is_written(tmp_path: Path) -> None:
    assert load_or_create_secret("from-the-environment", tmp_path) == b"from-the-environment"
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_keys_differ_per_tenant_and_purpose_and_are_stable() -> None:
    ring = Keyring(b"s" * 40)
    songly, homiwork = ring.for_tenant("songly"), ring.for_tenant("homiwork")
    assert len({songly.ip_hash, songly.session, songly.csrf, homiwork.ip_hash}) == 4
    assert Keyring(b"s" * 40).for_tenant("songly") == songly
    assert Keyring(b"t" * 40).for_tenant("songly") != songly


def test_tenant_secrets_are_read_from_the_environment_by_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARREN_TENANT_SECRET_SONGLY", "o" * 40)
    monkeypatch.setenv("WARREN_TENANT_SECRET_NEW_BRAND", "n" * 40)
    monkeypatch.setenv("WARREN_TENANT_SECRET_EMPTY", "")
    secrets = Settings().tenant_secrets
    assert {slug: value.get_secret_value() for slug, value in secrets.items()} == {
        "songly": "o" * 40,
        "new-brand": "n" * 40,
    }
    assert "o" * 40 not in repr(Settings())


def test_tenant_override_changes_only_that_tenant(
    monkeypatch: pytest.MonkeyPatch, runtime: Runtime, database_url: str
) -> None:
    monkeypatch.setenv("WARREN_TENANT_SECRET_SONGLY", "o" * 40)
    overridden = build_runtime(
        Settings(data_dir=runtime.settings.data_dir, secret=runtime.settings.secret),
        database_url,
        broker=runtime.broker,
    )
    try:
        ring, base = overridden.keyring, runtime.keyring
        assert ring.for_tenant("songly") != base.for_tenant("songly")
        assert ring.for_tenant("songly") == Keyring(b"o" * 40).for_tenant("songly")
        assert ring.for_tenant("homiwork") == base.for_tenant("homiwork")
    finally:
        overridden.engine.dispose()


def test_short_secret_is_refused() -> None:
    with pytest.raises(SecretError):
        Keyring(b"short")
