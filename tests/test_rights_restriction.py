"""Restriction and objection: the "use my data only for storage" flag, stored per user and
tenant, every change recorded with its time, shown on the account page."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from test_rights_account_deletion import user_named

from warren.privacy.consent_models import ConsentRecord
from warren.runtime import Runtime

from webclient import BrandClient, sign_up_and_sign_in


def restrict(client: BrandClient, on: bool) -> int:
    data = {"storage_only": "yes"} if on else {}
    return client.post_form("/account/restriction", data, form_page="/account").status_code


def test_the_flag_is_stored_recorded_with_time_and_shown(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    songly, vizardio = brand("songly"), brand("vizardio")
    sign_up_and_sign_in(songly, "objector@example.com", "objectorzq")
    sign_up_and_sign_in(vizardio, "objector@example.com", "objectorzq")
    page = songly.get("/account").text
    assert "testing, debugging and tuning of generation" in page  # songly's content-use clause
    assert "internal analysis" in vizardio.get("/account").text  # vizardio's
    assert "Your data may be used as the privacy policy describes." in page

    assert restrict(songly, True) == 303
    page = songly.get("/account").text
    assert 'name="storage_only" value="yes" checked' in page
    assert "Your data is used only for storage." in page
    assert "content_use refused" in page  # in the history of choices
    assert user_named(runtime, "songly", "objectorzq").storage_only
    assert not user_named(runtime, "vizardio", "objectorzq").storage_only
    assert restrict(songly, True) == 303  # the same choice again records nothing new

    assert restrict(songly, False) == 303
    assert not user_named(runtime, "songly", "objectorzq").storage_only
    user = user_named(runtime, "songly", "objectorzq")
    with runtime.sessions() as db:
        history = list(
            db.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.user_id == user.id, ConsentRecord.category == "content_use")
                .order_by(ConsentRecord.created_at)
            )
        )
    assert [r.granted for r in history] == [False, True]
    assert all(r.created_at is not None and r.source == "account" for r in history)
