"""`warren tenants add` as ops run it, on a copy of the registry: the new brand's entry is
appended (the file is otherwise untouched), its folder made from tenants/_template/, the
check run; then the brand answers at <slug>.localhost with its hero, assets and policy,
and its pages do not leak into another brand's. A slug or domain already taken is
refused and nothing is written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warren.runtime import Runtime, build_runtime
from warren.tenancy.registry import load_registry

from conftest import ROOT, serving
from webclient import BrandClient, new_address


def tenants_add(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warren.cli", "tenants", "add", *args],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
            "WARREN_TENANTS_FILE": str(copy / "tenants.toml"),
            "WARREN_TENANTS_DIR": str(copy / "tenants"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "tenants.toml", tmp_path / "tenants.toml")
    shutil.copytree(ROOT / "tenants", tmp_path / "tenants")
    return tmp_path


def test_the_template_folder_is_no_brand() -> None:
    registry = load_registry(ROOT / "tenants.toml")
    assert "_template" not in registry.tenants
    assert (ROOT / "tenants" / "_template" / "tenant.toml").is_file()


def test_a_new_brand_is_scaffolded_checked_and_served(
    copy: Path, runtime: Runtime, data_dir: Path, database_url: str
) -> None:
    before = (copy / "tenants.toml").read_text()
    added = tenants_add(
        copy, "paintly", "--domain", "paintly.art", "--support-email", "help@paintly.art"
    )
    assert added.returncode == 0, added.stderr
    assert "4 tenants, all valid" in added.stdout
    assert "FILL IN" in added.stdout
    after = (copy / "tenants.toml").read_text()
    assert after.startswith(before)
    assert "[paintly]" in after[len(before) :]
    for name in ("templates/hero.html", "static/logo.svg", "static/theme.css"):
        assert (copy / "tenants" / "paintly" / name).is_file()
    assert ".brand-paintly" in (copy / "tenants" / "paintly" / "static" / "theme.css").read_text()

    settings = runtime.settings.model_copy(
        update={"tenants_file": copy / "tenants.toml", "tenants_dir": copy / "tenants"}
    )
    again = build_runtime(settings, database_url, broker=runtime.broker)
    try:
        with serving(again) as url:
            with BrandClient(url, "paintly.localhost", new_address()) as client:
                home = client.get("/")
                assert home.status_code == 200
                assert "Paintly" in home.text
                assert "Get started" in home.text
                logo = client.get("/brand/logo.svg")
                assert logo.status_code == 200
                assert logo.headers["content-type"].startswith("image/svg")
                policy = client.get("/privacy")
                assert policy.status_code == 200
                assert "help@paintly.art" in policy.text
                # The operator comes from [defaults.operator]; no chat or payment
                # clauses for a brand with one poem product that sells nothing.
                assert "data controller is 3 Krolika LLP" in policy.text
                assert "AI assistant chat history" not in policy.text
                assert "Payment gateways" not in policy.text
            with BrandClient(url, "paintly.art", new_address()) as client:
                assert "Paintly" in client.get("/").text
            with BrandClient(url, "songly.localhost", new_address()) as client:
                songly = client.get("/").text
                assert "Paintly" not in songly
                assert "help@paintly.art" not in client.get("/privacy").text
    finally:
        again.engine.dispose()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("songly", "--domain", "new.example"), "'songly': already exists"),
        (("fresh", "--domain", "songly.gift"), "already claimed by tenant 'songly'"),
        (("Bad_Slug", "--domain", "bad.example"), "slug must match"),
        (("fresh", "--domain", "not a domain"), "key 'domain'"),
        (("defaults", "--domain", "defaults.example"), "[defaults] is reserved"),
    ],
)
def test_a_taken_or_invalid_brand_is_refused_and_nothing_written(
    copy: Path, args: tuple[str, ...], reason: str
) -> None:
    before = (copy / "tenants.toml").read_text()
    folders = sorted(p.name for p in (copy / "tenants").iterdir())
    refused = tenants_add(copy, *args, "--support-email", "help@new.example")
    assert refused.returncode == 1
    assert reason in refused.stderr
    assert str(copy / "tenants.toml") in refused.stderr
    assert (copy / "tenants.toml").read_text() == before
    assert sorted(p.name for p in (copy / "tenants").iterdir()) == folders
