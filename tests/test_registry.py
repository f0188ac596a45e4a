"""tenants.toml: the shipped registry is valid; every kind of mistake is named clearly."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from warren.tenancy.colour import contrast
from warren.tenancy.registry import TenantConfigError, load_registry
from warren.tenancy.resolve import tenant_for_host

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "tenants.toml"


def shipped() -> dict[str, Any]:
    return tomllib.loads(REGISTRY.read_text())


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    import tomli_w

    path = tmp_path / "tenants.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    with pytest.raises(TenantConfigError) as info:
        load_registry(write(tmp_path, data))
    return info.value.problems


def test_shipped_registry_matches_the_policies() -> None:
    registry = load_registry(REGISTRY)
    assert [t.slug for t in registry] == ["vizardio", "songly", "homiwork"]
    viz, songly, homi = (registry.get(s) for s in ["vizardio", "songly", "homiwork"])
    assert (viz.support_email, songly.support_email, homi.support_email) == (
        "support@vizardio.com",
        "support@songly.gift",
        "support@homiwork.com",
    )
    assert (viz.ip.mode, songly.ip.mode, homi.ip.mode) == ("raw", "hashed", "hashed")
    assert (viz.analytics.consent, songly.analytics.consent, homi.analytics.consent) == (
        "opt_in",
        "notice",
        "notice",
    )
    assert songly.analytics.notice_categories == ("essential", "functional", "analytics")
    assert homi.analytics.notice_categories == ()
    assert [t.policy.face_data_section for t in registry] == [False, False, True]
    assert [t.policy.last_updated_text for t in registry] == [
        "May 2026",
        "April 30, 2026",
        "May 2026",
    ]
    for tenant in registry:
        r = tenant.retention
        assert (r.upload_days, r.trash_days, r.inactive_account_days) == (7, 7, 365)
        assert (r.content_deletable_after_days, r.content_deleted_by_days) == (60, 120)
        assert (r.chat_messages_per_assistant, r.log_months, r.transaction_years) == (100, 12, 5)
        assert tenant.media.max_image_side == 1536


def test_host_resolution() -> None:
    registry = load_registry(REGISTRY)
    cases = {
        "vizardio.com": "vizardio",
        "WWW.Vizardio.com.": "vizardio",
        "songly.gift:8443": "songly",
        "homiwork.localhost:8000": "homiwork",
    }
    for host, slug in cases.items():
        tenant = tenant_for_host(registry, host)
        assert tenant is not None, host
        assert tenant.slug == slug, host
    for host in [None, "", "evil.test", "songly.gift.evil.test", "[::1]:8000", "localhost"]:
        assert tenant_for_host(registry, host) is None


def test_unknown_key_is_named(tmp_path: Path) -> None:
    data = shipped()
    data["songly"]["ip"]["salt"] = "nope"
    [problem] = problems(tmp_path, data)
    assert str(tmp_path / "tenants.toml") in problem
    assert "tenant 'songly'" in problem
    assert "key 'ip.salt'" in problem
    assert "unknown key" in problem


def test_missing_key_is_named(tmp_path: Path) -> None:
    data = shipped()
    del data["homiwork"]["support_email"]
    [problem] = problems(tmp_path, data)
    assert "tenant 'homiwork'" in problem
    assert "key 'support_email'" in problem
    assert "missing key" in problem


def test_bad_values_are_named(tmp_path: Path) -> None:
    data = shipped()
    data["vizardio"]["ip"]["mode"] = "plain"
    data["vizardio"]["support_email"] = "support-at-vizardio"
    data["songly"]["retention"]["content_deleted_by_days"] = 30
    found = "\n".join(problems(tmp_path, data))
    assert "tenant 'vizardio': key 'ip.mode'" in found
    assert "'raw' or 'hashed'" in found
    assert "tenant 'vizardio': key 'support_email'" in found
    assert "tenant 'songly': key 'retention'" in found
    assert "content_deleted_by_days" in found


def test_domain_claimed_twice_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["homiwork"]["aliases"] = ["songly.gift"]
    [problem] = problems(tmp_path, data)
    assert "tenant 'homiwork'" in problem
    assert "'songly.gift' is already claimed by tenant 'songly'" in problem


def test_secrets_are_not_accepted_in_the_registry(tmp_path: Path) -> None:
    data = shipped()
    data["songly"]["ip_hash_secret"] = "s3cret"
    [problem] = problems(tmp_path, data)
    assert "key 'ip_hash_secret': unknown key" in problem


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text("[songly\nname = 1")
    with pytest.raises(TenantConfigError) as info:
        load_registry(path)
    assert str(path) in str(info.value)
    assert "not valid TOML" in str(info.value)


def test_cli_check_passes_on_the_shipped_registry() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "warren.cli", "tenants", "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "3 tenants, all valid" in result.stdout
    assert (
        "songly: Songly at songly.gift, www.songly.gift, songly.localhost; ip=hashed"
        in result.stdout
    )


def test_cli_check_reports_problems_and_exits_non_zero(tmp_path: Path) -> None:
    data = shipped()
    data["vizardio"]["analytics"]["consent"] = "maybe"
    data["songly"]["colour"] = "red"
    path = write(tmp_path, data)
    result = subprocess.run(
        [sys.executable, "-m", "warren.cli", "tenants", "check", "--file", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert f"{path}: tenant 'vizardio': key 'analytics.consent'" in result.stderr
    assert f"{path}: tenant 'songly': key 'colour': unknown key" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_unreadable_theme_colours_are_refused(tmp_path: Path) -> None:
    data = shipped()
    # A mid-green on which neither dark nor light text reaches 4.5:1.
    data["songly"]["theme"]["accent"] = "#2b8a3e"
    data["homiwork"]["theme"]["primary"] = "#f08c00"
    found = "\n".join(problems(tmp_path, data))
    assert "tenant 'songly': key 'theme'" in found
    assert "accent #2b8a3e" in found
    assert "4.5:1" in found
    assert "tenant 'homiwork': key 'theme'" in found
    assert "primary on background" in found


def test_every_shipped_theme_reads_well() -> None:
    for tenant in load_registry(REGISTRY):
        theme = tenant.theme
        assert contrast(theme.accent, theme.on_accent) >= 4.5, tenant.slug
        assert contrast(theme.primary, theme.on_primary) >= 4.5, tenant.slug
