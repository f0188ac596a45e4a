"""Reports on a hashed-IP brand keep no raw address of the reporter: not in any column
of any table, not in the log. The same search finds a raw-mode brand's address, which
shows the search sees what it looks for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from moderation_world import member, result, share
from test_moderation_queue import report

from warren.runtime import Runtime

from infra import address_spellings, database_contents
from webclient import BrandClient

HASHED = {"songly": ["203.0.113.91", "2001:db8:91::91"], "homiwork": ["203.0.113.92"]}
RAW = "203.0.113.93"


def test_a_hashed_ip_brand_stores_and_logs_no_reporter_address(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    for slug, addresses in {**HASHED, "vizardio": [RAW]}.items():
        owner, owner_id = member(brand, runtime, slug, f"shared-{slug}")
        link = share(owner, result(runtime, slug, owner_id))
        for address in addresses:
            visitor = brand(slug, address)
            assert visitor.get(link).status_code == 200
            assert report(visitor, link, details="please look") == 200
            # The report form's rate limit also writes (a throttle event) when exceeded.
            for _ in range(12):
                report(visitor, link)

    stored = database_contents(database_url)
    assert stored.where("please look") == ["public.moderation_reports.details"]
    for addresses in HASHED.values():
        for address in addresses:
            forms, packed = address_spellings(address)
            for form in forms:
                assert stored.where(form) == [], f"{form} stored"
                assert form not in caplog.text, f"{form} logged"
            for value in packed:
                assert stored.where(value) == [], f"{address} stored packed"
    assert "public.moderation_reports.ip_value" in stored.where("hmac-sha256:")
    assert "report_throttled" in {v for _, v in stored.texts}
    # The control: raw mode keeps the address, and the same search finds it.
    assert "public.moderation_reports.ip_value" in stored.where(RAW)
    assert RAW in caplog.text
