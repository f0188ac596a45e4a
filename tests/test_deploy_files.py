"""The deployment files, checked without Docker: compose.yaml names the topology of
docs/deploy.md, every warren service runs a real `warren` command with options it
accepts, every WARREN_ variable it sets is a setting warren reads, the proxy is the only
trusted one and reaches every web process; the Containerfile builds what it copies."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from warren.cli import main
from warren.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def warren_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith("warren:")
    }


def parse_command(args: list[str]) -> click.Command:
    """The `warren` command ``args`` name, parsed as click would (raises on anything
    unknown or malformed)."""
    command: click.Command = main
    ctx = click.Context(main, info_name="warren")
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest, f"{args}: names a group, not a command"
        found = command.get_command(ctx, rest[0])
        assert found is not None, f"warren has no command {rest[0]!r}"
        ctx = click.Context(found, info_name=rest[0], parent=ctx)
        command, rest = found, rest[1:]
    command.make_context(ctx.info_name, rest, parent=ctx.parent)
    return command


def test_the_topology() -> None:
    services = compose()["services"]
    for part in ("postgres", "rabbitmq", "minio", "proxy", "migrate", "scheduler"):
        assert part in services
    web = [n for n, s in warren_services().items() if s["command"][:1] == ["serve"]]
    assert len(web) == 2
    assert all("--no-worker" in warren_services()[n]["command"] for n in web)
    workers = [s for s in warren_services().values() if s["command"][:1] == ["worker"]]
    assert sum(s.get("deploy", {}).get("replicas", 1) for s in workers) == 2
    schedulers = [s for s in warren_services().values() if s["command"][:1] == ["scheduler"]]
    assert [s.get("deploy", {}).get("replicas", 1) for s in schedulers] == [1]


@pytest.mark.parametrize("name", sorted(warren_services()))
def test_every_service_runs_a_real_warren_command(name: str) -> None:
    command = warren_services()[name]["command"]
    assert parse_command(command).name == command[0]


def test_a_made_up_command_or_option_is_caught() -> None:
    with pytest.raises(AssertionError):
        parse_command(["serv"])
    with pytest.raises(click.UsageError):
        parse_command(["serve", "--no-workers"])


def test_every_warren_variable_is_a_setting() -> None:
    fields = set(Settings.model_fields)
    for name, service in warren_services().items():
        for variable in service["environment"]:
            if variable == "DATABASE_URL":
                continue
            assert variable.startswith("WARREN_"), (name, variable)
            assert variable.removeprefix("WARREN_").lower() in fields, (name, variable)


def test_only_the_proxy_is_trusted_and_it_reaches_every_web_process() -> None:
    loaded = compose()
    proxy_address = ipaddress.ip_address(
        loaded["services"]["proxy"]["networks"]["warren"]["ipv4_address"]
    )
    subnet = ipaddress.ip_network(loaded["networks"]["warren"]["ipam"]["config"][0]["subnet"])
    assert proxy_address in subnet
    for service in warren_services().values():
        trusted = Settings(
            trusted_proxies=service["environment"]["WARREN_TRUSTED_PROXIES"]  # type: ignore[arg-type]
        ).trusted_proxies
        assert trusted == (ipaddress.ip_network(f"{proxy_address}/32"),)
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    web = [n for n, s in warren_services().items() if s["command"][:1] == ["serve"]]
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile)
    assert upstreams
    assert sorted(upstreams.group(1).split()) == sorted(f"{n}:8000" for n in web)
    assert "X-Forwarded-For" in caddyfile
    assert "X-Forwarded-Proto" in caddyfile


def test_the_containerfile() -> None:
    text = (ROOT / "Containerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert "pip install -c constraints.txt ." in text
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users
    assert users[-1] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["warren"\]$', text, re.M)
    for source in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for part in source.split():
            assert (ROOT / part).exists(), f"Containerfile copies {part}, which is missing"
