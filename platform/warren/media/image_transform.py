"""Turn an uploaded photo into the only form warren keeps: a small, bare sRGB JPEG.

The brief promises that no biometric data survives and that originals are never
stored, so this works on bytes in memory only and writes nothing but the new JPEG:
no EXIF (GPS, camera serials), no XMP, no ICC profile, no comments, no thumbnails.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps

from warren.i18n import N_
from warren.media.errors import UploadCorrupt, UploadRejected
from warren.media.geometry import Size, draft_box, fit_within
from warren.media.resize import resize_striped
from warren.media.sniff import heif_supported

JPEG_QUALITY = 85
# After libjpeg's DCT scaling has done the big step, what is left is a shrink of under
# 2x. Measured on a 24 MP photo (bench/transform.py, 2 vCPUs): with LANCZOS warren ran
# level with libvips, with BICUBIC about 12% ahead. Against a full-resolution LANCZOS
# reference the two filters differ by under 0.1 dB PSNR on photo content; only
# synthetic fine detail close to the output's resolution limit keeps visibly more
# contrast with LANCZOS. BICUBIC is also Pillow's own default for thumbnail().
RESAMPLE = Image.Resampling.BICUBIC
WHITE = (255, 255, 255, 255)

# Pillow would otherwise try every plugin it has (PSD, TIFF, EPS...) on hostile bytes;
# only the formats warren accepts get to parse an upload.
_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")

# For big non-JPEG photos (no DCT scaling): reduce() by whole factors first, but only
# while a factor of at least 3 is left for the filter, where Pillow's docs call the
# result indistinguishable from resampling the whole way.
_REDUCING_GAP = 3.0

# Pillow's plugins signal a malformed file with any of these, depending on the format.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    zlib.error,
    IndexError,
    KeyError,
)

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# Which image modes a profile's colour space can describe, and what comes out in sRGB.
_ICC_MODES = {
    ("RGB ", "RGB"): "RGB",
    ("RGB ", "RGBA"): "RGBA",
    ("CMYK", "CMYK"): "RGB",
    ("GRAY", "L"): "L",
}


@dataclass(frozen=True, slots=True)
class TransformedImage:
    jpeg: bytes
    width: int
    height: int


def transform_image(data: bytes, *, max_side: int, max_pixels: int) -> TransformedImage:
    """Decode, orient, convert to sRGB, shrink to ``max_side`` and re-encode as JPEG.

    Raises UploadRejected (422) for decompression bombs, truncated and corrupt files.
    """
    image = decode_scaled(data, max_side=max_side, max_pixels=max_pixels)
    target = fit_within(image.original_size, max_side)
    icc_profile = image.pixels.info.get("icc_profile")

    picture = _resample_ready(image.pixels)
    if picture.size != target:
        picture = resize_striped(
            picture, target, resample=RESAMPLE, box=image.box, reducing_gap=_REDUCING_GAP
        )
    # After the resize, so rotating touches 2 megapixels, not 24; the EXIF it reads
    # travels with the resized copy.
    ImageOps.exif_transpose(picture, in_place=True)
    picture = _to_srgb(picture, icc_profile)
    picture = _flatten_to_rgb(picture)

    # Pillow's JPEG writer falls back on info["comment"]; with an empty info and no
    # exif/icc_profile/xmp arguments, nothing from the upload can reach the output.
    picture.info = {}
    out = io.BytesIO()
    # Baseline, no optimize=True: both cost encode time for a few percent of size.
    picture.save(out, "JPEG", quality=JPEG_QUALITY, subsampling="4:2:0")
    return TransformedImage(jpeg=out.getvalue(), width=picture.width, height=picture.height)


@dataclass(frozen=True, slots=True)
class DecodedImage:
    pixels: Image.Image
    # The size the file declares; ``pixels`` may be smaller after JPEG DCT scaling.
    original_size: Size
    # The region of ``pixels`` that holds the whole original (draft() rounds up).
    box: tuple[float, float, float, float] | None


def decode_scaled(data: bytes, *, max_side: int, max_pixels: int) -> DecodedImage:
    """The first frame of ``data``, fully decoded, JPEGs already shrunk by libjpeg."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A process-wide switch some library may flip; with it, half-uploaded photos
        # would be padded with grey and accepted.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False in warren")
    try:
        with _bombs_are_errors():
            image = Image.open(io.BytesIO(data), formats=_formats())
            original_size = image.size
            _refuse_bombs(original_size, max_pixels)
            box = None
            if image.format == "JPEG":
                drafted = image.draft("RGB", draft_box(original_size, max_side))
                box = drafted[1] if drafted else None
            # Animated GIF/WebP/PNG: open() sits on frame 0 and load() decodes only it.
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(max_pixels) from exc
    except _DECODE_ERRORS as exc:
        raise UploadCorrupt(
            N_(
                "This photo could not be read: the file is damaged or was not uploaded "
                "completely. Please try again or choose another copy."
            ),
        ) from exc
    return DecodedImage(pixels=image, original_size=original_size, box=box)


def _refuse_bombs(size: Size, max_pixels: int) -> None:
    # Checked on the header's numbers, before a single pixel buffer is allocated:
    # a few kilobytes of PNG can declare a canvas of gigabytes.
    width, height = size
    if width * height > max_pixels:
        raise UploadCorrupt(
            f"This photo is {width}×{height} pixels; photos may have at most "
            f"{_megapixels(max_pixels)} megapixels.",
        )


def _bomb(max_pixels: int) -> UploadRejected:
    return UploadCorrupt(
        f"This photo declares a size too large to process safely; photos may have at most "
        f"{_megapixels(max_pixels)} megapixels.",
    )


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")


@contextmanager
def _bombs_are_errors() -> Iterator[None]:
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that. catch_warnings is
    # process-wide state, so under threads another call may lift or keep the filter
    # early or late; that only weakens this second net, never _refuse_bombs (the check
    # against the tenant's max_pixels) nor Pillow's hard error above twice its limit.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _formats() -> tuple[str, ...]:
    return (*_FORMATS, "HEIF") if heif_supported() else _FORMATS


def _resample_ready(image: Image.Image) -> Image.Image:
    """A mode the resampling filters work on without losing colour or transparency."""
    if image.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if image.mode in ("P", "PA"):
        # Pillow resizes palette images with NEAREST; expand the palette first.
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        # 16-bit greyscale PNG: a plain convert clips everything above 255 to white.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: object) -> Image.Image:
    """Colours as an sRGB display shows them; the profile itself is then dropped.

    Phones shoot in Display P3 and some cameras in Adobe RGB; without converting, the
    bare JPEG would look washed out once its profile is removed.
    """
    if not isinstance(icc_profile, bytes) or not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (ImageCms.PyCMSError, OSError, ValueError):
        # An unreadable profile tells nothing reliable; the pixels are taken as sRGB.
        return image
    if "srgb" in (source.profile.profile_description or "").lower():
        return image  # Converting sRGB to sRGB only costs time.
    output_mode = _ICC_MODES.get((source.profile.xcolor_space, image.mode))
    if output_mode is None:
        return image  # A profile that does not fit the pixels (e.g. Lab on RGB): ignore it.
    try:
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
    except ImageCms.PyCMSError:
        return image
    assert converted is not None  # inPlace=False always returns the new image
    return converted


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA"):
        # JPEG has no transparency; white is what the user saw behind it in a browser.
        background = Image.new("RGBA", image.size, WHITE)
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image
