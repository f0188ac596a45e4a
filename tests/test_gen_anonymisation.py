"""The user's email never reaches a provider, however it is disguised.

Obfuscations are generated: format characters (zero-width space, soft hyphen, …) slipped
between the letters, letters swapped for their full-width forms, parts percent-encoded,
case changed. Each disguised address is put in the prompt, in a text reference and in the
chat history, and the request a provider would receive is searched for the address as a
reader (or a model) would see it.
"""

from __future__ import annotations

import unicodedata
import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warren.generation.anonymise import (
    EMAIL_PLACEHOLDER,
    USERNAME_PLACEHOLDER,
    AnonymisationError,
    Identifiers,
    chat_turns,
    generation_request,
)
from warren.media.models import Upload
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore

FORMAT_CHARACTERS = ["\u200b", "\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e"]
LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=12)
LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=10)
DOMAIN = st.lists(LABEL, min_size=1, max_size=3).map(".".join)
EMAILS = st.builds(lambda local, domain: f"z{local}@{domain}", LOCAL, DOMAIN)


def full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


def percent(ch: str) -> str:
    return "".join(f"%{byte:02X}" for byte in ch.encode())


TRANSFORMS = [
    lambda ch: ch,
    str.upper,
    full_width,
    percent,
    lambda ch: quote(full_width(ch), safe=""),
]


@st.composite
def disguised(draw: st.DrawFn, email: str) -> str:
    out = []
    for ch in email:
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(FORMAT_CHARACTERS)))
        out.append(draw(st.sampled_from(TRANSFORMS))(ch))
    return "".join(out)


def seen_by_a_reader(text: str) -> str:
    """What a model reading the request would take it to say."""
    from urllib.parse import unquote

    for _ in range(4):
        text = unquote(
            unicodedata.normalize(
                "NFKC", "".join(c for c in text if unicodedata.category(c) != "Cf")
            )
        )
    return text.casefold()


def identifiers(email: str, username: str = "zqanonuser") -> Identifiers:
    return Identifiers(user_id=uuid.uuid4(), job_id=uuid.uuid4(), email=email, username=username)


def text_reference(store: TenantStore, text: str) -> Upload:
    key = f"uploads/test/{uuid.uuid4()}.txt"
    store.put(key, text.encode(), "text/plain; charset=utf-8")
    return Upload(kind="text", storage_key=key)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), email=EMAILS)
def test_a_disguised_email_never_reaches_the_provider(
    runtime: Runtime, data: st.DataObject, email: str
) -> None:
    tenant = runtime.registry.get("songly")
    store = TenantStore(runtime.store, tenant.slug)
    ids = identifiers(email)
    in_prompt = data.draw(disguised(email))
    in_reference = data.draw(disguised(email))
    in_history = data.draw(disguised(email))

    request = generation_request(
        tenant,
        "poem",
        f"A poem for my aunt; write back to {in_prompt} please",
        [text_reference(store, f"Notes.\nContact: {in_reference}\nThanks")],
        store,
        ids,
    )
    turns = chat_turns(
        tenant.assistants["lyricist"],
        [("user", f"I am {in_history}"), ("assistant", "Hello!")],
        ids,
    )
    sent = [request.prompt, *(turn.content for turn in turns)]
    for text in sent:
        assert email.casefold() not in seen_by_a_reader(text), text
    # Removed, not merely mangled: the placeholder stands where each address was.
    assert request.prompt.count(EMAIL_PLACEHOLDER) == 2
    assert EMAIL_PLACEHOLDER in turns[1].content


@pytest.mark.parametrize(
    "written",
    [
        "ann.doe\u200b@example.com",
        "ann.doe\u00ad@example.com",
        "ann.doe%40example.com",
        "ann.doe\uff20example.com",
        "ANN.DOE@EXAMPLE.COM",
    ],
)
def test_the_known_disguises_are_scrubbed(runtime: Runtime, written: str) -> None:
    tenant = runtime.registry.get("vizardio")
    store = TenantStore(runtime.store, tenant.slug)
    request = generation_request(
        tenant, "poem", f"Send it to {written}", [], store, identifiers("ann.doe@example.com")
    )
    assert request.prompt == f"Send it to {EMAIL_PLACEHOLDER}"


def test_an_address_without_a_dot_in_its_domain_is_scrubbed(runtime: Runtime) -> None:
    tenant = runtime.registry.get("vizardio")
    store = TenantStore(runtime.store, tenant.slug)
    request = generation_request(
        tenant, "poem", "Mail me at ann@localhost", [], store, identifiers("ann@localhost")
    )
    assert "localhost" not in request.prompt
    assert EMAIL_PLACEHOLDER in request.prompt


def test_a_username_is_matched_as_a_whole_word_only(runtime: Runtime) -> None:
    tenant = runtime.registry.get("songly")
    store = TenantStore(runtime.store, tenant.slug)
    ids = identifiers("someone@example.com", username="ann")
    request = generation_request(
        tenant, "poem", "A birthday poem for Joanne and Annabel, from ANN.", [], store, ids
    )
    assert "Joanne" in request.prompt
    assert "Annabel" in request.prompt
    assert f"from {USERNAME_PLACEHOLDER}." in request.prompt
    turns = chat_turns(
        tenant.assistants["lyricist"], [("user", "Write about Joanne; I am ann")], ids
    )
    assert turns[1].content == f"Write about Joanne; I am {USERNAME_PLACEHOLDER}"


def test_a_user_named_like_the_product_can_still_order_it(runtime: Runtime) -> None:
    tenant = runtime.registry.get("songly")
    store = TenantStore(runtime.store, tenant.slug)
    request = generation_request(
        tenant, "poem", "About the sea", [], store, identifiers("p@example.com", username="poem")
    )
    assert request.prompt == "About the sea"


def test_the_final_check_still_holds_back_an_identifier(runtime: Runtime) -> None:
    tenant = runtime.registry.get("songly")
    store = TenantStore(runtime.store, tenant.slug)
    ids = identifiers("p@example.com")
    # The scrub has no pattern for ids; the check sees through the disguise anyway.
    hidden = f"{ids.user_id.hex.upper()[:16]}\u200b{ids.user_id.hex[16:]}"
    with pytest.raises(AnonymisationError):
        generation_request(tenant, "poem", f"my id is {hidden}", [], store, ids)
