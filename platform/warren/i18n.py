"""Interface languages: which ones warren speaks, which one a visitor gets, and the
translations, dates and numbers in it.

English is the source language: the strings in templates and code are English, and each
other language has a catalog at ``locale/<code>/LC_MESSAGES/messages.po``. Catalogs are
compiled in memory the first time a language is used (no ``.mo`` files, no build step),
so a release is the ``.po`` text and nothing else. How to add a string or a language:
docs/translations.md.
"""

from __future__ import annotations

import functools
import gettext
import tomllib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import IO, Any, Final

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

# The languages warren has a complete interface for; a brand may offer any of them.
SUPPORTED: Final = ("en", "ru")
SOURCE_LANGUAGE: Final = "en"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DOMAIN: Final = "messages"
# The necessary cookie that remembers a visitor's choice (see privacy.cookie_catalogue).
COOKIE: Final = "warren_lang"
# Languages' own names, for the switcher: a reader looks for their language in itself.
NATIVE_NAMES: Final = {"en": "English", "ru": "Русский"}


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; it is translated where used."""
    return message


class CatalogError(Exception):
    """A catalog that cannot be read: named by file, so a broken release fails at start."""


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; English returns the source strings.

    Fuzzy entries are left out (they are unreviewed guesses), so an untranslated string
    shows in English rather than in a wrong translation.
    """
    if language not in SUPPORTED:
        raise CatalogError(f"{language!r} is not one of warren's languages: {SUPPORTED}")
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = catalog_path(language)
    try:
        with path.open("rb") as source:
            catalog = read_po(source, locale=language, domain=DOMAIN)
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{path}: cannot be read as a gettext catalog ({exc})") from exc
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def _accepted(header: str) -> list[str]:
    """Accept-Language ranges, most wanted first (q=0 means "not this one")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def from_accept_language(offered: Iterable[str], header: str | None) -> str | None:
    """The first offered language the browser asks for: "ru-RU" matches "ru"."""
    if not header:
        return None
    offered = tuple(offered)
    for tag in _accepted(header):
        for code in offered:
            if tag == code.lower() or tag.split("-")[0] == code.lower().split("-")[0]:
                return code
    return None


def negotiate(
    offered: tuple[str, ...],
    *,
    user_choice: str | None,
    cookie: str | None,
    accept_language: str | None,
) -> str:
    """The user's setting, then the cookie, then the browser's wish, then the brand's default
    (the first offered). A value the brand does not offer is skipped, never obeyed."""
    for choice in (user_choice, cookie):
        if choice in offered:
            assert choice is not None
            return choice
    return from_accept_language(offered, accept_language) or offered[0]


class Translator:
    """One language's gettext, ngettext and formats, for code that writes text (emails)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._translations = translations(language)
        self._locale = Locale.parse(language)

    def gettext(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, count)
        return text % {"num": count, **values}

    def date(self, value: date | datetime, format: str = "long") -> str:
        return format_date(value, format=format, locale=self._locale)

    def datetime(self, value: datetime, format: str = "medium") -> str:
        return format_datetime(value, format=format, tzinfo=None, locale=self._locale)

    def number(self, value: int | float | Decimal) -> str:
        return format_decimal(value, locale=self._locale)


@functools.cache
def translator(language: str) -> Translator:
    return Translator(language)


def extract_tenants(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """A Babel extractor for tenants.toml: the brand copy pages show (taglines, product
    titles and descriptions, assistant names and descriptions) goes into the catalogs
    like any template string, so a brand offering a language gets it translated (and the
    completeness test fails until it is). babel.cfg names it for tenants.toml."""
    data = tomllib.load(fileobj)
    for slug, brand in data.items():
        if slug == "defaults" or not isinstance(brand, dict):
            continue
        tagline = brand.get("theme", {}).get("tagline")
        if tagline:
            yield 0, None, tagline, [f"{slug}: tagline"]
        for key, product in brand.get("products", {}).items():
            for field in ("title", "description"):
                if product.get(field):
                    yield 0, None, product[field], [f"{slug}: products.{key}.{field}"]
        for key, assistant in brand.get("assistants", {}).items():
            for field in ("name", "description"):
                if assistant.get(field):
                    yield 0, None, assistant[field], [f"{slug}: assistants.{key}.{field}"]
