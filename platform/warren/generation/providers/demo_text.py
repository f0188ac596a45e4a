"""The demo provider's poems, texts and chat replies: plain text built from the prompt.

The first line says it is demo output, so nobody mistakes it for a real result when it
is downloaded or copied out of the library.
"""

from __future__ import annotations

from collections.abc import Sequence

from warren.generation.providers.base import ChatTurn, GeneratedFile, GenerationRequest
from warren.generation.providers.demo_seed import seeded_random
from warren.generation.providers.titles import excerpt, library_title

HEADER = "[Demo output — generated offline by warren's demo provider]"

_POEM_LINES = (
    "Of {a} I sing, and of {b} too,",
    "where {a} meets the morning dew;",
    "a song of {b}, a word for {c},",
    "and {c} stays when the day is gone.",
    "So {a} and {b} and {c} remain,",
    "like {b} returning after rain.",
)


def render_poem(request: GenerationRequest, seed: bytes) -> GeneratedFile:
    rng = seeded_random(seed)
    words = _keywords(request.prompt) or [request.title.lower()]
    lines = []
    # Sorted, so the chosen lines keep the order in which they rhyme.
    for index in sorted(rng.sample(range(len(_POEM_LINES)), 4)):
        template = _POEM_LINES[index]
        picks = {key: rng.choice(words) for key in ("a", "b", "c")}
        lines.append(template.format(**picks))
    return _text_file(request, [*lines, "", _references_note(request)])


def render_text(request: GenerationRequest, seed: bytes) -> GeneratedFile:
    del seed  # the text is already a pure function of the request
    body = [
        f"You asked for: {excerpt(request.prompt, 400) or '(no description)'}",
        "",
        "Here a real provider would write the text. This demo copy lets you try "
        "the library, downloads and sharing without one.",
        "",
        _references_note(request),
    ]
    return _text_file(request, body)


def demo_reply(turns: Sequence[ChatTurn]) -> str:
    last = next((turn.content for turn in reversed(turns) if turn.role == "user"), "")
    if not excerpt(last, 10):
        return "This is a demo reply from warren's offline assistant. Ask me anything!"
    return (
        f"You wrote: “{excerpt(last, 120)}”. This is a demo reply from warren's offline "
        "assistant; a real AI assistant answers here once a provider is configured."
    )


def _text_file(request: GenerationRequest, body: list[str]) -> GeneratedFile:
    lines = [HEADER, "", request.title, "", *body]
    text = "\n".join(lines).rstrip() + "\n"
    return GeneratedFile(
        data=text.encode("utf-8"),
        content_type="text/plain; charset=utf-8",
        extension="txt",
        title=library_title(request.title.lower(), request.prompt, prefix="Demo "),
        is_demo=True,
    )


def _keywords(prompt: str) -> list[str]:
    # Longer words carry the meaning; short ones are mostly "the", "and", "for".
    words = [word.strip(".,;:!?\"'()«»“”").lower() for word in prompt.split()]
    chosen = [word for word in words if len(word) > 3]
    return list(dict.fromkeys(chosen))[:12]


def _references_note(request: GenerationRequest) -> str:
    count = len(request.references)
    if count == 0:
        return "(No reference files were given.)"
    kinds = ", ".join(sorted({reference.kind for reference in request.references}))
    return f"(Made with {count} reference file{'s' if count != 1 else ''}: {kinds}.)"
