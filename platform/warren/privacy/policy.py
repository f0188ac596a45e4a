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

from babel.dates import format_date
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


_RU_ONES: Final = (
    "ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять",
    "десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
    "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать",
)  # fmt: skip
_RU_TENS: Final = (
    "", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
    "восемьдесят", "девяносто",
)  # fmt: skip
_RU_HUNDREDS: Final = (
    "", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
    "восемьсот", "девятьсот",
)  # fmt: skip
# The units the Russian clauses count in, by their English name: the three plural forms
# (1, 21 …; 2–4, 22–24 …; 5–20, 25 …).
_RU_UNITS: Final = {
    "day": ("день", "дня", "дней"),
    "calendar day": ("календарный день", "календарных дня", "календарных дней"),
    "month": ("месяц", "месяца", "месяцев"),
    "further month": ("дополнительный месяц", "дополнительных месяца", "дополнительных месяцев"),
    "year": ("год", "года", "лет"),
    "message": ("сообщение", "сообщения", "сообщений"),
}


def russian_plural(number: int) -> int:
    """Which of the three Russian plural forms ``number`` takes."""
    if number % 10 == 1 and number % 100 != 11:
        return 0
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return 1
    return 2


def _ru_below_thousand(number: int, feminine: bool) -> list[str]:
    hundreds, rest = divmod(number, 100)
    words = [_RU_HUNDREDS[hundreds]] if hundreds else []
    if rest >= 20:
        tens, rest = divmod(rest, 10)
        words.append(_RU_TENS[tens])
    if rest:
        word = _RU_ONES[rest]
        if feminine and rest in (1, 2):
            word = "одна" if rest == 1 else "две"
        words.append(word)
    return words


def number_words_ru(number: int) -> str:
    """``45`` -> ``"сорок пять"`` (nominative, masculine: every unit counted is)."""
    if number < 0:
        raise ValueError(f"no words for a negative number: {number}")
    if number == 0:
        return _RU_ONES[0]
    millions, rest = divmod(number, 1_000_000)
    thousands, rest = divmod(rest, 1000)
    words: list[str] = []
    if millions:
        words += _ru_below_thousand(millions, False)
        words.append(("миллион", "миллиона", "миллионов")[russian_plural(millions)])
    if thousands:
        words += _ru_below_thousand(thousands, True)
        words.append(("тысяча", "тысячи", "тысяч")[russian_plural(thousands)])
    words += _ru_below_thousand(rest, False)
    return " ".join(words)


def spelled_ru(number: int) -> str:
    return f"{number} ({number_words_ru(number)})"


def quantity_ru(number: int, unit: str) -> str:
    return f"{spelled_ru(number)} {_RU_UNITS[unit][russian_plural(number)]}"


def calendar_days_ru(days: int) -> str:
    return quantity_ru(days, "calendar day")


def duration_ru(days: int) -> str:
    if days % _DAYS_PER_YEAR == 0:
        return quantity_ru(days // _DAYS_PER_YEAR, "year")
    if days % _DAYS_PER_MONTH == 0:
        return quantity_ru(days // _DAYS_PER_MONTH, "month")
    return quantity_ru(days, "day")


def window_ru(first_day: int, last_day: int) -> str:
    if first_day == last_day:
        return duration_ru(first_day)
    for size, unit in ((_DAYS_PER_YEAR, "year"), (_DAYS_PER_MONTH, "month")):
        if first_day % size == 0 and last_day % size == 0:
            high = last_day // size
            return f"{first_day // size}–{high} {_RU_UNITS[unit][russian_plural(high)]}"
    return f"{first_day}–{last_day} {_RU_UNITS['day'][russian_plural(last_day)]}"


class Counter:
    """Numbers the clauses of a section whose optional clauses come and go with config:
    ``{% set k = counter() %}{{ n }}.{{ k.next() }}.`` never leaves a gap."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


# The languages the policy is written in: English is the text users accept (its hash is
# the version); each other one is a translation of every clause, in policies/<code>/.
POLICY_LANGUAGES: Final = ("en", "ru")


def _make_environment(language: str = "en") -> Environment:
    root = POLICIES_DIR if language == "en" else POLICIES_DIR / language
    environment = Environment(
        loader=FileSystemLoader(root),
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
    if language == "ru":
        environment.filters.update(
            spelled=spelled_ru,
            quantity=quantity_ru,
            calendar_days=calendar_days_ru,
            duration=duration_ru,
            window=window_ru,
            # "30 дней": a count in digits with its unit agreeing, as "30 days" in English.
            counted=lambda number, unit: f"{number} {_RU_UNITS[unit][russian_plural(number)]}",
            long_date=lambda day: format_date(day, format="long", locale="ru"),
        )
    environment.globals.update(counter=Counter)
    return environment


# Built once per process. Templates are compiled once and not re-checked on disk (no
# auto_reload): policy clauses change with a release, and a restart picks them up.
_ENVIRONMENTS: Final = {language: _make_environment(language) for language in POLICY_LANGUAGES}
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
_cache: OrderedDict[tuple[int, str], tuple[Tenant, RenderedPolicy]] = OrderedDict()
_cache_lock = threading.Lock()


def policy_language(tenant: Tenant, language: str | None) -> str:
    """The language the policy is shown in: the visitor's, where it is written in it."""
    return language if language in POLICY_LANGUAGES and language in tenant.languages else "en"


def rendered_policy(tenant: Tenant, language: str = "en") -> RenderedPolicy:
    """The policy in ``language`` (English where it has no translation). Its version is
    always the English text's: consent records name the version, whatever the language
    the policy was read in."""
    language = policy_language(tenant, language)
    key = (id(tenant), language)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is tenant:
            _cache.move_to_end(key)
            return hit[1]
    policy = _render(tenant, language)
    with _cache_lock:
        _cache[key] = (tenant, policy)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return policy


def _render(tenant: Tenant, language: str) -> RenderedPolicy:
    english = None if language == "en" else rendered_policy(tenant, "en")
    template = _ENVIRONMENTS[language].get_template(f"{tenant.policy.template}/policy.md.j2")
    text = template.render(tenant=tenant, operator=tenant.operator, cookies=cookies_for(tenant))
    # Conditional clauses leave blank lines and trailing spaces behind; normalising them
    # keeps the templates readable and the version hash independent of their layout.
    lines = [line.rstrip() for line in text.splitlines()]
    markdown = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip() + "\n"
    if english is not None:
        # A translation shares the English version and section anchors (links to a
        # section work in every language).
        html, sections = _html_with_anchors(markdown, [s.anchor for s in english.sections])
        return RenderedPolicy(
            markdown=markdown, html=html, version=english.version, sections=sections
        )
    digest = hashlib.sha256(markdown.encode("utf-8")).hexdigest()
    html, sections = _html_with_anchors(markdown)
    return RenderedPolicy(
        markdown=markdown,
        html=html,
        version=f"{tenant.policy.last_updated}.{digest[:12]}",
        sections=sections,
    )


def _html_with_anchors(
    markdown: str, anchors: list[str] | None = None
) -> tuple[str, tuple[Section, ...]]:
    tokens = _MARKDOWN.parse(markdown)
    sections: list[Section] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            title = tokens[index + 1].content
            if anchors is not None and len(sections) < len(anchors):
                anchor = anchors[len(sections)]
            else:
                anchor = _ANCHOR_UNSAFE.sub("-", title.lower()).strip("-") or f"section-{index}"
            token.attrSet("id", anchor)
            sections.append(Section(anchor=anchor, title=title))
    # markdown-it-py types render() as returning Any; the HTML renderer returns str.
    html: str = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return html, tuple(sections)


def markdown_to_html(markdown: str) -> tuple[str, tuple[Section, ...]]:
    """A stored policy text (a published version's) as the policy page shows it."""
    return _html_with_anchors(markdown)


def render_policy_markdown(tenant: Tenant, language: str = "en") -> str:
    """The tenant's privacy policy as Markdown, from ``policies/<template>/policy.md.j2``
    (``policies/<language>/<template>/policy.md.j2`` for a translation)."""
    return rendered_policy(tenant, language).markdown


def policy_version(tenant: Tenant) -> str:
    """``"<last_updated>.<12 hex digits>"``: changes whenever the rendered text changes.

    Consent records and "the policy has changed" notices key on this, so a config change
    that alters the text can never pass as the version users already accepted.
    """
    return rendered_policy(tenant).version


def render_policy_html(tenant: Tenant, language: str = "en") -> str:
    """The policy as an HTML fragment (no page chrome) for the brand's policy page."""
    return rendered_policy(tenant, language).html
