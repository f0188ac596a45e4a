"""`warren tenants publish-bootstrap` as ops run it: first publication of every brand
from tenants.toml, then a later file change of an admin-owned key becomes a draft for
the brand's admins and changes nothing in force."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dramatiq.brokers.stub import StubBroker
from publishing_support import own_database, own_settings

from warren.publishing import service
from warren.runtime import build_runtime
from warren.settings import Settings

from conftest import TEST_SECRET

__all__ = ["own_database", "own_settings"]

ROOT = Path(__file__).resolve().parents[1]


def bootstrap(database_url: str, data_dir: Path, tenants_file: Path) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(data_dir),
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_TENANTS_FILE": str(tenants_file),
    }
    done = subprocess.run(
        [sys.executable, "-m", "warren.cli", "tenants", "publish-bootstrap"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bootstrap_publishes_once_then_turns_file_changes_into_drafts(
    own_database: str, own_settings: Settings, stub_broker: StubBroker, tmp_path: Path
) -> None:
    shipped = ROOT / "tenants.toml"
    first = bootstrap(own_database, own_settings.data_dir, shipped)
    for name in ("Vizardio", "Songly", "Homiwork"):
        assert f"{name}: published version 1 from tenants.toml" in first
    again = bootstrap(own_database, own_settings.data_dir, shipped)
    assert "Songly: tenants.toml agrees with version 1" in again

    edited = tmp_path / "tenants.toml"
    text = shipped.read_text(encoding="utf-8")
    assert 'support_email = "support@songly.gift"' in text
    edited.write_text(
        text.replace('support_email = "support@songly.gift"', 'support_email = "new@songly.gift"'),
        encoding="utf-8",
    )
    changed = bootstrap(own_database, own_settings.data_dir, edited)
    assert "Songly: draft for the admins to review: support_email" in changed
    assert "Homiwork: tenants.toml agrees with version 1" in changed

    runtime = build_runtime(
        own_settings.model_copy(update={"tenants_file": edited}), own_database, stub_broker
    )
    try:
        songly = runtime.registry.get("songly")
        assert songly.support_email == "support@songly.gift"
        with runtime.sessions() as db:
            draft = service.draft(db, songly)
            assert draft is not None
            assert draft.document["support_email"] == "new@songly.gift"
            assert service.draft(db, runtime.registry.get("homiwork")) is None
    finally:
        runtime.close()
