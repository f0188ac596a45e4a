"""The privacy policy page of a tenant, rendered from ``policies/`` and its configuration.

The text is never stored per brand: it is rendered from the same ``tenants.toml`` values
the code obeys (IP mode, analytics consent, retention periods, image size), so a change
of behaviour in config is a change of the published text, and of its version. Who the
operator is comes from config too (``[defaults.operator]``, overridable per brand), and
every optional clause, list and section number follows the brand's config: see
``warren.privacy.promises`` for which code keeps each promise.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt

from warren.paths import POLICIES_DIR
from warren.privacy.cookie_catalogue import cookies_for
from warren.tenancy.tenant import Tenant

_DAYS_PER_YEAR: Final = 365
# The convention behind "2-4 months" = days 60 to 120 (see the brief's decisions).
_DAYS_PER_MONTH: Final = 30

_ONES: Final = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS: Final = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)  # fmt: skip


def number_words(number: int) -> str:
    """``45`` -> ``"forty-five"``; policies spell numbers out so they cannot be misread."""
    if number < 0:
        raise ValueError(f"no words for a negative number: {number}")
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, rest = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[rest]}" if rest else "")
    for size, name in ((1_000_000, "million"), (1000, "thousand"), (100, "hundred")):
        if number >= size:
            count, rest = divmod(number, size)
            head = f"{number_words(count)} {name}"
            return f"{head} {number_words(rest)}" if rest else head
    raise AssertionError("unreachable")  # pragma: no cover


def spelled(number: int) -> str:
    """``7`` -> ``"7 (seven)"``, the style of the published policies."""
    return f"{number} ({number_words(number)})"


def quantity(number: int, unit: str) -> str:
    """``spelled`` with a unit that agrees in number: ``"1 (one) year"``, ``"12 (twelve) months"``."""
    return f"{spelled(number)} {unit if number == 1 else unit + 's'}"


def calendar_days(days: int) -> str:
    return quantity(days, "calendar day")


def duration(days: int) -> str:
    """A day count in the largest whole unit: 365 -> "1 (one) year", 90 -> "3 (three) months"."""
    if days % _DAYS_PER_YEAR == 0:
        return quantity(days // _DAYS_PER_YEAR, "year")
    if days % _DAYS_PER_MONTH == 0:
        return quantity(days // _DAYS_PER_MONTH, "month")
    return quantity(days, "day")


def window(first_day: int, last_day: int) -> str:
    """A deletion window, e.g. deletable from day 60, gone by day 120 -> "2–4 months".

    Both ends use one unit; when they do not share a whole unit, days are exact.
    """
    if first_day == last_day:
        return duration(first_day)
    for size, unit in ((_DAYS_PER_YEAR, "years"), (_DAYS_PER_MONTH, "months")):
        if first_day % size == 0 and last_day % size == 0:
            return f"{first_day // size}–{last_day // size} {unit}"
    return f"{first_day}–{last_day} days"


class Counter:
    """Numbers the clauses of a section whose optional clauses come and go with config:
    ``{% set k = counter() %}{{ n }}.{{ k.next() }}.`` never leaves a gap."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def _make_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(POLICIES_DIR),
        # A clause that names a setting the tenant lacks must fail loudly, never
        # publish an empty gap in a legal text.
        undefined=StrictUndefined,
        # The output is Markdown, not HTML; HTML escaping would corrupt it. HTML is made
        # by render_policy_html with raw HTML disabled, which escapes anything from config.
        autoescape=False,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters.update(
        spelled=spelled,
        quantity=quantity,
        calendar_days=calendar_days,
        duration=duration,
        window=window,
        # {{ keys|map("extract", mapping) }}: each key's wording from a clause's own table.
        extract=lambda key, mapping: mapping[key],
    )
    environment.globals.update(counter=Counter)
    return environment


# Built once per process. Templates are compiled once and not re-checked on disk (no
# auto_reload): policy clauses change with a release, and a restart picks them up.
_ENVIRONMENT: Final = _make_environment()
_MARKDOWN: Final = MarkdownIt("commonmark", {"html": False})
_BLANK_RUNS: Final = re.compile(r"\n{3,}")
_ANCHOR_UNSAFE: Final = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str


@dataclass(frozen=True)
class RenderedPolicy:
    markdown: str
    # Section headings carry ids, so the table of contents and shared links can point at them.
    html: str
    version: str
    sections: tuple[Section, ...]


# Rendering takes tens of milliseconds (dozens of clause templates, then Markdown), and
# every page names the version: render once per tenant configuration. Keyed by the
# Tenant object itself — the registry holds one per brand, and a changed configuration is
# a new object — so a cached text can never outlive the configuration it was made from,
# nor be served to another brand.
_CACHE_SIZE = 64
_cache: OrderedDict[int, tuple[Tenant, RenderedPolicy]] = OrderedDict()
_cache_lock = threading.Lock()


def rendered_policy(tenant: Tenant) -> RenderedPolicy:
    key = id(tenant)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is tenant:
            _cache.move_to_end(key)
            return hit[1]
    policy = _render(tenant)
    with _cache_lock:
        _cache[key] = (tenant, policy)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return policy


def _render(tenant: Tenant) -> RenderedPolicy:
    template = _ENVIRONMENT.get_template(f"{tenant.policy.template}/policy.md.j2")
    text = template.render(tenant=tenant, operator=tenant.operator, cookies=cookies_for(tenant))
    # Conditional clauses leave blank lines and trailing spaces behind; normalising them
    # keeps the templates readable and the version hash independent of their layout.
    lines = [line.rstrip() for line in text.splitlines()]
    markdown = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n"
    digest = hashlib.sha256(markdown.encode("utf-8")).hexdigest()
    html, sections = _html_with_anchors(markdown)
    return RenderedPolicy(
        markdown=markdown,
        html=html,
        version=f"{tenant.policy.last_updated}.{digest[:12]}",
        sections=sections,
    )


def _html_with_anchors(markdown: str) -> tuple[str, tuple[Section, ...]]:
    tokens = _MARKDOWN.parse(markdown)
    sections: list[Section] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            title = tokens[index + 1].content
            anchor = _ANCHOR_UNSAFE.sub("-", title.lower()).strip("-") or f"section-{index}"
            token.attrSet("id", anchor)
            sections.append(Section(anchor=anchor, title=title))
    # markdown-it-py types render() as returning Any; the HTML renderer returns str.
    html: str = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return html, tuple(sections)


def markdown_to_html(markdown: str) -> tuple[str, tuple[Section, ...]]:
    """A stored policy text (a published version's) as the policy page shows it."""
    return _html_with_anchors(markdown)


def render_policy_markdown(tenant: Tenant) -> str:
    """The tenant's privacy policy as Markdown, from ``policies/<template>/policy.md.j2``."""
    return rendered_policy(tenant).markdown


def policy_version(tenant: Tenant) -> str:
    """``"<last_updated>.<12 hex digits>"``: changes whenever the rendered text changes.

    Consent records and "the policy has changed" notices key on this, so a config change
    that alters the text can never pass as the version users already accepted.
    """
    return rendered_policy(tenant).version


def render_policy_html(tenant: Tenant) -> str:
    """The policy as an HTML fragment (no page chrome) for the brand's policy page."""
    return rendered_policy(tenant).html
