"""Results kept on the worker's disk between the provider's answer and object storage.

A provider call is paid for; if storage fails after it, the run that takes the job over
stores the staged bytes instead of calling the provider again. Staged files live in the
data dir (owner-only), are named by job id, and go once the result is stored.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from warren.generation.providers.base import GeneratedFile
from warren.storage.atomic import write_atomically


def _paths(data_dir: Path, job_id: uuid.UUID) -> tuple[Path, Path]:
    folder = data_dir / "staged-results"
    return folder / f"{job_id}.bin", folder / f"{job_id}.json"


def stage(data_dir: Path, job_id: uuid.UUID, produced: GeneratedFile) -> None:
    data, meta = _paths(data_dir, job_id)
    data.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(data, produced.data)
    described = {
        "content_type": produced.content_type,
        "extension": produced.extension,
        "title": produced.title,
        "is_demo": produced.is_demo,
    }
    write_atomically(meta, json.dumps(described).encode())


def staged(data_dir: Path, job_id: uuid.UUID) -> GeneratedFile | None:
    data, meta = _paths(data_dir, job_id)
    if not (data.exists() and meta.exists()):
        return None
    described = json.loads(meta.read_text())
    return GeneratedFile(data=data.read_bytes(), **described)


def unstage(data_dir: Path, job_id: uuid.UUID) -> None:
    for path in _paths(data_dir, job_id):
        path.unlink(missing_ok=True)
