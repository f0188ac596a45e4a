"""The `warren` command: serve, worker, scheduler, migrate, tenants, points, prime, jobs,
uploads, retention, holds, accounts, requests, backup, admins; a module per command or group, each
importing its heavy parts only when run."""

from __future__ import annotations

import click

from warren.cli.accounts import accounts
from warren.cli.admins import admins
from warren.cli.backup import backup
from warren.cli.holds import holds
from warren.cli.jobs import jobs
from warren.cli.migrate import migrate
from warren.cli.moderation import moderation
from warren.cli.payments import payments
from warren.cli.points import points
from warren.cli.prime import prime
from warren.cli.requests import requests
from warren.cli.retention import retention
from warren.cli.scheduler import scheduler
from warren.cli.serve import serve
from warren.cli.tenants import tenants
from warren.cli.uploads import uploads
from warren.cli.worker import worker


@click.group()
def main() -> None:
    """warren: the brand sites, their workers and their tenants."""


for command in (serve, worker, scheduler, migrate, tenants, points, prime, jobs, uploads, payments):
    main.add_command(command)
for command in (retention, holds, accounts, requests, backup, admins, moderation):
    main.add_command(command)
