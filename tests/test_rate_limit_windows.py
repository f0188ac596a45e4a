"""The in-process moving windows behind WARREN_RATE_LIMIT_STORAGE=memory://."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from warren.ratelimit import LocalWindows, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_limit_counts_per_tenant_action_and_key() -> None:
    limiter = RateLimiter("memory://", {"sign_in": "3/minute", "report": "3/minute"})
    assert [limiter.hit("songly", "sign_in", "a") for _ in range(4)] == [True, True, True, False]
    assert 1 <= limiter.retry_after("songly", "sign_in", "a") <= 60
    assert limiter.hit("songly", "sign_in", "b")
    assert limiter.hit("vizardio", "sign_in", "a")
    assert limiter.hit("songly", "report", "a")


def test_an_attempt_stops_counting_once_it_leaves_the_window() -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    assert windows.hit("k", 2, 10)
    clock.now += 1
    assert windows.hit("k", 2, 10)
    clock.now += 4
    assert not windows.hit("k", 2, 10)
    assert windows.seconds_until_oldest_leaves("k", 10) == 5
    # Ten seconds old, the first attempt no longer counts.
    clock.now += 5
    assert windows.hit("k", 2, 10)
    # The hit at +1 s is now the oldest in the window; it leaves 10 s after it was made.
    assert windows.seconds_until_oldest_leaves("k", 10) == 1


def test_keys_whose_window_has_passed_are_forgotten() -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    for n in range(10_000):
        # A burst of sign-ins, each from an address of its own.
        windows.hit(f"songly/sign_in/{n}", 5, 60)
        clock.now += 0.001
    assert len(windows) == 10_000
    clock.now += 61
    windows.hit("songly/sign_in/late", 5, 60)
    assert len(windows) == 1


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 4), st.sampled_from([5, 20])),
        max_size=200,
    ),
    st.integers(0, 4),
)
def test_windows_agree_with_counting_every_hit(
    attempts: list[tuple[int, int, int]], amount: int
) -> None:
    clock = Clock()
    windows = LocalWindows(clock)
    counted: dict[tuple[int, int], list[float]] = {}
    for key, wait, period in attempts:
        clock.now += wait
        past = counted.setdefault((key, period), [])
        expected = sum(1 for moment in past if moment > clock.now - period) < amount
        assert windows.hit(f"{key}/{period}", amount, period) is expected
        if expected:
            past.append(clock.now)
