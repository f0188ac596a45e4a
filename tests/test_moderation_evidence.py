"""The evidence export of a held item: a signed ZIP that verifies (function and CLI),
and that fails verification once anything in it is changed."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_moderation_queue import reported

from warren.moderation.evidence import verify_evidence
from warren.runtime import Runtime

from admin_support import console, post_console
from conftest import ROOT, TEST_SECRET
from webclient import BrandClient

KEY = re.compile(r'<code id="evidence-key">([0-9a-f]{64})</code>')


def warren(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in __import__("os").environ.items()
        if not key.startswith("WARREN_TENANT_SECRET_")
    }
    env["WARREN_SECRET"] = TEST_SECRET
    return subprocess.run(
        [sys.executable, "-m", "warren.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


@pytest.fixture
def exported(
    brand: Callable[..., BrandClient], runtime: Runtime, tmp_path: Path
) -> tuple[Path, str, bytes]:
    _, made, _ = reported(brand, runtime, "songly", "evidenced")
    moderator = console(brand, runtime, "songly", role="moderator")
    case = f"/admin/moderation/content_item/{made.item_id}"
    # Only held content is exported.
    assert post_console(moderator, f"{case}/evidence", {}).status_code == 409
    held = post_console(moderator, f"{case}/hold", {"reason": "court order 5", "review": ""})
    assert held.status_code == 303
    response = post_console(moderator, f"{case}/evidence", {})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment")
    path = tmp_path / "evidence.zip"
    path.write_bytes(response.content)
    found = KEY.search(moderator.get("/admin/moderation").text)
    assert found
    return path, found.group(1), made.body


def test_the_export_holds_everything_and_verifies(
    exported: tuple[Path, str, bytes], runtime: Runtime
) -> None:
    path, key, body = exported
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        content = [n for n in names if n.startswith("content/")]
        assert len(content) == 1
        assert archive.read(content[0]) == body
        reports = json.loads(archive.read("reports.json"))
        assert reports[0]["details"] == "mean words about evidenced"
        assert reports[0]["reporter_ip_value"].startswith("hmac-sha256:")
        holds = json.loads(archive.read("holds.json"))
        assert holds[0]["reason"] == "court order 5"
        actions = [e["action"] for e in json.loads(archive.read("audit.json"))]
        assert actions == ["moderation.hold", "moderation.evidence_export"]
        metadata = json.loads(archive.read("metadata.json"))
        assert metadata["owner"]["username"] == "evidenced"
        manifest = json.loads(archive.read("manifest.json"))
        listed = {f["name"] for f in manifest["files"]}
        assert listed == names - {"manifest.json", "manifest.sig"}
        assert manifest["signature"]["public_key"] == key

    verdict = verify_evidence(path, key)
    assert verdict.ok, verdict.problems
    assert verdict.files == len(listed)

    # The key the operator hands out (CLI) is the one the console shows and that signed it.
    printed = warren("moderation", "evidence-key", "songly")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == key
    other = warren("moderation", "evidence-key", "homiwork")
    assert other.stdout.strip() != key
    checked = warren("moderation", "verify-evidence", str(path), "--public-key", key)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK:")


def test_any_change_fails_verification(exported: tuple[Path, str, bytes], tmp_path: Path) -> None:
    path, key, _ = exported

    def content_changed(name: str, data: bytes) -> bytes:
        return data.replace(b"roses", b"tulips") if name.startswith("content/") else data

    tampered = tmp_path / "content.zip"
    _rewrite(path, tampered, content_changed)
    verdict = verify_evidence(tampered, key)
    assert not verdict.ok
    assert any("content/" in p for p in verdict.problems)
    cli = warren("moderation", "verify-evidence", str(tampered), "--public-key", key)
    assert cli.returncode == 1
    assert "FAILED" in cli.stderr

    # A manifest rewritten to match the changed file no longer matches its signature.
    def manifest_changed(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return content_changed(name, data)
        manifest = json.loads(data)
        for entry in manifest["files"]:
            entry["sha256"] = "0" * 64
        return json.dumps(manifest).encode()

    forged = tmp_path / "forged.zip"
    _rewrite(path, forged, manifest_changed)
    assert "the signature does not match the manifest" in verify_evidence(forged, key).problems

    # A file slipped in that the manifest does not list.
    extra = tmp_path / "extra.zip"
    _rewrite(path, extra, lambda name, data: data)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("content/another.txt", b"planted")
    assert not verify_evidence(extra, key).ok

    # Signed, but not by the key the recipient was given.
    assert not verify_evidence(path, "ab" * 32).ok
    assert not verify_evidence(io.BytesIO(b"not a zip")).ok
