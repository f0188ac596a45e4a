"""`warren tenants check`: what passed before and published a false policy is now refused,
with the file, tenant and key named; contradicting settings are warned about."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner
from PIL import Image

from warren.cli import main
from warren.paths import PROJECT_ROOT

ALT = PROJECT_ROOT / "tests" / "fixtures" / "tenants-alt.toml"
ALT_DIR = PROJECT_ROOT / "tests" / "fixtures" / "tenants-alt"


def check(file: Path, folder: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["tenants", "check", "--file", str(file), "--dir", str(folder), *extra]
    )
    return result.exit_code, result.output


@pytest.fixture
def alt(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], tuple[int, str]]:
    """Check a copy of the alt registry after ``change`` edits its data."""
    shutil.copytree(ALT_DIR, tmp_path / "tenants")

    def run(change: Callable[[dict[str, Any]], None]) -> tuple[int, str]:
        data = tomllib.loads(ALT.read_text(encoding="utf-8"))
        change(data)
        path = tmp_path / "tenants.toml"
        path.write_bytes(tomli_w.dumps(data).encode())
        return check(path, tmp_path / "tenants")

    return run


def test_the_shipped_registry_passes_and_its_contradictions_are_warned() -> None:
    code, output = check(PROJECT_ROOT / "tenants.toml", PROJECT_ROOT / "tenants")
    assert code == 0, output
    assert "3 tenants, all valid; policies and home pages render" in output
    assert "tenant 'songly': keys 'ip.mode'/'analytics.consent'" in output
    assert "tenant 'homiwork': keys 'ip.mode'/'analytics.consent'" in output
    assert "tenant 'vizardio': keys 'ip.mode'" not in output
    assert "'functional' cookies are described but warren sets none" in output
    strict, _ = check(PROJECT_ROOT / "tenants.toml", PROJECT_ROOT / "tenants", "--strict")
    assert strict == 1


def test_the_alt_registry_passes_without_warnings() -> None:
    code, output = check(ALT, ALT_DIR, "--strict")
    assert code == 0, output
    assert "serves gdpr" in output


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("rights_deadline", "days", -1),
        ("rights_deadline", "days", 0),
        ("rights_deadline", "ccpa_days", -5),
        ("rights_deadline", "gdpr_extension_months", 0),
    ],
)
def test_a_negative_or_zero_deadline_is_refused_with_its_key(
    alt: Callable[..., tuple[int, str]], section: str, key: str, value: int
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["tidepool"]["policy"][section][key] = value

    code, output = alt(change)
    assert code == 1
    assert f"tenants.toml: tenant 'tidepool': key 'policy.{section}.{key}'" in output


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"upload_days": 0}, "key 'retention.upload_days'"),
        ({"trash_days": -1}, "key 'retention.trash_days'"),
        (
            {"content_deletable_after_days": 100, "content_deleted_by_days": 90},
            "content_deleted_by_days is before content_deletable_after_days",
        ),
        ({"transaction_years": 5}, "transaction_years is set but payments sell nothing"),
    ],
)
def test_retention_numbers_are_range_checked(
    alt: Callable[..., tuple[int, str]], edit: dict[str, int], expected: str
) -> None:
    code, output = alt(lambda data: data["tidepool"]["retention"].update(edit))
    assert code == 1
    assert "tenant 'tidepool'" in output
    assert expected in output


def test_a_brand_must_name_an_operator(alt: Callable[..., tuple[int, str]]) -> None:
    def change(data: dict[str, Any]) -> None:
        del data["defaults"]
        del data["tidepool"]["operator"]["courts"]

    code, output = alt(change)
    assert code == 1
    assert "tenant 'tidepool': key 'operator.courts': missing key" in output


def test_a_brand_inherits_and_overrides_the_default_operator(
    alt: Callable[..., tuple[int, str]],
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["tidepool"]["operator"] = {"privacy_email": "privacy@tidepool.example"}

    code, output = alt(change)
    assert code == 0, output
    unknown, output = alt(lambda data: data["defaults"].update(theme={"primary": "#000000"}))
    assert unknown == 1
    assert "[defaults]: key 'theme': unknown key" in output


def test_missing_brand_files_and_templates_are_named(
    alt: Callable[..., tuple[int, str]], tmp_path: Path
) -> None:
    (tmp_path / "tenants" / "tidepool" / "static" / "logo.svg").unlink()
    code, output = alt(lambda data: data["tidepool"]["policy"].update(template="plain"))
    assert code == 1
    assert "tenant 'tidepool': brand file" in output
    assert "logo.svg is missing" in output
    assert "tenant 'tidepool': key 'policy.template'" in output


def test_a_touch_icon_that_is_not_a_180px_png_is_refused(
    alt: Callable[..., tuple[int, str]], tmp_path: Path
) -> None:
    icon = tmp_path / "tenants" / "tidepool" / "static" / "apple-touch-icon.png"
    Image.new("RGB", (64, 64), "#336699").save(icon, "PNG")
    code, output = alt(lambda data: None)
    assert code == 1
    assert "apple-touch-icon.png must be a 180 × 180 PNG" in output
    Image.new("RGB", (180, 180), "#336699").save(icon, "PNG")
    code, output = alt(lambda data: None)
    assert code == 0, output


def test_a_home_page_that_does_not_render_is_refused(
    alt: Callable[..., tuple[int, str]], tmp_path: Path
) -> None:
    (tmp_path / "tenants" / "tidepool" / "templates" / "hero.html").write_text(
        "<h1>{{ tenant.no_such_key }}</h1>"
    )
    code, output = alt(lambda data: None)
    assert code == 1
    assert "tenant 'tidepool': the home page does not render" in output


def test_unknown_providers_and_unkeyed_gateways_are_refused(
    alt: Callable[..., tuple[int, str]],
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["tidepool"]["products"]["sticker"]["provider"] = "nowhere"
        data["tidepool"]["payments"]["gateway"] = "stripe"

    code, output = alt(change)
    assert code == 1
    assert "key 'products.sticker.provider': no provider 'nowhere'" in output
    assert "pays through stripe" in output


def test_a_hashed_brand_loading_analytics_before_consent_is_warned(
    alt: Callable[..., tuple[int, str]],
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["tidepool"]["analytics"] = {
            "provider": "yandex_metrika",
            "counter_id": 1,
            "consent": "notice",
        }

    code, output = alt(change)
    assert code == 0, output
    assert "warning:" in output
    assert "receives every visitor's raw address" in output
    code, output = alt(lambda data: data["tidepool"]["analytics"].update(consent="opt_in"))
    assert "raw address" not in output
    assert "opt_in with no analytics provider asks visitors for nothing" in output


def test_defaults_must_be_a_table_and_is_never_a_brand(
    alt: Callable[..., tuple[int, str]],
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["defaults"] = "3 Krolika LLP"

    code, output = alt(change)
    assert code == 1
    assert "defaults: must be a table ([defaults])" in output
    code, output = alt(lambda data: None)
    assert "1 tenants, all valid" in output
