"""Two interface languages on every brand: which one a visitor gets (the account's
setting, then the ``warren_lang`` cookie, then Accept-Language, then the brand's
default), the switcher, the emails in the account's language, and a Russian catalog
that covers every string the templates and the code mark for translation."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from inbox import mail_from, mail_to, text_of
from test_policy_alt_brand import ALT, build, structure_problems, variants

from warren.i18n import SUPPORTED, catalog_path, negotiate, translator
from warren.paths import POLICIES_DIR
from warren.privacy.cookie_catalogue import cookies_for
from warren.privacy.policy import (
    POLICY_LANGUAGES,
    calendar_days_ru,
    duration_ru,
    policy_version,
    quantity_ru,
    render_policy_markdown,
    rendered_policy,
    window_ru,
)
from warren.runtime import Runtime
from warren.settings import Settings
from warren.tenancy.registry import TenantConfigError, load_registry
from warren.tenancy.tenant import Tenant

from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
RU_HOME = "Главная"


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match, html[:200]
    return match.group(1)


def switch(client: BrandClient, language: str, next_path: str = "/") -> Any:
    return client.post_form("/language", {"language": language, "next": next_path}, "/")


# --- negotiation -------------------------------------------------------------------------


def test_negotiation_order_and_refusals() -> None:
    offered = ("en", "ru")
    assert negotiate(offered, user_choice=None, cookie=None, accept_language=None) == "en"
    assert (
        negotiate(offered, user_choice=None, cookie=None, accept_language="ru-RU,ru;q=0.9") == "ru"
    )
    assert negotiate(offered, user_choice=None, cookie=None, accept_language="de, ru;q=0.5") == "ru"
    assert negotiate(offered, user_choice=None, cookie=None, accept_language="ru;q=0, en") == "en"
    assert negotiate(offered, user_choice=None, cookie="en", accept_language="ru") == "en"
    assert negotiate(offered, user_choice="ru", cookie="en", accept_language="en") == "ru"
    # A value the brand does not offer is ignored, wherever it comes from.
    assert negotiate(offered, user_choice="de", cookie="xx", accept_language="fr") == "en"
    assert negotiate(("ru", "en"), user_choice=None, cookie=None, accept_language=None) == "ru"


# --- pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["vizardio", "songly", "homiwork"])
def test_accept_language_ru_gives_a_russian_page(brand: Any, slug: str) -> None:
    client = brand(slug)
    english = client.get("/")
    assert html_lang(english.text) == "en"
    assert ">Home<" in english.text
    russian = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert html_lang(russian.text) == "ru"
    assert RU_HOME in russian.text
    assert ">Home<" not in russian.text


def test_the_cookie_overrides_the_header_and_stays_on_its_brand(brand: Any) -> None:
    vizardio, songly = brand("vizardio"), brand("songly")
    answer = switch(vizardio, "ru", "/privacy")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/privacy"
    assert "warren_lang=ru" in answer.headers["set-cookie"]
    page = vizardio.get("/", headers={"Accept-Language": "en"})
    assert html_lang(page.text) == "ru"
    switch(vizardio, "en")
    assert html_lang(vizardio.get("/", headers={"Accept-Language": "ru"}).text) == "en"
    # The other brand never saw the choice.
    assert html_lang(songly.get("/").text) == "en"
    # A cookie naming a language the brand does not offer is ignored.
    songly.cookies.set("warren_lang", "de", domain="songly.localhost")
    assert html_lang(songly.get("/", headers={"Accept-Language": "ru"}).text) == "ru"


def test_an_unknown_language_is_refused_with_a_400(brand: Any) -> None:
    client = brand("homiwork")
    answer = switch(client, "de")
    assert answer.status_code == 400
    assert "Homiwork is offered in: en, ru." in answer.text
    assert "warren_lang" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switcher_only_sends_back_to_local_paths(brand: Any, target: str) -> None:
    client = brand("songly")
    answer = switch(client, "ru", target)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_the_switcher_needs_the_csrf_token(brand: Any) -> None:
    client = brand("songly")
    client.get("/")
    answer = client.post("/language", data={"language": "ru", "next": "/"})
    assert answer.status_code == 403
    assert html_lang(client.get("/").text) == "en"


def test_a_signed_in_users_choice_overrides_the_cookie_and_follows_them(
    brand: Any, runtime: Runtime
) -> None:
    first = brand("vizardio")
    assert sign_up_and_sign_in(first, "lang@example.com", "lang_user").status_code == 303
    assert switch(first, "ru", "/account").headers["location"] == "/account"
    # Another browser, whose cookie says English, signs in: the account's choice wins.
    second = brand("vizardio")
    second.cookies.set("warren_lang", "en", domain="vizardio.localhost")
    signed_in = second.post_form(
        "/sign-in", {"login": "lang_user", "password": "correct horse battery"}
    )
    assert signed_in.status_code == 303
    assert html_lang(second.get("/account").text) == "ru"
    # The same address on another brand is another account, still in the default.
    songly = brand("songly")
    assert sign_up_and_sign_in(songly, "lang@example.com", "lang_user").status_code == 303
    assert html_lang(songly.get("/account").text) == "en"
    # Choosing English on the account page is the same setting.
    switch(second, "en", "/account")
    assert html_lang(first.get("/account").text) == "en"


def test_a_one_language_brand_lists_no_language_cookie(runtime: Runtime) -> None:
    vizardio = runtime.registry.get("vizardio")
    assert "warren_lang" in {entry.name for entry in cookies_for(vizardio)}
    english_only = vizardio.model_copy(update={"languages": ("en",)})
    assert "warren_lang" not in {entry.name for entry in cookies_for(english_only)}


# --- configuration ------------------------------------------------------------------------


def test_an_unknown_language_in_the_registry_is_named(tmp_path: Path) -> None:
    import tomli_w

    data = tomllib.loads((ROOT / "tenants.toml").read_text())
    data["songly"]["languages"] = ["en", "xx"]
    path = tmp_path / "tenants.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    with pytest.raises(TenantConfigError) as info:
        load_registry(path)
    found = "\n".join(info.value.problems)
    assert str(path) in found
    assert "tenant 'songly': key 'languages'" in found
    assert "'xx' has no translation in warren; it speaks en, ru" in found


def test_every_shipped_brand_offers_english_and_russian() -> None:
    for tenant in load_registry(ROOT / "tenants.toml"):
        assert set(tenant.languages) == set(SUPPORTED), tenant.slug


# --- the catalog ---------------------------------------------------------------------------

_METHODS = [
    ("platform/warren/**.py", "python"),
    ("platform/warren/web/templates/**.html", "jinja2"),
    ("tenants.toml", "warren.i18n:extract_tenants"),
    # The brands' own hero and home pages.
    ("tenants/**/templates/**.html", "jinja2"),
]
_JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
_OPTIONS = {
    "platform/warren/web/templates/**.html": _JINJA,
    "tenants/**/templates/**.html": _JINJA,
}


def extracted() -> dict[str, str]:
    """Every msgid the templates and the code mark, and the brand copy of tenants.toml,
    with where it is."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), _METHODS, _OPTIONS
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.mark.parametrize("language", [code for code in SUPPORTED if code != "en"])
def test_every_marked_string_has_a_translation(language: str) -> None:
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    translated = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
        and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }
    marked = extracted()
    assert len(marked) > 300
    untranslated = {msgid: where for msgid, where in marked.items() if msgid not in translated}
    assert untranslated == {}, "run the extraction in docs/translations.md and translate these"


@pytest.mark.parametrize("language", [code for code in SUPPORTED if code != "en"])
def test_translations_keep_their_placeholders(language: str) -> None:
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    placeholder = re.compile(r"%\(\w+\)s|<[^>]+>")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1])) - {"%(num)s"}
        for string in strings:
            assert wanted <= set(placeholder.findall(string)), (message.id, string)


@pytest.mark.parametrize(
    ("count", "word"), [(1, "балл"), (2, "балла"), (5, "баллов"), (11, "баллов"), (21, "балл")]
)
def test_russian_plural_forms(count: int, word: str) -> None:
    text = translator("ru").ngettext("%(num)s energy point", "%(num)s energy points", count)
    assert text == f"{count} {word} энергии"


@pytest.mark.parametrize(
    ("count", "word"), [(1, "день"), (2, "дня"), (5, "дней"), (21, "день"), (22, "дня")]
)
def test_russian_plural_forms_of_days(count: int, word: str) -> None:
    assert translator("ru").ngettext("%(num)s day", "%(num)s days", count) == f"{count} {word}"


def test_english_plurals_and_locale_formats() -> None:
    english, russian = translator("en"), translator("ru")
    assert english.ngettext("%(num)s energy point", "%(num)s energy points", 1) == "1 energy point"
    assert (
        english.ngettext("%(num)s energy point", "%(num)s energy points", 21) == "21 energy points"
    )
    from datetime import date

    assert english.date(date(2026, 3, 12)) == "March 12, 2026"
    assert russian.date(date(2026, 3, 12)) == "12 марта 2026\u202fг."
    assert english.number(1234567) == "1,234,567"
    assert russian.number(1234567) == "1\xa0234\xa0567"


# --- emails ------------------------------------------------------------------------------


def test_emails_go_out_in_the_accounts_language(
    brand: Any, drain: Callable[[], None], settings: Settings
) -> None:
    address = "mail-lang@example.com"
    # Signed up from a Russian browser: the welcome email (sent by a worker) is Russian.
    vizardio = brand("vizardio")
    vizardio.headers["Accept-Language"] = "ru"
    assert sign_up_and_sign_in(vizardio, address, "mail_lang").status_code == 303
    songly = brand("songly")
    assert sign_up_and_sign_in(songly, address, "mail_lang").status_code == 303
    drain()
    viz_welcome = mail_from(settings, address, "vizardio.com")
    assert viz_welcome["Subject"] == "Добро пожаловать в Vizardio"
    assert "Здравствуйте, mail_lang!" in text_of(viz_welcome)
    assert "/verify-email?token=" in text_of(viz_welcome)
    songly_welcome = mail_from(settings, address, "songly.gift")
    assert songly_welcome["Subject"] == "Welcome to Songly"

    # Choosing Russian on songly is the account's setting: a reset asked for from an
    # English browser, signed out, still arrives in Russian.
    switch(songly, "ru", "/account")
    stranger = brand("songly")
    stranger.headers["Accept-Language"] = "en"
    assert stranger.post_form("/password-reset", {"email": address}).status_code == 303
    drain()
    reset = [m for m in mail_to(settings, address) if "songly.gift" in m["From"]][-1]
    assert reset["Subject"] == "Установка нового пароля для Songly"
    assert "/password-reset/" in text_of(reset) or "token=" in text_of(reset)

    # The account is gone before its last email goes: the language travels in the job.
    deleted = vizardio.post_form(
        "/account/delete",
        {"current": "correct horse battery", "code": "", "confirm": "yes"},
        form_page="/account/delete",
    )
    assert deleted.status_code in (200, 303), deleted.text
    drain()
    goodbye = [m for m in mail_to(settings, address) if "vizardio.com" in m["From"]][-1]
    assert goodbye["Subject"] == "Ваш аккаунт Vizardio удалён"
    assert "Что остаётся:" in text_of(goodbye)


# --- the privacy policy in Russian ---------------------------------------------------------

_NUMBER = re.compile(r"\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w.-]+\w")


def config_facts(markdown: str) -> Counter[str]:
    """What config puts into a policy whatever its language — numbers, email addresses —
    counted, so a number that also appears elsewhere cannot stand in for a dropped one."""
    return Counter(_NUMBER.findall(markdown)) + Counter(_EMAIL.findall(markdown))


def assert_same_policy_facts(tenant: Tenant) -> None:
    english, russian = rendered_policy(tenant, "en"), rendered_policy(tenant, "ru")
    missing = config_facts(english.markdown) - config_facts(russian.markdown)
    assert not missing, f"{tenant.slug}: the Russian policy lacks {sorted(missing)}"
    assert tenant.domain in russian.markdown
    assert tenant.operator.address in russian.markdown
    assert tenant.operator.registration_number in russian.markdown
    # One version (the English text's hash), the same sections, the same anchors.
    assert russian.version == english.version == policy_version(tenant)
    assert [s.anchor for s in russian.sections] == [s.anchor for s in english.sections]
    assert russian.markdown.startswith("# Политика конфиденциальности")


@pytest.mark.parametrize("slug", ["vizardio", "songly", "homiwork"])
def test_every_config_number_and_address_of_the_english_policy_is_in_the_russian_one(
    runtime: Runtime, slug: str
) -> None:
    assert_same_policy_facts(runtime.registry.get(slug))


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=variants())
def test_the_russian_policy_follows_every_switch_as_the_english_one_does(
    v: dict[str, Any],
) -> None:
    tenant = build(load_registry(ALT).get("tidepool"), v).model_copy(
        update={"languages": ("en", "ru")}
    )
    assert_same_policy_facts(tenant)
    assert structure_problems(render_policy_markdown(tenant, "ru")) == []


def test_every_clause_has_its_russian_translation() -> None:
    english = {p.relative_to(POLICIES_DIR) for p in POLICIES_DIR.glob("*/*.md.j2")}
    english = {p for p in english if p.parts[0] not in POLICY_LANGUAGES}
    russian = {p.relative_to(POLICIES_DIR / "ru") for p in (POLICIES_DIR / "ru").glob("*/*.md.j2")}
    assert english == russian


def test_every_cookie_has_a_russian_purpose(runtime: Runtime) -> None:
    for tenant in runtime.registry:
        text = render_policy_markdown(tenant, "ru")
        for entry in cookies_for(tenant):
            assert entry.purpose not in text, entry.name


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "1 (один) год"),
        (2, "2 (два) года"),
        (5, "5 (пять) лет"),
        (11, "11 (одиннадцать) лет"),
        (21, "21 (двадцать один) год"),
        (365, "365 (триста шестьдесят пять) лет"),
        (1001, "1001 (одна тысяча один) год"),
        (2024, "2024 (две тысячи двадцать четыре) года"),
    ],
)
def test_russian_quantities_agree_with_their_number(number: int, words: str) -> None:
    assert quantity_ru(number, "year") == words


def test_russian_policy_durations() -> None:
    assert calendar_days_ru(30) == "30 (тридцать) календарных дней"
    assert calendar_days_ru(21) == "21 (двадцать один) календарный день"
    assert duration_ru(365) == "1 (один) год"
    assert duration_ru(90) == "3 (три) месяца"
    assert window_ru(60, 120) == "2–4 месяца"
    assert window_ru(60, 180) == "2–6 месяцев"


@pytest.mark.parametrize("slug", ["vizardio", "homiwork"])
def test_the_policy_pages_follow_the_visitors_language(brand: Any, slug: str) -> None:
    client = brand(slug)
    english = client.get("/privacy")
    russian = client.get("/privacy", headers={"Accept-Language": "ru"})
    assert "Privacy Policy" in english.text
    assert 'id="policy-translation"' not in english.text
    assert "Политика конфиденциальности" in russian.text
    assert 'id="policy-translation"' in russian.text
    version = re.search(r"\(version ([^)]+)\)", english.text)
    assert version
    assert f"(версия {version.group(1)})" in russian.text
    markdown = client.get("/privacy.md", headers={"Accept-Language": "ru"})
    assert markdown.headers["content-language"] == "ru"
    assert markdown.text.startswith("# Политика конфиденциальности")
    assert f"{slug}-privacy-policy.ru.md" in markdown.headers["content-disposition"]
    # Signing up from the Russian page accepts the same (English) version.
    page = client.get("/sign-up", headers={"Accept-Language": "ru"})
    assert f'name="policy_version" value="{version.group(1)}"' in page.text


def test_messages_made_in_code_are_shown_in_the_visitors_language(brand: Any) -> None:
    client = brand("songly")
    client.headers["Accept-Language"] = "ru"
    wrong = client.post_form("/sign-in", {"login": "nobody", "password": "not the password"})
    assert wrong.status_code in (400, 401)
    assert "Неверный адрес электронной почты, имя пользователя или пароль." in wrong.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Страница не найдена" in missing.text
    assert "Здесь ничего нет." in missing.text
    # A message with a value filled in by code is shown as written, and escaped.
    refused = client.post_form("/language", {"language": "<b>x</b>", "next": "/"}, "/")
    assert refused.status_code == 400
    assert "<b>x</b>" not in refused.text


def test_brand_copy_from_the_registry_is_shown_in_the_visitors_language(brand: Any) -> None:
    client = brand("songly")
    russian = client.get("/", headers={"Accept-Language": "ru"}).text
    assert "Песня в подарок" in russian
    assert "Gift song" not in russian
    assert "Gift song" in client.get("/").text


def test_requests_the_framework_refuses_are_answered_in_the_users_language(brand: Any) -> None:
    client = brand("songly")
    assert sign_up_and_sign_in(client, "unreadable@example.com", "unreadable").status_code == 303
    broken = client.post(
        "/uploads",
        content=b'--edge\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end',
        headers={
            "Content-Type": "multipart/form-data; boundary=edge",
            "X-CSRF-Token": client.csrf("/account"),
            "Accept-Language": "ru",
        },
    )
    assert broken.status_code == 400
    assert "Не удалось прочитать запрос" in broken.text
    # Litestar's own detail names its internals, in English.
    assert "multipart" not in broken.text.lower()
