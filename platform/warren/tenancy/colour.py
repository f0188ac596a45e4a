"""Contrast between brand colours, as WCAG 2.2 defines it, so a theme in tenants.toml
cannot publish text people cannot read."""

from __future__ import annotations

DARK = "#111111"
LIGHT = "#ffffff"
# WCAG 2.2 AA for normal-size text.
MIN_CONTRAST = 4.5


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(background: str) -> str:
    """Dark or light text, whichever reads better on ``background``."""
    return DARK if contrast(DARK, background) >= contrast(LIGHT, background) else LIGHT
