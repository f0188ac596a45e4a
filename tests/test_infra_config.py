"""All configuration comes from warren.settings: no other module reads the environment.

The one exception is handing the environment on to a child process
(``{**os.environ, ...}``), which reads nothing itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "platform" / "warren", ROOT / "workers", ROOT / "migrations"]
SETTINGS = ROOT / "platform" / "warren" / "settings.py"
# The provider settings move into settings.py with the provider work; until then its
# registry still reads its own variables.
_READERS = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(source: str) -> list[int]:
    """Line numbers where ``source`` touches os.environ/getenv, other than ``{**os.environ}``."""
    tree = ast.parse(source)
    passed_on = {
        id(item)
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key, item in zip(node.keys, node.values, strict=True)
        if key is None
    }
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            lines += [node.lineno for alias in node.names if alias.name in _READERS]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in _READERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and id(node) not in passed_on
        ):
            lines.append(node.lineno)
    return lines


def test_the_detector_sees_every_way_of_reading_the_environment() -> None:
    assert environment_reads("import os\nos.environ.get('X')") == [2]
    assert environment_reads("import os\nos.getenv('X')") == [2]
    assert environment_reads("import os\ndef f(e=os.environ): ...") == [2]
    assert environment_reads("from os import getenv") == [1]
    assert environment_reads("from os import environ as e") == [1]
    assert environment_reads("import os\nenv = {**os.environ, 'A': '1'}") == []
    assert environment_reads("import os\nos.open('x', os.O_RDONLY)") == []


def test_only_settings_reads_the_environment() -> None:
    found = []
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            if path == SETTINGS:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{line}"
                for line in environment_reads(path.read_text(encoding="utf-8"))
            ]
    assert found == [], "read these through warren.settings instead"


# The folder this machine keeps checkouts in, spelled so that this file does not name it.
WORKPLACE = "/" + "work/"


def test_tests_read_shared_files_relative_to_the_repository() -> None:
    # A checkout anywhere else (CI, another engineer's machine) must run the same suite.
    absolute = [
        path.name
        for path in sorted((ROOT / "tests").glob("*.py"))
        if path != Path(__file__) and f'"{WORKPLACE}' in path.read_text(encoding="utf-8")
    ]
    assert absolute == []


def test_provider_variables_reach_the_registry_through_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from warren.generation.providers.registry import load_providers
    from warren.settings import Settings

    monkeypatch.setenv("WARREN_PROVIDER_ACME_URL", "https://api.example.test/v1")
    monkeypatch.setenv("WARREN_PROVIDER_ACME_KEY", "sk-test")
    settings = Settings()
    assert "sk-test" not in repr(settings)
    variables = {k: v.get_secret_value() for k, v in settings.provider_variables.items()}
    assert variables["WARREN_PROVIDER_ACME_KEY"] == "sk-test"
    assert load_providers(variables).names() == {"demo", "acme"}
