"""The demo provider's songs: a few seconds of a melody chosen by the prompt, as WAV.

A WAV needs nothing but the standard library and plays in every browser. The notes come
from a pentatonic scale, so any sequence the digest picks sounds tolerable.
"""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
from array import array

from warren.generation.providers.base import GeneratedFile, GenerationRequest
from warren.generation.providers.demo_drawing import DEMO_NOTE
from warren.generation.providers.demo_seed import seeded_random
from warren.generation.providers.titles import library_title

SAMPLE_RATE = 22050
SECONDS = 6
NOTES = 12
_SCALE = (0, 2, 4, 7, 9, 12, 14, 16, 19, 21)  # semitones above A3
_BASE_HZ = 220.0
_PEAK = 0.35 * 32767


def render_song(request: GenerationRequest, seed: bytes) -> GeneratedFile:
    rng = seeded_random(seed)
    pitches = [_BASE_HZ * 2 ** (rng.choice(_SCALE) / 12) for _ in range(NOTES)]
    samples = array("h")
    per_note = SAMPLE_RATE * SECONDS // NOTES
    attack = SAMPLE_RATE // 100
    for pitch in pitches:
        step = 2 * math.pi * pitch / SAMPLE_RATE
        for n in range(per_note):
            # A short attack and an exponential decay: no clicks between notes.
            envelope = min(1.0, n / attack) * math.exp(-3.0 * n / per_note)
            value = math.sin(step * n) + 0.3 * math.sin(2 * step * n)
            samples.append(int(_PEAK * envelope * value / 1.3))

    title = library_title(request.title.lower(), request.prompt, prefix="Demo ")
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(SAMPLE_RATE)
        writer.writeframes(_little_endian(samples))
    return GeneratedFile(
        data=_with_info(out.getvalue(), title),
        content_type="audio/wav",
        extension="wav",
        title=title,
        is_demo=True,
    )


def _little_endian(samples: array[int]) -> bytes:
    # WAV is little-endian whatever the machine is.
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def _with_info(riff: bytes, title: str) -> bytes:
    """Append a LIST/INFO chunk (name and comment) so players show it is a demo.

    The ``wave`` module cannot write one; readers, ``wave`` included, skip chunks after
    the audio data that they do not need.
    """
    body = b"INFO" + _info_entry(b"INAM", title) + _info_entry(b"ICMT", DEMO_NOTE)
    chunk = b"LIST" + struct.pack("<I", len(body)) + body
    data = riff + chunk
    return data[:4] + struct.pack("<I", len(data) - 8) + data[8:]


def _info_entry(key: bytes, text: str) -> bytes:
    value = text.encode() + b"\0"
    padding = b"\0" if len(value) % 2 else b""
    return key + struct.pack("<I", len(value)) + value + padding
