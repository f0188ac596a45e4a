"""Replacing a file so that readers, and a crash, see the old content or the new, never a part."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# Temporary names start with a dot: object keys may not, and outbox readers look for *.eml.
TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0o600) through a temporary file in the same folder."""
    _replace(path, lambda temp: temp.write(data))


def copy_atomically(path: Path, source: Path) -> None:
    """Copy the file ``source`` to ``path`` in chunks, as :func:`write_atomically` writes."""

    def copy(temp: BinaryIO) -> None:
        with source.open("rb") as original:
            shutil.copyfileobj(original, temp)

    _replace(path, copy)


def _replace(path: Path, write: Callable[[BinaryIO], object]) -> None:
    # Same folder, hence same file system: os.replace is then an atomic rename.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as temp:
            write(temp)
            temp.flush()
            # Without this a crash soon after the rename can leave an empty or short file
            # under the final name: the rename may reach the disk before the data does.
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the folder's entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
