"""`warren moderation`: the tenant's evidence signing key, and checking an evidence ZIP."""

from __future__ import annotations

from pathlib import Path

import click

from warren.cli.common import check_registry
from warren.settings import get_settings


@click.group()
def moderation() -> None:
    """Moderation evidence: the signing key, and verifying exported ZIPs."""


@moderation.command("evidence-key")
@click.argument("tenant")
def evidence_key(tenant: str) -> None:
    """Print TENANT's Ed25519 public key (hex) that signs its evidence exports. Give it to
    a recipient separately from the ZIP, so a forged ZIP cannot bring its own key."""
    from warren.moderation.evidence import public_key_hex
    from warren.tenancy.registry import load_registry
    from warren.tenancy.secrets import Keyring, load_or_create_secret

    settings = get_settings()
    check_registry(settings.tenants_file)
    registry = load_registry(settings.tenants_file)
    if tenant not in {t.slug for t in registry}:
        raise click.UsageError(f"no tenant {tenant!r}")
    keyring = Keyring(
        load_or_create_secret(settings.secret, settings.data_dir),
        {
            slug: value.get_secret_value().encode()
            for slug, value in settings.tenant_secrets.items()
        },
    )
    click.echo(public_key_hex(keyring.for_tenant(tenant)))


@moderation.command("verify-evidence")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    default=None,
    help="The tenant's evidence key (hex), as received separately; strongly recommended.",
)
def verify_evidence_command(file: Path, public_key: str | None) -> None:
    """Check FILE's signed manifest and every file's SHA-256; exit 1 if anything is off."""
    from warren.moderation.evidence import verify_evidence

    verdict = verify_evidence(file, public_key)
    for problem in verdict.problems:
        click.echo(f"FAILED: {problem}", err=True)
    if not verdict.ok:
        raise SystemExit(1)
    click.echo(f"OK: {verdict.files} files match the manifest signed by {verdict.public_key}")
    if public_key is None:
        click.echo(
            "warning: no --public-key given; the signature was checked against the key the "
            "ZIP names itself. Compare it with the tenant's key.",
            err=True,
        )
