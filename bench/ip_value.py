"""What the IP choke point costs per request, against a bare HMAC of the same address.

Run: .venv/bin/python bench/ip_value.py

For an IPv4 and an IPv6 client, in one run: a bare ``hmac.digest(key, text, "sha256")``
of the address text, hex-encoded (the floor: the hash itself, done the fastest way), ``ip_value`` alone, and what the edge
computes per request (``ip_value_and_rate_key``: the IP value and the rate-limit key).
The three are timed in turns, round after round, and each ratio is the median of the
rounds' own ratios: a neighbour's load that comes and goes slows the bare call and
warren's alike instead of landing on one of them. The goal is ``ip_value`` within 2x of
the bare call.
"""

from __future__ import annotations

import hmac
import statistics
import timeit
from collections.abc import Callable

from warren.privacy.ip import ip_value, ip_value_and_rate_key, parse_address

KEY = b"k" * 32
ADDRESSES = {"IPv4": "203.0.113.7", "IPv6": "2001:db8:85a3::8a2e:370:7334"}
ROUNDS, CALLS = 25, 20_000
GOAL = 2.0


def interleaved(functions: list[Callable[[], object]]) -> tuple[list[float], list[float]]:
    """Median microseconds per call of each function, and the median ratio of each to the
    first, over rounds that time every function in turn."""
    rounds: list[list[float]] = []
    for _ in range(ROUNDS):
        rounds.append([timeit.timeit(f, number=CALLS) / CALLS * 1e6 for f in functions])
    medians = [statistics.median(r[i] for r in rounds) for i in range(len(functions))]
    ratios = [statistics.median(r[i] / r[0] for r in rounds) for i in range(len(functions))]
    return medians, ratios


def main() -> int:
    print(
        f"{'address':8} {'bare hmac µs':>13} {'ip_value µs':>12} {'ratio':>6} {'edge µs':>8} {'ratio':>6}"
    )
    worst = 0.0
    for name, text in ADDRESSES.items():
        address = parse_address(text)
        raw = text.encode()
        (bare, value, edge), (_, value_ratio, edge_ratio) = interleaved(
            [
                lambda raw=raw: hmac.digest(KEY, raw, "sha256").hex(),
                lambda address=address: ip_value("hashed", KEY, address),
                lambda address=address: ip_value_and_rate_key("hashed", KEY, address),
            ]
        )
        worst = max(worst, value_ratio)
        print(
            f"{name:8} {bare:13.2f} {value:12.2f} {value_ratio:5.2f}x {edge:8.2f} {edge_ratio:5.2f}x"
        )
    print(
        f"goal: ip_value within {GOAL:.1f}x of the bare call — {'met' if worst <= GOAL else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
