"""A reference file added from the order form travels with the prompt and the choices:
a refused file shows the form again with everything typed still in it, a good one comes
back checked next to the same prompt — on the user's own brand only."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx

from samples import photo
from webclient import BrandClient, field, sign_up_and_sign_in

PROMPT = 'Grandma Ann in her garden, roses & "blue" sky'


def _signed_in(brand: Callable[..., BrandClient], slug: str, name: str) -> BrandClient:
    client = brand(slug)
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    return client


def _send(
    client: BrandClient, product: str, data: bytes, name: str, refs: list[str] | None = None
) -> httpx.Response:
    token = field(client.get(f"/create/{product}").text, "_csrf")
    return client.post(
        f"/create/{product}/upload",
        data={"_csrf": token, "prompt": PROMPT, "ref": refs or []},
        files={"file": (name, data, "application/octet-stream")},
    )


def _prompt(page: httpx.Response) -> str:
    match = re.search(r'<textarea name="prompt"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert match, page.text
    return html.unescape(match.group(1))


def _checked(page: httpx.Response) -> list[str]:
    return re.findall(r'name="ref" value="([0-9a-f-]{36})" checked', page.text)


def test_a_refused_file_keeps_the_prompt_and_says_why(
    brand: Callable[..., BrandClient],
) -> None:
    ann = _signed_in(brand, "vizardio", "ann")
    page = _send(ann, "portrait", b"MZ\x90\x00 not a photo at all", "photo.jpg")
    assert 400 <= page.status_code < 500
    assert _prompt(page) == PROMPT
    reason = re.search(r'<p class="error" id="file-error" role="alert">(.+?)</p>', page.text)
    assert reason
    assert 'aria-describedby="file-error"' in page.text
    # Nothing was kept.
    assert "No reference files yet." in page.text

    empty = ann.post(
        "/create/portrait/upload",
        data={"_csrf": field(ann.get("/create/portrait").text, "_csrf"), "prompt": PROMPT},
    )
    assert empty.status_code == 400
    assert _prompt(empty) == PROMPT
    assert "Choose a file to upload." in empty.text


def test_a_good_file_comes_back_checked_next_to_the_same_prompt(
    brand: Callable[..., BrandClient],
) -> None:
    ann = _signed_in(brand, "homiwork", "ann")
    first = _send(ann, "portrait", photo(800, 600), "one.jpg")
    assert first.status_code == 303, first.text
    location = first.headers["location"]
    assert re.fullmatch(r"/create/portrait\?draft=[0-9a-f-]{36}", location)
    page = ann.get(location)
    assert _prompt(page) == PROMPT
    [one] = _checked(page)

    # A second file keeps the first one chosen too.
    second = _send(ann, "portrait", photo(640, 480), "two.jpg", refs=[one])
    page = ann.get(second.headers["location"])
    assert _prompt(page) == PROMPT
    assert len(_checked(page)) == 2
    assert one in _checked(page)


def test_a_file_of_the_wrong_kind_is_kept_but_not_chosen(
    brand: Callable[..., BrandClient],
) -> None:
    ann = _signed_in(brand, "songly", "ann")
    # A song takes text references; a photo is stored but cannot be one.
    page = _send(ann, "song", photo(400, 300), "photo.jpg")
    assert page.status_code == 422
    assert _prompt(page) == PROMPT
    assert "takes text files only" in page.text


def test_the_kept_form_is_the_owners_on_the_owners_brand(
    brand: Callable[..., BrandClient],
) -> None:
    ann = _signed_in(brand, "vizardio", "ann")
    location = _send(ann, "portrait", photo(400, 300), "one.jpg").headers["location"]
    bob = _signed_in(brand, "vizardio", "bob")
    assert PROMPT not in html.unescape(bob.get(location).text)
    ann_on_songly = _signed_in(brand, "songly", "ann")
    assert PROMPT not in html.unescape(ann_on_songly.get(location).text)
    # The product must be one the brand sells.
    token = field(ann.get("/create/portrait").text, "_csrf")
    refused = ann.post(
        "/create/muse/upload",
        data={"_csrf": token, "prompt": PROMPT},
        files={"file": ("a.jpg", photo(100, 100), "image/jpeg")},
    )
    assert refused.status_code == 404
