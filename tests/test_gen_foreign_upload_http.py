"""An order over HTTP cannot name another user's upload: refused, no job, no points held."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from test_generation_http import order, signed_up, upload, uploaded_id, user_balance

from warren.billing.models import PointMovement
from warren.generation.models import Job
from warren.runtime import Runtime

from samples import photo
from webclient import BrandClient


@pytest.mark.parametrize("thief_brand", ["songly", "vizardio"])
def test_an_order_naming_another_users_upload_is_refused(
    brand: Callable[..., BrandClient], runtime: Runtime, thief_brand: str
) -> None:
    owner = signed_up(brand, runtime, "songly", "owner", points=100)
    theirs = uploaded_id(upload(owner, photo(800, 600)))
    thief = signed_up(brand, runtime, thief_brand, "thief", points=100)

    response = order(thief, "portrait", "A portrait of this face", [theirs])

    assert 400 <= response.status_code < 500, response.status_code
    assert user_balance(runtime, thief_brand, "thief") == 100
    with runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Job)) == 0
        reserved = select(func.count()).where(PointMovement.kind == "reserve")
        assert db.scalar(reserved) == 0
