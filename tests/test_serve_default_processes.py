"""`warren serve` without --workers: one web process per core once sharing is safe."""

from __future__ import annotations

from pathlib import Path

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


def test_one_process_while_rate_limits_are_counted_per_process(
    settings: Settings, tmp_path: Path
) -> None:
    local = settings.model_copy(
        update={"rate_limit_storage": "memory://", "prometheus_multiproc_dir": tmp_path}
    )
    processes, reason = default_web_processes(local, 4)
    assert processes == 1
    assert reason is not None
    assert "WARREN_RATE_LIMIT_STORAGE" in reason


def test_one_process_while_metrics_are_per_process(settings: Settings) -> None:
    unshared = settings.model_copy(
        update={"rate_limit_storage": "redis://127.0.0.1:6379/0", "prometheus_multiproc_dir": None}
    )
    processes, reason = default_web_processes(unshared, 4)
    assert processes == 1
    assert reason is not None
    assert "PROMETHEUS_MULTIPROC_DIR" in reason
