"""Adding a brand: its ``tenants.toml`` entry and ``tenants/<slug>/`` folder, made from
the template folder ``tenants/_template/`` (which no tenant can be named after: a slug
starts with a letter)."""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from string import Template

from warren.tenancy.registry import DEFAULTS, TenantConfigError, load_registry, parse_registry
from warren.tenancy.tenant import SLUG_PATTERN

TEMPLATE_FOLDER = "_template"
ENTRY = "tenant.toml"
# Files of the template copied into the brand's folder, placeholders filled in.
FILES = ("templates/hero.html", "static/logo.svg", "static/theme.css")
_PLACEHOLDER = re.compile(r"FILL IN: [^\"\n]*")


@dataclass(frozen=True)
class NewBrand:
    slug: str
    domain: str
    support_email: str
    name: str


@dataclass(frozen=True)
class Scaffolded:
    folder: Path
    files: tuple[Path, ...]
    to_fill_in: tuple[str, ...]


def add_brand(tenants_file: Path, tenants_dir: Path, brand: NewBrand, today: date) -> Scaffolded:
    """Append the brand to ``tenants_file`` and create its folder; raises
    TenantConfigError naming the file, tenant and key when the brand would not be valid
    or collides with one there, in which case nothing is written."""
    registry = load_registry(tenants_file)
    problems = []
    if not re.match(SLUG_PATTERN, brand.slug):
        problems.append(f"{tenants_file}: tenant {brand.slug!r}: slug must match {SLUG_PATTERN}")
    if brand.slug == DEFAULTS:
        problems.append(
            f"{tenants_file}: tenant {brand.slug!r}: [{DEFAULTS}] is reserved for what brands share"
        )
    if brand.slug in registry.tenants:
        problems.append(f"{tenants_file}: tenant {brand.slug!r}: already exists")
    owner = registry.by_host.get(brand.domain.lower())
    if owner is not None:
        problems.append(
            f"{tenants_file}: tenant {brand.slug!r}: key 'domain': {brand.domain!r} "
            f"is already claimed by tenant {owner.slug!r}"
        )
    folder = tenants_dir / brand.slug
    if folder.exists():
        problems.append(f"{folder}: already exists")
    if problems:
        raise TenantConfigError(tenants_file, problems)

    template = tenants_dir / TEMPLATE_FOLDER
    values = {
        "slug": brand.slug,
        "name": brand.name,
        "domain": brand.domain,
        "support_email": brand.support_email,
        "today": today.isoformat(),
    }
    try:
        entry = Template((template / ENTRY).read_text(encoding="utf-8")).substitute(values)
    except FileNotFoundError:
        raise TenantConfigError(
            tenants_file, [f"{template / ENTRY}: the brand template is missing"]
        ) from None
    current = tenants_file.read_text(encoding="utf-8")
    # Validated together with the brands already there before anything is written.
    try:
        parse_registry(tomllib.loads(current + "\n" + entry), tenants_file)
    except tomllib.TOMLDecodeError as exc:
        raise TenantConfigError(
            tenants_file,
            [f"{tenants_file}: tenant {brand.slug!r}: the options do not make valid TOML ({exc})"],
        ) from None

    written = []
    for name in FILES:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = template / name
        target.write_text(
            Template(source.read_text(encoding="utf-8")).safe_substitute(values), encoding="utf-8"
        )
        shutil.copymode(source, target)
        written.append(target)
    with tenants_file.open("a", encoding="utf-8") as f:
        f.write(("" if current.endswith("\n") else "\n") + entry)
    return Scaffolded(folder, tuple(written), tuple(_PLACEHOLDER.findall(entry)))
