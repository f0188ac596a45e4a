"""Share links over HTTP: the owner shares a result from its job page, anyone with the
link sees it (on that brand only), revoking or trashing it ends the link, and the
database never holds the token."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from moderation_world import member, result, share
from sqlalchemy import select

from warren.moderation.models import ShareLink
from warren.runtime import Runtime

from webclient import BrandClient


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


def test_owner_shares_anyone_sees_revoke_ends_it(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner, owner_id = member(brand, runtime, "songly", "sharer")
    made = result(runtime, "songly", owner_id)
    page = owner.get(f"/jobs/{made.job_id}")
    assert "Create a share link" in page.text
    link = share(owner, made)

    visitor = brand("songly")
    shown = visitor.get(link)
    assert shown.status_code == 200
    assert made.body.decode() in shown.text
    assert "Report this content" in shown.text
    assert shown.headers["x-robots-tag"].startswith("noindex")
    file = visitor.get(link.replace("/s?", "/s/file?"))
    assert file.status_code == 200
    assert file.content == made.body
    # Plain text is never served inline on the brand's origin.
    assert file.headers["content-disposition"].startswith("attachment")

    # Only the token's hash is stored.
    token = _token(link)
    with runtime.sessions() as db:
        stored = db.scalar(
            select(ShareLink.token_hash).where(ShareLink.content_item_id == made.item_id)
        )
    assert stored == hashlib.sha256(token.encode()).digest()

    # The link belongs to songly: on another brand's host it names nothing.
    assert brand("homiwork").get(link).status_code == 404
    assert brand("songly").get("/s?t=" + "A" * 43).status_code == 404
    assert brand("songly").get("/s", params={"t": token + "\n"}).status_code == 404

    # The owner revokes it from the result page.
    page = owner.get(f"/jobs/{made.job_id}")
    assert "Revoke the share link" in page.text
    revoked = owner.post_form(
        f"/library/{made.item_id}/share/revoke",
        {"next": f"/jobs/{made.job_id}"},
        f"/jobs/{made.job_id}",
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/jobs/{made.job_id}"
    assert visitor.get(link).status_code == 404
    assert visitor.get(link.replace("/s?", "/s/file?")).status_code == 404


def test_a_new_link_replaces_the_old_and_trash_ends_both(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner, owner_id = member(brand, runtime, "homiwork", "renewer")
    made = result(runtime, "homiwork", owner_id)
    first = share(owner, made)
    second = share(owner, made)
    visitor = brand("homiwork")
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200
    deleted = owner.post_form("/library/delete", {"item": str(made.item_id)}, "/library")
    assert deleted.status_code == 303
    assert visitor.get(second).status_code == 404


def test_only_the_owner_can_share_or_revoke(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner, owner_id = member(brand, runtime, "songly", "keeper")
    made = result(runtime, "songly", owner_id)
    link = share(owner, made)
    other, _ = member(brand, runtime, "songly", "intruder")
    tried = other.post_form(f"/library/{made.item_id}/share", {}, "/library")
    assert tried.status_code == 404
    tried = other.post_form(f"/library/{made.item_id}/share/revoke", {}, "/library")
    assert tried.status_code == 404
    anonymous = brand("songly")
    assert anonymous.post_form(f"/library/{made.item_id}/share", {}, "/sign-in").status_code == 401
    assert anonymous.get(link).status_code == 200
