"""What the provider is given besides the prompt: text references and chat history.

Captured by the stand-in service: text references and the conversation are scrubbed,
the conversation is this user's with this assistant in this tenant and nobody else's,
and an upload of another user is never sent, whatever the job row says.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_gen_results import png
from test_generation_runner import job, make_user, movements

from warren.billing.ledger import reserve
from warren.chat.conversation import add_message, ask
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.generation.anonymise import EMAIL_PLACEHOLDER, USERNAME_PLACEHOLDER
from warren.generation.models import Job, JobState
from warren.generation.runner import REFERENCE_GONE, Outcome, run_job
from warren.generation.submit import submit_generation
from warren.media.uploads import store_upload
from warren.runtime import Runtime
from warren.tenancy.tenant import Tenant

from samples import photo
from standin_service import FakeService, chat_answer, image_answer, standin_service, with_standin

ROUTED = {
    "songly": {"products": ["poem", "portrait", "assistant"], "assistants": ["lyricist"]},
    "vizardio": {"products": ["assistant"], "assistants": ["muse", "editor"]},
}


@pytest.fixture
def standin(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    with standin_service() as service:
        service.by_path = {
            "/chat/completions": chat_answer("A line for you."),
            "/images/edits": image_answer(png()),
        }
        yield with_standin(runtime, service, tmp_path, ROUTED, IMAGE_MODEL="img"), service


def sent_texts(service: FakeService) -> list[str]:
    return [json.dumps(request.json(), ensure_ascii=False) for request in service.requests]


def chat(runtime: Runtime, tenant: Tenant, user: uuid.UUID, assistant: str, text: str) -> Job:
    with unit_of_work(runtime.sessions) as db:
        return ask(db, tenant, user, assistant, text)


def test_a_text_reference_is_scrubbed_before_the_provider(
    standin: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = standin
    tenant = runtime.registry.get("songly")
    user = make_user(runtime, tenant, "penfriend", 50)
    notes = (
        "Notes for the poem.\n"
        "Write to penfriend\u200b@example.com or penfriend%40example.com.\n"
        "Signed, PENFRIEND; for Joanne.\n"
    )
    with unit_of_work(runtime.sessions) as db:
        upload = store_upload(db, runtime.store, tenant, user, notes.encode(), "notes.txt")
        job = submit_generation(db, tenant, user, "poem", "A poem from these notes", [upload.id])

    assert run_job(runtime, tenant, job.id) is Outcome.DONE

    [sent] = sent_texts(service)
    assert "Notes for the poem." in sent
    assert "penfriend" not in sent.lower()
    assert sent.count(EMAIL_PLACEHOLDER) == 2
    assert f"Signed, {USERNAME_PLACEHOLDER}; for Joanne." in sent


def test_the_chat_history_is_scrubbed_before_the_provider(
    standin: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = standin
    tenant = runtime.registry.get("songly")
    user = make_user(runtime, tenant, "chatty", 50)
    chat(runtime, tenant, user, "lyricist", "Hi, I am chatty\u00ad@example.com")
    second = chat(runtime, tenant, user, "lyricist", "Or chatty\uff20example.com; call me CHATTY")

    assert run_job(runtime, tenant, second.id) is Outcome.DONE

    [sent] = service.requests
    messages = [m["content"] for m in sent.json()["messages"]]
    assert messages[1:] == [
        f"Hi, I am {EMAIL_PLACEHOLDER}",
        f"Or {EMAIL_PLACEHOLDER}; call me {USERNAME_PLACEHOLDER}",
    ]
    assert "chatty" not in json.dumps(sent.json()).lower()


def test_the_history_is_this_users_with_this_assistant_in_this_tenant(
    standin: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = standin
    vizardio, songly = runtime.registry.get("vizardio"), runtime.registry.get("songly")
    alice = make_user(runtime, vizardio, "alice", 50)
    bob = make_user(runtime, vizardio, "bob", 50)
    chat(runtime, vizardio, bob, "muse", "the other user, to the muse")
    chat(runtime, vizardio, alice, "editor", "to the editor")
    with runtime.sessions() as db:
        # Rows of the same user id and assistant key under another tenant.
        add_message(db, songly, alice, "muse", "user", "to the muse, under another tenant")
        db.commit()
    chat(runtime, vizardio, alice, "muse", "to the muse, first")
    asked = chat(runtime, vizardio, alice, "muse", "to the muse, second")

    assert run_job(runtime, vizardio, asked.id) is Outcome.DONE

    [sent] = service.requests
    messages = sent.json()["messages"]
    assert messages[0] == {
        "role": "system",
        "content": vizardio.assistants["muse"].system_prompt,
    }
    assert [m["content"] for m in messages[1:]] == [
        "to the muse, first",
        "to the muse, second",
    ]


def test_a_job_naming_another_users_upload_never_sends_it(
    standin: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = standin
    tenant = runtime.registry.get("songly")
    owner = make_user(runtime, tenant, "owner", 50)
    other = make_user(runtime, tenant, "other", 50)
    price = tenant.products["portrait"].price
    with runtime.sessions() as db:
        upload = store_upload(db, runtime.store, tenant, owner, photo(600, 400), "face.jpg")
        # A job row that no submission would create: other's order naming owner's photo.
        job_id = uuid.uuid4()
        reserve(db, tenant, other, job_id, price)
        db.add(
            Job(
                id=job_id,
                tenant_id=tenant.slug,
                user_id=other,
                product_key="portrait",
                category="image",
                provider="standin",
                prompt="A portrait",
                reference_ids=[upload.id],
                price=price,
                status=JobState.PENDING,
                attempts=0,
                created_at=utcnow(),
                queued_at=utcnow(),
            )
        )
        db.commit()

    assert run_job(runtime, tenant, job_id) is Outcome.FAILED

    assert service.requests == []
    assert job(runtime, job_id).error == REFERENCE_GONE
    assert movements(runtime, job_id) == ["reserve", "refund"]
