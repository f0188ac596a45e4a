"""warren's own static files (CSS, scripts), served from memory under fingerprinted names.

Each file is read once at start-up and named by its content: ``warren.css`` is linked as
``/static/warren.<hash>.css``, so a browser or proxy may keep it for a year without
asking again (``Cache-Control: public, max-age=31536000, immutable``); a change to the
file is a new name. The plain name still answers (old pages, hand-typed links) with an
ETag and ``no-cache``: the browser revalidates and gets a 304 while the file is the same.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"


@dataclass(frozen=True)
class Asset:
    data: bytes
    media_type: str
    etag: str
    # The name it is linked by: the content hash before the extension.
    fingerprinted: str


@dataclass(frozen=True)
class Served:
    asset: Asset
    cache_control: str


class StaticAssets:
    def __init__(self, directory: Path) -> None:
        self._plain: dict[str, Asset] = {}
        self._fingerprinted: dict[str, Asset] = {}
        for path in sorted(directory.iterdir()):
            if not path.is_file():
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()[:16]
            stem, dot, suffix = path.name.rpartition(".")
            asset = Asset(
                data=data,
                media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                etag=f'"{digest}"',
                fingerprinted=f"{stem}.{digest}.{suffix}" if dot else f"{path.name}.{digest}",
            )
            self._plain[path.name] = asset
            self._fingerprinted[asset.fingerprinted] = asset

    def url(self, name: str) -> str:
        """The fingerprinted URL of ``name``; a template naming a file that does not exist
        fails when rendered, not in the browser."""
        return f"/static/{self._plain[name].fingerprinted}"

    def find(self, name: str) -> Served | None:
        if (asset := self._fingerprinted.get(name)) is not None:
            return Served(asset, IMMUTABLE)
        if (asset := self._plain.get(name)) is not None:
            return Served(asset, REVALIDATE)
        return None
