"""The admin commands ops use until payments exist: points and Prime."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from warren.accounts.models import User
from warren.runtime import Runtime

from conftest import TEST_SECRET
from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]


def warren(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(data_dir),
        "WARREN_SECRET": TEST_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "warren.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_points_and_prime_are_granted_per_tenant(
    brand: Callable[..., BrandClient], runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    client = brand("homiwork")
    sign_up_and_sign_in(client, "vip@example.com", "vip")
    sign_up_and_sign_in(brand("songly"), "vip@example.com", "vip")

    granted = warren(database_url, tmp_path, "points", "grant", "homiwork", "VIP@example.com", "40")
    assert granted.returncode == 0, granted.stderr
    assert "vip on Homiwork: +40, balance 40" in granted.stdout
    prime = warren(database_url, tmp_path, "prime", "grant", "homiwork", "vip", "--days", "30")
    assert prime.returncode == 0, prime.stderr
    assert "Prime until" in prime.stdout

    account = client.get("/account").text
    assert 'id="account-balance">40<' in account
    assert 'id="account-prime">until' in account
    with runtime.sessions() as db:
        songly_user = db.scalar(select(User).where(User.tenant_id == "songly"))
        assert songly_user is not None
        assert songly_user.prime_until is None


def test_unknown_user_or_tenant_is_a_clear_error(
    database_url: str, tmp_path: Path, clean_db: None
) -> None:
    missing_user = warren(database_url, tmp_path, "points", "grant", "songly", "nobody", "5")
    assert missing_user.returncode == 2
    assert "no user 'nobody' on Songly" in missing_user.stderr
    missing_tenant = warren(database_url, tmp_path, "prime", "grant", "nosuch", "x", "--days", "1")
    assert missing_tenant.returncode == 2
    assert "no tenant 'nosuch'" in missing_tenant.stderr
    negative = warren(database_url, tmp_path, "points", "grant", "songly", "x", "0")
    assert negative.returncode == 2
