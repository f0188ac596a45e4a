"""Structural checks for audio and video files that warren keeps as uploaded.

warren does not decode sound or video, but a file whose container is cut short or
inconsistent is refused here (422) rather than failing later at the AI provider,
after the user has paid energy points for the generation.
"""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Callable

from warren.i18n import N_
from warren.media.errors import UploadCorrupt, UploadRejected

_FRAME_SEARCH = 64 * 1024  # how far past the tags an MP3's first frame may start


def check_container(content_type: str, data: bytes) -> None:
    """Raise UploadRejected (422) unless ``data`` is a complete container of that type."""
    check = _CHECKS.get(content_type)
    if check is None:
        raise ValueError(f"no container check for {content_type}")
    check(data)


def _incomplete(what: str) -> UploadRejected:
    return UploadCorrupt(
        f"This {what} is incomplete: it was cut off, perhaps while uploading. "
        "Please upload the whole file again.",
    )


def _damaged(what: str) -> UploadRejected:
    return UploadCorrupt(
        f"This {what} is damaged and cannot be played. Please export it again and re-upload."
    )


def check_wav(data: bytes) -> None:
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            frames = wav.getnframes()
            frame_size = wav.getsampwidth() * wav.getnchannels()
            if frames <= 0 or frame_size <= 0 or wav.getframerate() <= 0:
                raise UploadCorrupt(N_("This WAV file contains no sound."))
            # The header's frame count is only a claim; read the samples to see they are
            # all there (in slices, so a 50 MB file is not copied at once).
            remaining = frames
            while remaining > 0:
                chunk = wav.readframes(min(remaining, 65536))
                if not chunk:
                    raise _incomplete("audio file")
                remaining -= len(chunk) // frame_size
    except (wave.Error, EOFError, struct.error) as exc:
        # Python's wave reads PCM only; float or compressed WAVs land here too.
        raise UploadCorrupt(
            N_(
                "This WAV file could not be read: it is damaged, cut short or not PCM audio. "
                "Please export it as 16-bit PCM WAV or as MP3."
            ),
        ) from exc


def check_mp3(data: bytes) -> None:
    position = 0
    # ID3v2 tags (cover art, titles) come first; there may be more than one.
    while data.startswith(b"ID3", position):
        header = data[position : position + 10]
        if len(header) < 10:
            raise _incomplete("audio file")
        size_bytes = header[6:10]
        if any(byte & 0x80 for byte in size_bytes):
            raise _damaged("audio file")
        # "Syncsafe": 7 bits per byte, so the size can never look like a frame sync.
        size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
        footer = 10 if header[5] & 0x10 else 0
        position += 10 + size + footer
        if position > len(data):
            raise _incomplete("audio file")
    end = min(len(data), position + _FRAME_SEARCH)
    while True:
        position = data.find(b"\xff", position, end)
        if position < 0:
            raise _damaged("audio file") if end < len(data) else _incomplete("audio file")
        if _is_mpeg_audio_header(data[position : position + 4]):
            return
        position += 1


def _is_mpeg_audio_header(header: bytes) -> bool:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version = (header[1] >> 3) & 0b11
    layer = (header[1] >> 1) & 0b11
    bitrate = header[2] >> 4
    sample_rate = (header[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and sample_rate != 0b11


def check_adts(data: bytes) -> None:
    header = data[:7]
    if len(header) < 7:
        raise _incomplete("audio file")
    if header[0] != 0xFF or header[1] & 0xF6 != 0xF0 or (header[2] >> 2) & 0x0F > 12:
        raise _damaged("audio file")
    frame_length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
    if frame_length < 7:
        raise _damaged("audio file")
    if frame_length > len(data):
        raise _incomplete("audio file")


def check_ogg(data: bytes) -> None:
    # Walk the pages: each declares its exact length, so a cut shows as a page that
    # runs past the end.
    position = 0
    while position < len(data):
        if not data.startswith(b"OggS", position):
            raise _damaged("audio file")
        header = data[position : position + 27]
        if len(header) < 27:
            raise _incomplete("audio file")
        if header[4] != 0 or (position == 0 and not header[5] & 0x02):
            raise _damaged("audio file")  # unknown version, or no beginning-of-stream page
        segments = header[26]
        table = data[position + 27 : position + 27 + segments]
        if len(table) < segments:
            raise _incomplete("audio file")
        position += 27 + segments + sum(table)
        if position > len(data):
            raise _incomplete("audio file")


def check_flac(data: bytes) -> None:
    if not data.startswith(b"fLaC"):
        raise _damaged("audio file")
    position = 4
    first = True
    while True:
        header = data[position : position + 4]
        if len(header) < 4:
            raise _incomplete("audio file")
        last, block_type = header[0] & 0x80, header[0] & 0x7F
        length = int.from_bytes(header[1:4], "big")
        # STREAMINFO must come first and is always 34 bytes; 127 is reserved as invalid.
        if (first and (block_type != 0 or length != 34)) or block_type == 127:
            raise _damaged("audio file")
        position += 4 + length
        if position > len(data):
            raise _incomplete("audio file")
        first = False
        if last:
            break
    frame = data[position : position + 2]
    if len(frame) < 2:
        raise _incomplete("audio file")
    if frame[0] != 0xFF or frame[1] & 0xFE != 0xF8:
        raise _damaged("audio file")


def _isobmff_checker(what: str) -> Callable[[bytes], None]:
    """MP4, MOV and M4A: a chain of boxes that must tile the file exactly."""

    def check(data: bytes) -> None:
        position = 0
        seen: set[bytes] = set()
        while position < len(data):
            if len(data) - position < 8:
                raise _incomplete(what)
            size, box_type = struct.unpack_from(">I4s", data, position)
            header = 8
            if size == 1:  # a 64-bit size follows (big mdat boxes)
                if len(data) - position < 16:
                    raise _incomplete(what)
                (size,) = struct.unpack_from(">Q", data, position + 8)
                header = 16
            elif size == 0:  # "to the end of the file", allowed for the last box
                size = len(data) - position
            if size < header or not _is_box_type(box_type):
                raise _damaged(what)
            if not seen and (box_type != b"ftyp" or not 16 <= size <= 4096 or (size - 16) % 4):
                raise _damaged(what)  # ftyp: brand, version, then whole 4-byte brands
            if position + size > len(data):
                raise _incomplete(what)
            seen.add(box_type)
            position += size
        if b"moov" not in seen:
            # The index of the samples; without it nothing can play the file. Phones
            # that are stopped mid-recording leave exactly this.
            raise _incomplete(what)

    return check


def _is_box_type(box_type: bytes) -> bool:
    # Four printable characters; QuickTime also uses the copyright sign (0xA9).
    return all(0x20 <= byte <= 0x7E or byte == 0xA9 for byte in box_type)


_EBML = 0x1A45DFA3
_EBML_DOCTYPE = 0x4282
_SEGMENT = 0x18538067


def check_webm(data: bytes) -> None:
    element, size, position = _ebml_element(data, 0)
    if element != _EBML or size is None:
        raise _damaged("video")
    header_end = position + size
    if header_end > len(data):
        raise _incomplete("video")
    doctype = None
    while position < header_end:
        child, child_size, position = _ebml_element(data, position)
        if child_size is None or position + child_size > header_end:
            raise _damaged("video")
        if child == _EBML_DOCTYPE:
            doctype = data[position : position + child_size].rstrip(b"\x00")
        position += child_size
    if doctype != b"webm":
        raise _damaged("video")
    segment, segment_size, position = _ebml_element(data, header_end)
    if segment != _SEGMENT:
        raise _damaged("video")
    # Browsers recording with MediaRecorder write an unknown size (None); a known size
    # must fit in what arrived.
    if segment_size is not None and position + segment_size > len(data):
        raise _incomplete("video")


def _ebml_element(data: bytes, position: int) -> tuple[int, int | None, int]:
    """(id, size or None when unknown, offset of the element's body)."""
    element, position, _ = _ebml_vint(data, position, keep_marker=True, limit=4)
    size, position, all_ones = _ebml_vint(data, position, keep_marker=False, limit=8)
    return element, None if all_ones else size, position


def _ebml_vint(
    data: bytes, position: int, *, keep_marker: bool, limit: int
) -> tuple[int, int, bool]:
    if position >= len(data):
        raise _incomplete("video")
    first = data[position]
    length = 9 - first.bit_length() if first else 9
    if length > limit:
        raise _damaged("video")
    raw = data[position : position + length]
    if len(raw) < length:
        raise _incomplete("video")
    value = int.from_bytes(raw, "big")
    marker = 1 << (7 * length)
    payload = value & (marker - 1)
    return (value if keep_marker else payload), position + length, payload == marker - 1


_CHECKS: dict[str, Callable[[bytes], None]] = {
    "audio/wav": check_wav,
    "audio/mpeg": check_mp3,
    "audio/aac": check_adts,
    "audio/ogg": check_ogg,
    "audio/flac": check_flac,
    "audio/mp4": _isobmff_checker("audio file"),
    "video/mp4": _isobmff_checker("video"),
    "video/quicktime": _isobmff_checker("video"),
    "video/webm": check_webm,
}
