"""Generation providers: the demo's files are real, the OpenAI-compatible client sends
only what it may (checked on a real HTTP server), and the registry reads the environment.
"""

from __future__ import annotations

import io
import socket
import time
import wave
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image, ImageStat

from warren.generation.providers.base import (
    ChatTurn,
    GenerationRequest,
    ProviderError,
    Reference,
    UnsupportedRequest,
)
from warren.generation.providers.demo import DemoProvider
from warren.generation.providers.demo_text import HEADER
from warren.generation.providers.openai_compatible import OpenAICompatibleProvider
from warren.generation.providers.registry import (
    ProviderConfigError,
    UnknownProvider,
    load_providers,
)

from standin_service import (
    Answer,
    FakeService,
    Recorded,
    chat_answer,
    image_answer,
    standin_service,
)

API_KEY = "sk-test-secret-0123456789"
PROMPT = "A red fox in a woollen scarf, dancing in the snow under the northern lights"

# What may leave warren: the four headers it sets and the two HTTP itself needs.
ALLOWED_HEADERS = {
    "host",
    "content-length",
    "authorization",
    "content-type",
    "accept",
    "user-agent",
}


def request(category: Any, product: str, title: str, **kwargs: Any) -> GenerationRequest:
    return GenerationRequest(
        category=category, product=product, title=title, prompt=PROMPT, **kwargs
    )


def jpeg_reference(left: int, right: int) -> Reference:
    """A reference picture whose left and right halves have the given grey levels."""
    picture = Image.new("L", (200, 200), left)
    picture.paste(right, (100, 0, 200, 200))
    out = io.BytesIO()
    picture.convert("RGB").save(out, format="JPEG")
    return Reference(kind="image", content_type="image/jpeg", data=out.getvalue())


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 255)).save(out, format="PNG")
    return out.getvalue()


# --- the demo provider ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "title", "size"),
    [("portrait", "Portrait", (1024, 1024)), ("greeting-card", "Greeting card", (1024, 768))],
)
def test_demo_pictures_are_labelled_jpegs(product: str, title: str, size: tuple[int, int]) -> None:
    made = DemoProvider().generate(request("image", product, title))

    picture = Image.open(io.BytesIO(made.data))
    picture.load()
    assert (picture.format, picture.size) == ("JPEG", size)
    assert b"DEMO OUTPUT" in picture.info["comment"]
    assert (made.content_type, made.extension, made.is_demo) == ("image/jpeg", "jpg", True)
    assert made.title.startswith(f"Demo {title.lower()}: A red fox")


def test_demo_picture_shows_the_reference_image() -> None:
    provider = DemoProvider()
    plain = provider.generate(request("image", "portrait", "Portrait"))
    # Dark on the left, bright on the right: the picture's middle must show that split.
    with_reference = provider.generate(
        request("image", "portrait", "Portrait", references=(jpeg_reference(0, 255),))
    )

    def middle_halves(data: bytes) -> tuple[float, float]:
        grey = Image.open(io.BytesIO(data)).convert("L")
        left = ImageStat.Stat(grey.crop((362, 330, 462, 530))).mean[0]
        right = ImageStat.Stat(grey.crop((562, 330, 662, 530))).mean[0]
        return left, right

    assert plain.data != with_reference.data
    left, right = middle_halves(with_reference.data)
    assert right - left > 40
    plain_left, plain_right = middle_halves(plain.data)
    assert abs(plain_right - plain_left) < 10


def test_demo_reference_that_is_not_a_picture_is_a_readable_error() -> None:
    broken = Reference(kind="image", content_type="image/jpeg", data=b"not a jpeg")
    with pytest.raises(ProviderError) as caught:
        DemoProvider().generate(request("image", "portrait", "Portrait", references=(broken,)))
    assert caught.value.reason == "The reference image could not be read."
    assert not caught.value.retryable


def test_demo_song_is_a_six_second_wav() -> None:
    made = DemoProvider().generate(request("song", "song", "Song"))

    with wave.open(io.BytesIO(made.data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            22050,
        )
        assert reader.getnframes() / reader.getframerate() == pytest.approx(6.0, abs=0.01)
        frames = reader.readframes(reader.getnframes())
    assert max(frames) > 0  # not silence
    assert b"DEMO OUTPUT" in made.data  # the LIST/INFO comment
    assert (made.content_type, made.extension, made.is_demo) == ("audio/wav", "wav", True)
    assert made.title.startswith("Demo song: ")

    other = DemoProvider().generate(
        GenerationRequest(category="song", product="song", title="Song", prompt="A lullaby")
    )
    assert other.data != made.data


@pytest.mark.parametrize(
    ("category", "product", "title"),
    [("poem", "poem", "Poem"), ("text", "formal-letter", "Formal letter")],
)
def test_demo_writing_is_labelled_utf8_text(category: str, product: str, title: str) -> None:
    made = DemoProvider().generate(request(category, product, title))

    text = made.data.decode("utf-8")
    assert text.splitlines()[0] == HEADER
    assert title in text
    assert "fox" in text or "scarf" in text or "dancing" in text
    assert made.content_type.startswith("text/plain")
    assert (made.extension, made.is_demo) == ("txt", True)


def test_demo_video_is_an_animated_gif() -> None:
    made = DemoProvider().generate(
        request("video", "video", "Video", references=(jpeg_reference(30, 220),))
    )

    movie = Image.open(io.BytesIO(made.data))
    assert (movie.format, movie.size) == ("GIF", (480, 360))
    assert getattr(movie, "n_frames", 1) > 1
    assert b"DEMO OUTPUT" in movie.info["comment"]
    assert (made.content_type, made.extension, made.is_demo) == ("image/gif", "gif", True)


@pytest.mark.parametrize(
    ("category", "product", "title"),
    [
        ("image", "portrait", "Portrait"),
        ("image", "invitation", "Invitation"),
        ("song", "song", "Song"),
        ("poem", "poem", "Poem"),
        ("text", "greeting", "Greeting"),
        ("video", "video", "Video"),
    ],
)
def test_demo_output_is_deterministic(category: str, product: str, title: str) -> None:
    references = (jpeg_reference(40, 200),) if category == "image" else ()
    first = DemoProvider().generate(request(category, product, title, references=references))
    second = DemoProvider().generate(request(category, product, title, references=references))
    assert first == second


def test_demo_reply_answers_the_last_user_message() -> None:
    turns = [
        ChatTurn(role="system", content="You are a helpful assistant."),
        ChatTurn(role="user", content="What rhymes with orange?"),
        ChatTurn(role="assistant", content="Nothing, famously."),
        ChatTurn(role="user", content="Then help me with my homework on fractions"),
    ]
    answer = DemoProvider().reply(turns)
    assert "homework on fractions" in answer
    assert "demo" in answer.lower()
    assert DemoProvider().reply(turns) == answer


def test_demo_makes_no_file_for_an_assistant() -> None:
    with pytest.raises(UnsupportedRequest):
        DemoProvider().generate(request("assistant", "assistant", "Assistant"))


@pytest.fixture
def service() -> Iterator[FakeService]:
    with standin_service() as fake:
        yield fake


def provider_for(service: FakeService, **kwargs: Any) -> OpenAICompatibleProvider:
    options: dict[str, Any] = {
        "chat_model": "chat-model",
        "image_model": "image-model",
        "timeout": 5.0,
    }
    options.update(kwargs)
    return OpenAICompatibleProvider("acme", service.base_url, API_KEY, **options)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def assert_sent_nothing_extra(recorded: Recorded) -> None:
    names = {name.lower() for name, _ in recorded.headers}
    assert names <= ALLOWED_HEADERS, names - ALLOWED_HEADERS
    assert "cookie" not in names
    assert "x-forwarded-for" not in names
    assert recorded.header("User-Agent") == "warren"
    assert recorded.header("Authorization") == f"Bearer {API_KEY}"
    if (recorded.header("Content-Type") or "").startswith("application/json"):
        assert "user" not in _keys(recorded.json())
    else:
        assert b'name="user"' not in recorded.body


def assert_safe_reason(error: ProviderError) -> None:
    assert API_KEY not in error.reason
    assert API_KEY not in str(error)
    assert "127.0.0.1" not in error.reason


def test_poem_goes_through_chat_completions(service: FakeService) -> None:
    service.answers = [chat_answer("Roses are red,\nfoxes are too.")]

    made = provider_for(service).generate(request("poem", "poem", "Poem"))

    assert made.data == b"Roses are red,\nfoxes are too.\n"
    assert made.content_type.startswith("text/plain")
    assert (made.extension, made.is_demo) == ("txt", False)
    [sent] = service.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    body = sent.json()
    assert body["model"] == "chat-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "poem" in body["messages"][0]["content"].lower()
    assert body["messages"][1]["content"] == PROMPT
    assert_sent_nothing_extra(sent)


def test_picture_goes_through_images_generations(service: FakeService) -> None:
    picture = png_bytes()
    service.answers = [image_answer(picture)]

    made = provider_for(service).generate(request("image", "greeting-card", "Greeting card"))

    assert (made.data, made.content_type, made.extension) == (picture, "image/png", "png")
    assert not made.is_demo
    [sent] = service.requests
    assert sent.path == "/v1/images/generations"
    body = sent.json()
    assert body["model"] == "image-model"
    assert body["response_format"] == "b64_json"
    assert body["size"] == "1792x1024"
    assert "Greeting card" in body["prompt"]
    assert PROMPT in body["prompt"]
    assert_sent_nothing_extra(sent)


def test_reference_picture_goes_through_images_edits(service: FakeService) -> None:
    reference = jpeg_reference(0, 255)
    service.answers = [image_answer(png_bytes())]

    made = provider_for(service).generate(
        request("image", "portrait", "Portrait", references=(reference,))
    )

    assert made.content_type == "image/png"
    [sent] = service.requests
    assert sent.path == "/v1/images/edits"
    assert (sent.header("Content-Type") or "").startswith("multipart/form-data; boundary=")
    assert reference.data in sent.body
    assert b'name="image"; filename="reference.jpg"' in sent.body
    assert b'name="response_format"' in sent.body
    assert_sent_nothing_extra(sent)


def test_assistant_reply_sends_the_conversation(service: FakeService) -> None:
    service.answers = [chat_answer("Happy to help.")]
    turns = [ChatTurn(role="system", content="Be brief."), ChatTurn(role="user", content="Hi")]

    assert provider_for(service).reply(turns) == "Happy to help."
    [sent] = service.requests
    assert sent.json()["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert_sent_nothing_extra(sent)


@pytest.mark.parametrize("status", [500, 429])
def test_a_passing_failure_is_retryable_and_cookies_are_not_returned(
    service: FakeService, status: int
) -> None:
    service.answers = [
        Answer(
            status=status, body={"error": {"message": "try again"}}, headers={"Set-Cookie": "s=1"}
        ),
        chat_answer("Second time lucky."),
    ]
    provider = provider_for(service)

    with pytest.raises(ProviderError) as caught:
        provider.generate(request("text", "greeting", "Greeting"))
    assert caught.value.retryable
    # Trying again is the job runner's decision (the retry policy), not the transport's.
    assert len(service.requests) == 1
    made = provider.generate(request("text", "greeting", "Greeting"))

    assert made.data == b"Second time lucky.\n"
    assert len(service.requests) == 2
    for sent in service.requests:
        assert_sent_nothing_extra(sent)


def test_a_failing_service_is_asked_once_per_call(service: FakeService) -> None:
    service.fallback = Answer(status=503, body={"error": {"message": "overloaded"}})

    with pytest.raises(ProviderError) as caught:
        provider_for(service).generate(request("image", "logo", "Logo"))

    assert caught.value.retryable
    assert caught.value.reason == "The image service had a problem (HTTP 503)."
    assert len(service.requests) == 1
    assert_safe_reason(caught.value)


def test_a_refusal_is_not_retried_and_says_why(service: FakeService) -> None:
    message = "Your prompt was rejected by the safety system. " + "x" * 400
    service.answers = [Answer(status=400, body={"error": {"message": message}})]

    with pytest.raises(ProviderError) as caught:
        provider_for(service).generate(request("image", "portrait", "Portrait"))

    assert not caught.value.retryable
    assert caught.value.reason.startswith(
        "The image service refused the request (HTTP 400): Your prompt was rejected by the safety system."
    )
    assert len(caught.value.reason) < 300  # the service's message is cut at 200 characters
    assert len(service.requests) == 1
    assert_safe_reason(caught.value)


def test_a_key_the_service_echoes_is_not_shown(service: FakeService) -> None:
    service.answers = [
        Answer(
            status=401,
            body={
                "error": {
                    "message": f"Incorrect API key provided: {API_KEY}. See https://x.test/keys?key={API_KEY}"
                }
            },
        )
    ]

    with pytest.raises(ProviderError) as caught:
        provider_for(service).generate(request("poem", "poem", "Poem"))

    assert "Incorrect API key provided: [redacted]" in caught.value.reason
    assert_safe_reason(caught.value)


def test_a_slow_service_times_out(service: FakeService) -> None:
    service.answers = [Answer(delay=1.0, body={})]

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        provider_for(service, timeout=0.3).generate(request("image", "portrait", "Portrait"))

    assert time.monotonic() - started < 0.9
    assert caught.value.reason == "The image service did not answer in time."
    assert caught.value.retryable
    assert len(service.requests) == 1
    assert_safe_reason(caught.value)


def test_an_unreachable_service_is_a_readable_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = OpenAICompatibleProvider(
        "acme",
        f"http://127.0.0.1:{port}/v1",
        API_KEY,
        chat_model="m",
        image_model=None,
    )

    with pytest.raises(ProviderError) as caught:
        provider.reply([ChatTurn(role="user", content="Hello?")])

    assert caught.value.reason == "The assistant service could not be reached."
    assert caught.value.retryable
    assert_safe_reason(caught.value)


def test_a_redirect_is_not_followed(service: FakeService) -> None:
    service.answers = [Answer(status=307, headers={"Location": "http://elsewhere.invalid/steal"})]

    with pytest.raises(ProviderError) as caught:
        provider_for(service).generate(request("poem", "poem", "Poem"))

    assert "redirect" in caught.value.reason
    assert not caught.value.retryable
    assert len(service.requests) == 1


@pytest.mark.parametrize(
    ("category", "reason"),
    [("song", "This provider cannot make songs."), ("video", "This provider cannot make videos.")],
)
def test_songs_and_videos_are_refused_without_a_request(
    service: FakeService, category: str, reason: str
) -> None:
    with pytest.raises(UnsupportedRequest) as caught:
        provider_for(service).generate(request(category, category, category.title()))

    assert caught.value.reason == reason
    assert not caught.value.retryable
    assert service.requests == []


# --- the registry -----------------------------------------------------------------------


def test_demo_is_always_there() -> None:
    registry = load_providers({})
    assert registry.names() == {"demo"}
    assert isinstance(registry.get("demo", "vizardio"), DemoProvider)


def test_unknown_provider_is_named() -> None:
    with pytest.raises(UnknownProvider) as caught:
        load_providers({}).get("midjourney", "vizardio")
    assert isinstance(caught.value, KeyError)
    assert "midjourney" in str(caught.value)


def test_a_provider_is_defined_by_environment(service: FakeService) -> None:
    registry = load_providers(
        {
            "WARREN_PROVIDER_OPEN_AI_URL": service.base_url,
            "WARREN_PROVIDER_OPEN_AI_KEY": API_KEY,
            "WARREN_PROVIDER_OPEN_AI_TIMEOUT": "5",
        }
    )
    assert registry.names() == {"demo", "open-ai"}
    service.answers = [chat_answer("Hello.")]

    provider = registry.get("open-ai", "songly")
    assert provider.name == "open-ai"
    assert provider.reply([ChatTurn(role="user", content="Hi")]) == "Hello."
    [sent] = service.requests
    assert sent.json()["model"] == "gpt-4o-mini"
    assert_sent_nothing_extra(sent)


def test_a_missing_key_names_the_variable() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        load_providers({"WARREN_PROVIDER_OPEN_AI_URL": "https://api.example.test/v1"})
    assert caught.value.variable == "WARREN_PROVIDER_OPEN_AI_KEY"
    assert "WARREN_PROVIDER_OPEN_AI_KEY" in str(caught.value)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("TIMEOUT", "soon"), ("TIMEOUT", "-1"), ("TIMEOUT", "0")],
)
def test_a_bad_number_names_the_variable(setting: str, value: str) -> None:
    environ = {
        "WARREN_PROVIDER_ACME_URL": "https://api.example.test/v1",
        "WARREN_PROVIDER_ACME_KEY": API_KEY,
        f"WARREN_PROVIDER_ACME_{setting}": value,
    }
    with pytest.raises(ProviderConfigError) as caught:
        load_providers(environ)
    assert caught.value.variable == f"WARREN_PROVIDER_ACME_{setting}"
    assert API_KEY not in str(caught.value)


def test_a_stray_variable_is_an_error() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        load_providers({"WARREN_PROVIDER_ACME_KEY": API_KEY})
    assert caught.value.variable == "WARREN_PROVIDER_ACME_KEY"


def test_retries_are_not_a_provider_setting() -> None:
    # The retry policy is warren's, in one place; a leftover setting must not look obeyed.
    with pytest.raises(ProviderConfigError) as caught:
        load_providers(
            {
                "WARREN_PROVIDER_ACME_URL": "https://api.example.test/v1",
                "WARREN_PROVIDER_ACME_KEY": API_KEY,
                "WARREN_PROVIDER_ACME_MAX_ATTEMPTS": "3",
            }
        )
    assert caught.value.variable == "WARREN_PROVIDER_ACME_MAX_ATTEMPTS"


def test_a_tenant_key_is_used_for_that_tenant_only(service: FakeService) -> None:
    tenant_key = "sk-tenant-own-key"
    registry = load_providers(
        {
            "WARREN_PROVIDER_ACME_URL": service.base_url,
            "WARREN_PROVIDER_ACME_KEY": API_KEY,
            "WARREN_PROVIDER_ACME_KEY__MY_BRAND": tenant_key,
        }
    )
    service.fallback = chat_answer("ok")
    turns = [ChatTurn(role="user", content="Hi")]

    registry.get("acme", "my-brand").reply(turns)
    registry.get("acme", "vizardio").reply(turns)

    authorizations = [sent.header("Authorization") for sent in service.requests]
    assert authorizations == [f"Bearer {tenant_key}", f"Bearer {API_KEY}"]
