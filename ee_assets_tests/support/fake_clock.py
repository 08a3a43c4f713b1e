"""A clock that only moves when told to, for code with an injectable clock and sleep (retries, pacing, tokens)."""


class FakeClock:
    """Call it for the time; `sleep` records a wait and advances the time by it (nothing is actually waited)."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
