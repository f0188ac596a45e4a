"""platform/ is a source root, never a package: `import platform` must stay the stdlib."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_dir_has_no_init() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_import_platform_from_repo_root_is_the_standard_library() -> None:
    # "" first on sys.path, as for `python -c` run in the checkout.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform, uuid; print(platform.__file__); print(platform.system())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert Path(out[0]).parent == Path(sysconfig.get_paths()["stdlib"])
    assert out[1] == "Linux" or out[1]
