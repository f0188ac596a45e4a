"""Uploads: type from content, tenant limits, and photos re-encoded with nothing left over.

Every fixture is made here, in memory, so what each test feeds warren is visible in it.
"""

from __future__ import annotations

import builtins
import io
import os
import random
import resource
import struct
import tempfile
import uuid
import wave
import zlib
from collections.abc import Callable

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFile

from warren.media import UploadRejected, prepare_upload, sniff, transform_image
from warren.media import resize as resize_module
from warren.media.errors import UploadCorrupt, UploadTooLarge, UploadUnsupported, too_large
from warren.media.geometry import draft_box, fit_within
from warren.media.image_transform import decode_scaled
from warren.media.resize import resize_striped
from warren.media.sniff import heif_supported
from warren.tenancy.tenant import MediaSettings

MEDIA = MediaSettings()
MiB = 1024 * 1024
# One per test run: if any trace of it survives in an output, metadata leaked.
MARKER = f"warren-original-{uuid.uuid4().hex}"


# --------------------------------------------------------------------------- builders


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the image data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments, position = [], 2
    while True:
        assert data[position] == 0xFF
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return segments
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segments.append((marker, data[position + 4 : position + 2 + length]))
        position += 2 + length


def s15_fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + s15_fixed16(x) + s15_fixed16(y) + s15_fixed16(z)


def linear_rgb_icc(description: str) -> bytes:
    """An ICC v2 display profile with sRGB primaries but a linear (gamma 1.0) curve.

    Not sRGB, and far from it in the mid-tones (linear 0.5 is sRGB 188), so a photo
    carrying it must come out visibly brighter once converted.
    """
    text = description.encode() + b"\0"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(8 + 3 + 67)
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0100) + bytes(2)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz_tag(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz_tag(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz_tag(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz_tag(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + bytes(4) + b"none" + bytes(4)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = body = b""
    for signature, payload in tags:
        payload += bytes(-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(payload))
        body += payload
    header = (
        struct.pack(">I", offset + len(body))
        + bytes(4)
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(28)
        + xyz_tag(0.9642, 1.0, 0.8249)[8:]
        + bytes(48)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def exif_with_gps(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.ImageDescription] = MARKER
    exif[ExifTags.Base.Make] = "WarrenTestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 10.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (71.0, 26.0, 0.0)
    return exif.tobytes()


XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    f'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Label="{MARKER}"/></rdf:RDF></x:xmpmeta>'
).encode()

GREY = (128, 128, 128)
RED = (255, 0, 0)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def phone_jpeg(icc_profile: bytes) -> bytes:
    """4000x3000 as stored by a phone held upright (EXIF orientation 6), full of metadata.

    Grey with a red block in the stored top-left corner.
    """
    image = Image.new("RGB", (4000, 3000), GREY)
    ImageDraw.Draw(image).rectangle((0, 0, 799, 599), fill=RED)
    return encode(
        image,
        "JPEG",
        quality=90,
        exif=exif_with_gps(orientation=6),
        xmp=XMP,
        comment=MARKER.encode(),
        icc_profile=icc_profile,
    )


@pytest.fixture(scope="module")
def phone_photo() -> bytes:
    return phone_jpeg(linear_rgb_icc("Warren test linear RGB"))


@pytest.fixture(scope="module")
def srgb_phone_photo() -> bytes:
    # With an sRGB profile warren converts no colours, so no colour-management step can
    # drop the metadata by the way: only the JPEG writer's settings do.
    return phone_jpeg(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


@pytest.fixture(scope="module")
def photo_24mp() -> bytes:
    return encode(Image.new("RGB", (6000, 4000), (90, 140, 200)), "JPEG", quality=90)


def noisy_jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    # Noise makes the entropy-coded data long, so a cut lands well inside it.
    return encode(Image.effect_noise(size, 60).convert("RGB"), "JPEG", quality=90)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height RGB; the pixel data is a few rows at most."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(1 + 3 * min(width, 64)) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def wav_bytes(seconds: float = 0.1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        rng = random.Random(7)
        frames = int(8000 * seconds)
        wav.writeframes(
            b"".join(struct.pack("<h", rng.randint(-3000, 3000)) for _ in range(frames))
        )
    return out.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes() -> bytes:
    """ftyp + moov(mvhd) + mdat: the smallest layout a player can open."""
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    mvhd = box(
        b"mvhd",
        bytes(4)  # version 0, flags
        + struct.pack(">IIII", 0, 0, 1000, 0)  # created, modified, timescale, duration
        + struct.pack(">IH", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + bytes(10)
        + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
        + bytes(24)
        + struct.pack(">I", 2),
    )
    return ftyp + box(b"moov", mvhd) + box(b"mdat", bytes(64))


def mp3_bytes() -> bytes:
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, 20]) + bytes(20)
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: a 417-byte frame.
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    return tag + frame * 3


def ogg_bytes() -> bytes:
    payload = b"\x01vorbis" + bytes(23)
    header = b"OggS" + bytes([0, 0x02]) + bytes(8) + struct.pack("<III", 1, 0, 0)
    return header + bytes([1, len(payload)]) + payload


def flac_bytes() -> bytes:
    streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + bytes([0x0A, 0xC4, 0x42, 0xF0])
    streaminfo += bytes(34 - len(streaminfo))
    return b"fLaC" + bytes([0x80, 0, 0, 34]) + streaminfo + b"\xff\xf8" + bytes(30)


def webm_bytes() -> bytes:
    doctype = b"\x42\x82\x84webm"
    header_children = b"\x42\x86\x81\x01" + doctype + b"\x42\x87\x81\x04" + b"\x42\x85\x81\x02"
    ebml = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header_children)]) + header_children
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff"  # unknown size
    return ebml + segment + b"\x15\x49\xa9\x66\x80"


def pe_executable() -> bytes:
    dos = b"MZ\x90\x00\x03" + bytes(55) + struct.pack("<I", 64)
    return dos + b"PE\x00\x00" + b"This program cannot be run in DOS mode.\r\n$" + bytes(200)


def rejected(data: bytes, media: MediaSettings = MEDIA) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        prepare_upload(data, media)
    return caught.value


# --------------------------------------------------------------------------- photos


@pytest.mark.parametrize("photo", ["phone_photo", "srgb_phone_photo"])
def test_phone_photo_is_oriented_shrunk_and_stripped_bare(
    request: pytest.FixtureRequest, photo: str
) -> None:
    prepared = prepare_upload(request.getfixturevalue(photo), MEDIA)

    assert (prepared.kind, prepared.content_type) == ("image", "image/jpeg")
    assert prepared.extension == "jpg"
    out = prepared.data
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "JPEG"
        # Orientation 6 means the camera was upright: 3000 wide, 4000 high as seen.
        assert image.size == (1152, 1536) == (prepared.width, prepared.height)
        image.load()
        assert not image.getexif()
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        assert "xmp" not in image.info
        # The stored top-left corner is the visual top-right once rotated clockwise.
        top_right = image.getpixel((1152 - 40, 40))
        top_left = image.getpixel((40, 40))
        bottom_right = image.getpixel((1152 - 40, 1536 - 40))
    assert top_right == pytest.approx(RED, abs=40)
    assert top_left == pytest.approx(bottom_right, abs=6)
    assert top_left != pytest.approx(RED, abs=40)

    for needle in (b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"WarrenTestCam"):
        assert needle not in out
    assert MARKER.encode() not in out
    markers = [marker for marker, _ in jpeg_segments(out)]
    assert 0xFE not in markers  # COM
    assert [m for m in markers if 0xE0 <= m <= 0xEF] == [0xE0]  # only the JFIF APP0
    jfif = dict(jpeg_segments(out))[0xE0]
    assert jfif.startswith(b"JFIF\0")
    assert jfif[12:14] == b"\0\0"  # no JFIF thumbnail


def test_non_srgb_colours_are_converted_before_the_profile_is_dropped(phone_photo: bytes) -> None:
    # What the grey looks like on screen, as colour management itself computes it.
    profile = ImageCms.ImageCmsProfile(io.BytesIO(linear_rgb_icc("Warren test linear RGB")))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    expected = ImageCms.profileToProfile(Image.new("RGB", (1, 1), GREY), profile, srgb)
    assert expected is not None
    expected_grey = expected.getpixel((0, 0))
    assert expected_grey != pytest.approx(GREY, abs=40)  # linear 0.5 is far brighter

    out = transform_image(phone_photo, max_side=512, max_pixels=MEDIA.max_image_pixels)
    with Image.open(io.BytesIO(out.jpeg)) as image:
        assert "icc_profile" not in image.info
        assert image.getpixel((image.width // 2, image.height // 2)) == pytest.approx(
            expected_grey, abs=4
        )
    assert b"ICC_PROFILE" not in out.jpeg


def test_small_photo_is_not_enlarged() -> None:
    prepared = prepare_upload(encode(Image.new("RGB", (800, 600), GREY), "PNG"), MEDIA)
    assert (prepared.width, prepared.height) == (800, 600)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert (image.format, image.size) == ("JPEG", (800, 600))


def test_tenant_max_side_is_honoured(phone_photo: bytes) -> None:
    prepared = prepare_upload(phone_photo, MediaSettings(max_image_side=1024))
    assert (prepared.width, prepared.height) == (768, 1024)


def test_transparency_lands_on_white() -> None:
    image = Image.new("RGBA", (300, 200), (255, 0, 0, 0))  # invisible red
    ImageDraw.Draw(image).rectangle((100, 50, 199, 149), fill=(0, 0, 255, 255))
    prepared = prepare_upload(encode(image, "PNG"), MEDIA)
    with Image.open(io.BytesIO(prepared.data)) as out:
        assert out.mode == "RGB"
        assert out.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)
        assert out.getpixel((150, 100)) == pytest.approx((0, 0, 255), abs=8)


def test_animated_gif_keeps_its_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    with Image.open(io.BytesIO(transform_image(data, max_side=1536, max_pixels=10**6).jpeg)) as out:
        assert out.getpixel((32, 32)) == pytest.approx(RED, abs=8)


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    data = encode(Image.new("I;16", (64, 64), 32768), "PNG")
    with Image.open(io.BytesIO(transform_image(data, max_side=1536, max_pixels=10**6).jpeg)) as out:
        assert out.getpixel((32, 32)) == pytest.approx((128, 128, 128), abs=3)


def test_truncated_photo_is_refused() -> None:
    data = noisy_jpeg()
    error = rejected(data[: len(data) // 2])
    assert isinstance(error, UploadCorrupt)
    assert "not uploaded completely" in error.reason


def test_truncated_images_stay_an_error_even_if_someone_flips_pillows_switch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        transform_image(noisy_jpeg(), max_side=1536, max_pixels=10**8)


def jpeg_using_an_undefined_huffman_table() -> bytes:
    data = bytearray(noisy_jpeg())
    scan = data.find(b"\xff\xda")
    data[scan + 6] = 0x77  # first component's DC/AC tables: 7 and 7, never defined
    return bytes(data)


def png_with_a_broken_zlib_stream() -> bytes:
    data = bytearray(encode(Image.effect_noise((200, 200), 50).convert("RGB"), "PNG"))
    idat = data.find(b"IDAT")
    data[idat + 4 : idat + 40] = bytes(36)
    return bytes(data)


@pytest.mark.parametrize(
    "build", [jpeg_using_an_undefined_huffman_table, png_with_a_broken_zlib_stream]
)
def test_corrupt_photo_is_refused(build: Callable[[], bytes]) -> None:
    error = rejected(build())
    assert isinstance(error, UploadCorrupt)
    assert "could not be read" in error.reason


def test_png_bomb_is_refused_without_decoding() -> None:
    bomb = png_declaring(30_000, 30_000)  # 2.7 GB of RGB if anyone decoded it
    assert len(bomb) < 1000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    error = rejected(bomb)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert isinstance(error, UploadCorrupt)
    assert "megapixels" in error.reason
    assert grown_kib < 100 * 1024


def test_pixel_limit_is_checked_on_the_header_before_any_pixel_is_read() -> None:
    # 25 MP is within Pillow's own limit, so only warren's check can stop it; the pixel
    # data is a stub, so decoding first would have failed as "could not be read".
    error = rejected(png_declaring(5000, 5000), MediaSettings(max_image_pixels=10_000_000))
    assert isinstance(error, UploadCorrupt)
    assert "5000×5000 pixels" in error.reason
    assert "10 megapixels" in error.reason


@pytest.mark.parametrize("pixels", [1600, 4000], ids=["pillow-warning", "pillow-error"])
def test_pillows_own_bomb_signals_become_422(monkeypatch: pytest.MonkeyPatch, pixels: int) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = encode(Image.new("RGB", (pixels // 40, 40), GREY), "PNG")
    with pytest.raises(UploadRejected) as caught:
        transform_image(data, max_side=1536, max_pixels=10**8)
    assert isinstance(caught.value, UploadCorrupt)
    assert "too large to process safely" in caught.value.reason


def test_the_original_is_never_written_anywhere(
    monkeypatch: pytest.MonkeyPatch, phone_photo: bytes
) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"upload pipeline tried to write a file: {args!r}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(os, "open", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", refuse)
    assert prepare_upload(phone_photo, MEDIA).kind == "image"


# --------------------------------------------------------------------------- draft


def test_draft_box_is_the_real_target_in_the_photos_own_shape() -> None:
    assert draft_box((6000, 4000), 1536) == (1536, 1024)
    assert draft_box((4000, 6000), 1536) == (1024, 1536)
    assert draft_box((4000, 3000), 1536) == (1536, 1152)
    assert draft_box((3001, 2000), 1536) == (1536, 1024)  # 1023.66 rounds to 1024
    assert draft_box((800, 600), 1536) == (800, 600)  # never enlarged
    assert draft_box((20000, 10), 1536) == (1536, 1)  # never zero
    assert fit_within((1536, 1536), 1536) == (1536, 1536)


def test_draft_box_lets_libjpeg_scale_where_a_square_box_does_not() -> None:
    data = encode(Image.new("RGB", (4000, 3000), GREY), "JPEG")
    with Image.open(io.BytesIO(data)) as real:
        real.draft("RGB", draft_box(real.size, 1536))
        assert real.size == (2000, 1500)
    with Image.open(io.BytesIO(data)) as square:
        square.draft("RGB", (1536, 1536))  # the ARCHITECTURE pitfall
        assert square.size == (4000, 3000)


def test_24_megapixel_jpeg_is_decoded_at_half_scale(photo_24mp: bytes, phone_photo: bytes) -> None:
    with Image.open(io.BytesIO(photo_24mp)) as image:
        image.draft("RGB", draft_box(image.size, 1536))
        assert image.size == (3000, 2000)

    decoded = decode_scaled(photo_24mp, max_side=1536, max_pixels=MEDIA.max_image_pixels)
    assert decoded.original_size == (6000, 4000)
    assert decoded.pixels.size == (3000, 2000)  # what transform_image actually resizes
    out = transform_image(photo_24mp, max_side=1536, max_pixels=MEDIA.max_image_pixels)
    assert (out.width, out.height) == (1536, 1024)
    # A 4:3 photo is where a square box would silently decode every pixel.
    decoded = decode_scaled(phone_photo, max_side=1536, max_pixels=MEDIA.max_image_pixels)
    assert decoded.pixels.size == (2000, 1500)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_striped_resize_matches_a_single_resize(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setattr(resize_module, "usable_cpus", lambda: 4)
    source = Image.effect_noise((1200, 1100), 50).convert(mode)
    for resample in (Image.Resampling.BICUBIC, Image.Resampling.LANCZOS):
        single = source.resize((600, 520), resample, box=(0, 0, 1199.5, 1100))
        striped = resize_striped(source, (600, 520), resample=resample, box=(0, 0, 1199.5, 1100))
        assert striped.mode == mode
        assert striped.tobytes() == single.tobytes()


# --------------------------------------------------------------------------- types


def test_random_bytes_are_unsupported() -> None:
    data = random.Random(1).randbytes(4096)
    error = rejected(data)
    assert isinstance(error, UploadUnsupported)
    assert "not a supported photo, audio, video or text file" in error.reason


def test_an_executable_is_refused_whatever_it_is_called() -> None:
    # prepare_upload never sees a file name: "holiday.jpg" or not, the bytes decide.
    error = rejected(pe_executable())
    assert isinstance(error, UploadUnsupported)
    assert "(detected: Windows executable)" in error.reason


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\xef\xbb\xbf  <!DOCTYPE html><html><body>hi</body></html>",
        b'<?xml version="1.0"?><svg/>',
    ],
    ids=["svg", "html-with-bom", "xml"],
)
def test_markup_is_not_text(data: bytes) -> None:
    error = rejected(data)
    assert isinstance(error, UploadUnsupported)
    assert "markup" in error.reason


@pytest.mark.skipif(heif_supported(), reason="a HEIF plugin for Pillow is installed")
def test_heic_is_refused_when_pillow_cannot_decode_it() -> None:
    heic = box(b"ftyp", b"heic" + bytes(4) + b"mif1heic") + box(b"meta", bytes(32))
    assert sniff(heic) is None
    error = rejected(heic)
    assert isinstance(error, UploadUnsupported)
    assert "HEIC photo" in error.reason


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (encode(Image.new("RGB", (8, 8)), "JPEG"), "image", "image/jpeg"),
        (encode(Image.new("RGB", (8, 8)), "PNG"), "image", "image/png"),
        (encode(Image.new("RGB", (8, 8)), "WEBP"), "image", "image/webp"),
        (encode(Image.new("RGB", (8, 8)), "GIF"), "image", "image/gif"),
        (wav_bytes(), "audio", "audio/wav"),
        (mp3_bytes(), "audio", "audio/mpeg"),
        (ogg_bytes(), "audio", "audio/ogg"),
        (flac_bytes(), "audio", "audio/flac"),
        (mp4_bytes(), "video", "video/mp4"),
        (webm_bytes(), "video", "video/webm"),
        ("Привет, мир!\n\tLine two.\r\n".encode(), "text", "text/plain; charset=utf-8"),
        (b"MZ is how my poem starts.\n", "text", "text/plain; charset=utf-8"),
    ],
    ids=[
        "jpeg",
        "png",
        "webp",
        "gif",
        "wav",
        "mp3",
        "ogg",
        "flac",
        "mp4",
        "webm",
        "utf8",
        "mz-text",
    ],
)
def test_sniff_reads_the_content(data: bytes, kind: str, content_type: str) -> None:
    sniffed = sniff(data)
    assert sniffed is not None
    assert (sniffed.kind, sniffed.content_type) == (kind, content_type)


# --------------------------------------------------------------------------- sizes


def test_oversize_photo_names_the_limit() -> None:
    media = MediaSettings(max_image_bytes=1 * MiB)
    data = b"\xff\xd8\xff\xe0" + bytes(int(1.5 * MiB))  # sniffed as JPEG, never decoded
    error = rejected(data, media)
    assert isinstance(error, UploadTooLarge)
    assert error.reason == "This file is 1.5 MB; photos may be at most 1 MB."


def test_upload_bigger_than_every_limit_is_refused_before_sniffing() -> None:
    media = MediaSettings(
        max_image_bytes=1000, max_audio_bytes=1000, max_video_bytes=1000, max_text_bytes=2000
    )
    error = rejected(b"a" * 3000, media)
    assert isinstance(error, UploadTooLarge)
    assert "uploads may be at most 2 KB" in error.reason


def test_text_limit_is_its_own() -> None:
    error = rejected(b"a" * 2048, MediaSettings(max_text_bytes=1024))
    assert isinstance(error, UploadTooLarge)
    assert error.reason == "This file is 2 KB; text files may be at most 1 KB."


def test_size_wording() -> None:
    assert too_large(int(31.2 * MiB), 25 * MiB, "photos").reason == (
        "This file is 31.2 MB; photos may be at most 25 MB."
    )
    # Just over the limit would read "25 MB; at most 25 MB": exact bytes instead.
    assert "26,214,401 bytes" in too_large(25 * MiB + 1, 25 * MiB, "photos").reason


def test_empty_file() -> None:
    for data in (b"", b"\xef\xbb\xbf"):
        error = rejected(data)
        assert isinstance(error, UploadCorrupt)
        assert error.reason == "The file is empty."


# --------------------------------------------------------------------------- audio, video, text


def test_wav_is_kept_as_uploaded() -> None:
    data = wav_bytes()
    prepared = prepare_upload(data, MEDIA)
    assert (prepared.kind, prepared.content_type) == ("audio", "audio/wav")
    assert prepared.extension == "wav"
    assert prepared.data == data
    assert prepared.width is None


def test_truncated_wav_is_refused() -> None:
    data = wav_bytes()
    assert isinstance(
        rejected(data[: len(data) // 2]), UploadCorrupt
    )  # header promises more frames
    assert isinstance(rejected(data[:30]), UploadCorrupt)  # cut inside the header


def test_mp4_is_kept_as_uploaded() -> None:
    data = mp4_bytes()
    prepared = prepare_upload(data, MEDIA)
    assert (prepared.kind, prepared.content_type) == ("video", "video/mp4")
    assert prepared.extension == "mp4"
    assert prepared.data == data


@pytest.mark.parametrize(
    "cut",
    [
        lambda data: data[:-10],  # mdat runs past the end
        lambda data: data[:60],  # cut inside moov
        lambda data: data.replace(b"moov", b"free"),  # recording stopped before the index
    ],
    ids=["mdat", "moov", "no-moov"],
)
def test_broken_mp4_is_refused(cut: Callable[[bytes], bytes]) -> None:
    error = rejected(cut(mp4_bytes()))
    assert isinstance(error, UploadCorrupt)


@pytest.mark.parametrize(
    ("build", "cut_at"),
    [(mp3_bytes, 15), (ogg_bytes, 30), (flac_bytes, 20), (webm_bytes, 18)],
    ids=["mp3-id3", "ogg-page", "flac-streaminfo", "webm-ebml"],
)
def test_other_audio_and_video_cut_inside_their_header(
    build: Callable[[], bytes], cut_at: int
) -> None:
    data = build()
    assert prepare_upload(data, MEDIA).data == data
    error = rejected(data[:cut_at])
    assert isinstance(error, UploadCorrupt)
    assert "incomplete" in error.reason


def test_text_is_kept_as_uploaded() -> None:
    data = "\ufeffДорогая мама,\n\tс днём рождения!\f\r\n".encode()
    prepared = prepare_upload(data, MEDIA)
    assert (prepared.kind, prepared.extension, prepared.data) == ("text", "txt", data)


@pytest.mark.parametrize(
    "data",
    [b"hello\x00world", b"bell\x07", b"escape \x1b[31mred", "c1 \u0085 control".encode()],
    ids=["nul", "bell", "ansi-escape", "c1"],
)
def test_text_with_control_characters_is_refused(data: bytes) -> None:
    assert isinstance(rejected(data), UploadUnsupported | UploadCorrupt)


def test_invalid_utf8_is_not_text() -> None:
    assert isinstance(rejected("café".encode("latin-1")), UploadUnsupported)
