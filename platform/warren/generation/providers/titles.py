"""Short titles for the user's library, made from the product and the prompt."""

from __future__ import annotations

# Long enough to tell two orders apart, short enough for one line of a list.
MAX_TITLE_CHARS = 80


def excerpt(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def library_title(title: str, prompt: str, *, prefix: str = "") -> str:
    """``"<prefix><title>: <prompt excerpt>"``, or just the title for an empty prompt."""
    head = f"{prefix}{title}"
    room = MAX_TITLE_CHARS - len(head) - 2
    summary = excerpt(prompt, room) if room > 8 else ""
    return f"{head}: {summary}" if summary else head
