"""A stopwatch that keeps every lap."""
import time

import numpy as np


class Timer:
    """Record several running times: `start()`, `stop()`, then `avg()`, `sum()`, `cumsum()`."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self._t0 = time.perf_counter()

    def stop(self):
        """Stop, record and return the lap in seconds."""
        self.times.append(time.perf_counter() - self._t0)
        return self.times[-1]

    def avg(self):
        if not self.times:
            raise ValueError("Timer.avg(): no lap recorded yet; call start() and stop() first")
        return sum(self.times) / len(self.times)

    def sum(self):
        return sum(self.times)

    def cumsum(self):
        return np.cumsum(self.times).tolist()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
