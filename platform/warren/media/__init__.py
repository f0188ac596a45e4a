"""Uploads: what warren accepts from users, and the only form in which it keeps them.

Every upload goes through ``prepare_upload``: its type is judged from the bytes, the
tenant's size limits are applied, photos are re-encoded to a bare JPEG (no metadata,
longer side at most ``max_image_side``) and nothing of the original is written anywhere.
"""

from warren.media.errors import UploadRejected
from warren.media.image_transform import TransformedImage, transform_image
from warren.media.sniff import Sniffed, sniff
from warren.media.validate import PreparedUpload, prepare_upload

__all__ = [
    "PreparedUpload",
    "Sniffed",
    "TransformedImage",
    "UploadRejected",
    "prepare_upload",
    "sniff",
    "transform_image",
]
