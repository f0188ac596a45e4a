"""`warren serve` without --workers: one web process per core once sharing is safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from warren.cli.serve import default_web_processes
from warren.settings import Settings


def test_one_process_per_core_when_limits_and_metrics_are_shared(
    settings: Settings, tmp_path: Path
) -> None:
    shared = settings.model_copy(
        update={
            "rate_limit_storage": "redis://127.0.0.1:6379/0",
            "prometheus_multiproc_dir": tmp_path,
        }
    )
    assert default_web_processes(shared, 4) == (4, None)
    assert default_web_processes(shared, 0) == (1, None)


@pytest.mark.parametrize(
    ("storage", "metrics_shared", "named"),
    [
        # Rate limits counted per process, though metrics are shared.
        ("memory://", True, "WARREN_RATE_LIMIT_STORAGE"),
        # Rate limits shared, metrics per process.
        ("redis://127.0.0.1:6379/0", False, "PROMETHEUS_MULTIPROC_DIR"),
    ],
)
def test_one_process_while_a_setting_is_per_process(
    settings: Settings, tmp_path: Path, storage: str, metrics_shared: bool, named: str
) -> None:
    local = settings.model_copy(
        update={
            "rate_limit_storage": storage,
            "prometheus_multiproc_dir": tmp_path if metrics_shared else None,
        }
    )
    processes, reason = default_web_processes(local, 4)
    assert processes == 1
    assert reason is not None
    assert named in reason
