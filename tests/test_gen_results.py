"""A provider's answer becomes a finished item only once it decodes.

The stand-in service answers 200 with broken pictures; the job must fail with a reason
the user can read, refund the points, store nothing, and not ask the provider again.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from test_generation_runner import job, make_user, movements, submit

from warren.generation.providers.base import GeneratedFile
from warren.generation.results import MAX_SIDE, MalformedResult, accept_file, accept_reply
from warren.generation.runner import Outcome, run_job
from warren.library.models import ContentItem
from warren.runtime import Runtime

from standin_service import FakeService, image_answer, standin_service, with_standin


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def file(data: bytes, content_type: str = "image/png", extension: str = "png") -> GeneratedFile:
    return GeneratedFile(data, content_type, extension, "Title", is_demo=False)


PNG_HEADER_ONLY = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def picture_runtime(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    with standin_service() as service:
        routed = {"songly": {"products": ["portrait"]}}
        yield with_standin(runtime, service, tmp_path, routed, IMAGE_MODEL="img"), service


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (PNG_HEADER_ONLY, "damaged or cut short"),
        (b"<html>busy</html>", "not recognise"),
        (png()[:-40], "damaged or cut short"),
        (png(MAX_SIDE + 1, 8), "larger than warren accepts"),
    ],
    ids=["png-header-only", "html", "truncated-png", "too-wide"],
)
def test_a_picture_that_does_not_decode_fails_the_job_and_refunds(
    picture_runtime: tuple[Runtime, FakeService], clean_db: None, answer: bytes, says: str
) -> None:
    runtime, service = picture_runtime
    service.fallback = image_answer(answer)
    tenant = runtime.registry.get("songly")
    user = make_user(runtime, tenant, "unlucky", 50)
    job_id = submit(runtime, tenant, user, product="portrait")

    assert run_job(runtime, tenant, job_id) is Outcome.FAILED

    failed = job(runtime, job_id)
    assert failed.status == "failed"
    assert says in (failed.error or "")
    # A malformed answer is not asked for again.
    assert len(service.requests) == 1
    assert movements(runtime, job_id) == ["reserve", "refund"]
    with runtime.sessions() as db:
        assert db.scalars(select(ContentItem)).all() == []


def test_a_picture_that_decodes_is_stored_with_the_type_of_its_bytes(
    picture_runtime: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = picture_runtime
    service.fallback = image_answer(png())
    tenant = runtime.registry.get("songly")
    job_id = submit(runtime, tenant, make_user(runtime, tenant, "lucky", 50), product="portrait")
    assert run_job(runtime, tenant, job_id) is Outcome.DONE
    with runtime.sessions() as db:
        [item] = db.scalars(select(ContentItem)).all()
    assert (item.content_type, item.extension) == ("image/png", "png")


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    # 20000×20000 declared in the header of a tiny file.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    with pytest.raises(MalformedResult, match="larger than warren accepts"):
        accept_file("image", file(out.getvalue()))


def test_the_stored_type_comes_from_the_bytes_not_the_claim() -> None:
    accepted = accept_file("image", file(png(), "image/jpeg", "jpg"))
    assert (accepted.content_type, accepted.extension) == ("image/png", "png")


@pytest.mark.parametrize(
    ("category", "data", "says"),
    [
        ("song", b"RIFF\x24\x00\x00\x00WAVEfmt ", "damaged or cut short"),
        ("song", png(), "image file instead of a song"),
        ("video", png(), "an image file instead of a video"),
        ("video", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "damaged or cut short"),
        ("poem", b"\xff\xfe not utf-8", "not readable text"),
        ("text", b"  \n", "empty"),
    ],
)
def test_other_malformed_results_are_refused(category: str, data: bytes, says: str) -> None:
    with pytest.raises(MalformedResult, match=says):
        accept_file(category, file(data))  # type: ignore[arg-type]


def test_an_empty_reply_is_refused() -> None:
    with pytest.raises(MalformedResult, match="empty reply"):
        accept_reply(" \n")


def test_the_demo_provider_output_is_accepted() -> None:
    from warren.generation.providers.base import GenerationRequest
    from warren.generation.providers.demo import DemoProvider

    for category, product in [
        ("image", "portrait"),
        ("song", "song"),
        ("video", "video"),
        ("poem", "poem"),
        ("text", "greeting"),
    ]:
        made = DemoProvider().generate(GenerationRequest(category, product, "T", "About the sea"))  # type: ignore[arg-type]
        assert accept_file(category, made).data == made.data  # type: ignore[arg-type]
