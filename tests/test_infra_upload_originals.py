"""After a photo upload, nothing of the original is kept: not in object storage (either
backend), not in any column of any table, not in the logs, not in a temporary file.

The photo carries EXIF and a JPEG comment with markers unique to this run, and a block
of random pixels so its bytes are its own. `warren serve` runs as a separate process;
the search looks for a long slice of the original's bytes (raw and hex), its SHA-256
(hex and raw) and the markers. The transformed copy is looked up the same way, as the
control that the search reads what was stored.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer
from PIL import Image, ImageDraw

from warren.storage.factory import open_object_store

from conftest import TEST_SECRET, free_port
from infra import StoredData, database_contents, files_contents, objects_contents
from samples import EXIF_ARTIST
from served import start_serve, wait_until_healthy
from webclient import BrandClient, sign_up_and_sign_in

EXIF_DESCRIPTION = 0x010E


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


def storage_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "local":
        return None
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"warren-originals-{uuid.uuid4().hex[:12]}"
    return f"s3://warren-test:warren-test-secret@{endpoint}/{bucket}?secure=false&region=us-east-1"


def marked_photo(marker: str) -> bytes:
    """A 2400x1600 JPEG with EXIF artist and description, a comment, and random pixels."""
    image = Image.new("RGB", (2400, 1600), (40, 120, 90))
    draw = ImageDraw.Draw(image)
    for x in range(0, 2400, 120):
        draw.line([(x, 0), (2400 - x, 1600)], fill=(x % 255, 200, 60), width=11)
    noise = Image.frombytes("RGB", (1000, 800), secrets.token_bytes(1000 * 800 * 3))
    image.paste(noise, (700, 400))
    exif = Image.Exif()
    exif[EXIF_ARTIST] = f"{marker}-artist"
    exif[EXIF_DESCRIPTION] = f"{marker}-description"
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        quality=95,
        subsampling=0,
        exif=exif.tobytes(),
        comment=f"{marker}-comment".encode(),
    )
    return out.getvalue()


def needles(data: bytes) -> dict[str, str | bytes]:
    """What would betray ``data``: a long slice of it, raw and hex, and its digest."""
    middle = len(data) // 2
    piece = data[middle : middle + 512]
    digest = hashlib.sha256(data)
    return {
        "a slice of the bytes": piece,
        "the slice in hex": piece.hex(),
        "the SHA-256 (hex)": digest.hexdigest(),
        "the SHA-256 (raw)": digest.digest(),
    }


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_no_byte_of_the_original_is_kept(
    backend: str,
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    clean_db: None,
) -> None:
    data_dir, temp_dir = tmp_path / "data", tmp_path / "tmp"
    temp_dir.mkdir()
    url = storage_url(backend, request)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(data_dir),
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_LOG_LEVEL": "DEBUG",
        # Where Litestar would spool a large body: searched too.
        "TMPDIR": str(temp_dir),
    }
    for name in ("WARREN_BROKER_URL", "WARREN_MAIL_URL", "WARREN_STORAGE_URL"):
        env.pop(name, None)
    if url:
        env["WARREN_STORAGE_URL"] = url
    marker = f"warren-original-{uuid.uuid4().hex}"
    original = marked_photo(marker)
    assert len(original) > 1024 * 1024, "large enough to be spooled by the web server"

    port = free_port()
    log_path = tmp_path / "serve.log"
    process = start_serve(port, env, log_path)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log_path)
        with BrandClient(base_url, "homiwork.localhost", "203.0.113.40") as client:
            assert sign_up_and_sign_in(client, "photo@example.com", "photo").status_code == 303
            token = client.csrf("/library")
            uploaded = client.post(
                "/uploads",
                data={"_csrf": token, "next": "/library"},
                files={"file": ("portrait.jpg", original, "image/jpeg")},
            )
            assert uploaded.status_code == 303, uploaded.text
            upload_id = uploaded.headers["location"].split("ref=")[1]
            download = client.get(f"/uploads/{upload_id}/download")
            assert download.status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)

    objects = objects_contents(open_object_store(url, data_dir))
    places = {
        "object storage": objects,
        "the database": database_contents(database_url),
        "the data dir": files_contents(data_dir, skip=("pg",)),
        "temporary files": files_contents(temp_dir),
        "the logs": StoredData(blobs=[("process output", log_path.read_bytes())]),
    }
    betrayals: dict[str, str | bytes] = {
        **needles(original),
        "the EXIF artist": f"{marker}-artist",
        "the EXIF description": f"{marker}-description",
        "the JPEG comment": f"{marker}-comment",
        "the marker": marker,
    }
    for place, stored in places.items():
        for what, needle in betrayals.items():
            assert stored.where(needle) == [], f"{what} of the original found in {place}"

    # The control: the transformed copy is there, and the same search finds it.
    [(key, transformed)] = [(k, b) for k, b in objects.blobs if upload_id in k]
    assert transformed == download.content
    with Image.open(io.BytesIO(transformed)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 1536
    assert objects.where(needles(transformed)["a slice of the bytes"]) == [key]
