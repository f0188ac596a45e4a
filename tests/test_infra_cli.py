"""The `warren` command and its groups answer --help, as `warren` and as `python -m warren.cli`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from warren.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "serve": "Run the whole product",
    "worker": "Run Dramatiq workers",
    "scheduler": "periodic housekeeping",
    "migrate": "Apply database migrations",
    "tenants": "check",
    "points": "grant",
    "prime": "grant",
    "jobs": "recover",
    "uploads": "purge",
    "payments": "reconcile",
    "retention": "history",
    "holds": "place",
    "accounts": "erase",
    "requests": "list",
    "backup": "restore",
    "admins": "audit",
    "moderation": "verify-evidence",
}


def test_python_dash_m_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "warren.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line}
    assert listed == set(COMMANDS)


@pytest.mark.parametrize(("command", "expected"), COMMANDS.items())
def test_each_command_has_help(command: str, expected: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"], prog_name="warren")
    assert result.exit_code == 0, result.output
    assert f"Usage: warren {command}" in result.output
    assert expected in result.output
