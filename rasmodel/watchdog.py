"""A watchdog for user code that never yields (an endless loop inside one step).

A background thread samples a progress counter (`Env.steps_started` plus explicit
ticks); when it has not moved for `seconds`, it records where the main thread is and
interrupts it. The checker turns that interruption into a ModelError naming the
model line.
"""

from __future__ import annotations

import _thread
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rasmodel.errors import Location, ModelError, location_of_frame

_outside_steps = 0  # > 0 while rasmodel waits on something that is not a step


@contextmanager
def outside_steps() -> Iterator[None]:
    """Time spent in here (connecting to a cluster, starting workers) is not a step
    that failed to yield: the watchdog does not count it."""
    global _outside_steps
    _outside_steps += 1
    try:
        yield
    finally:
        _outside_steps -= 1


class Watchdog:
    """`with Watchdog(10) as dog: ... dog.tick()` after each unit of progress."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ticks = 0
        self.fired_at: Location | None = None
        self.fired = False
        self._stop = threading.Event()
        self._main = threading.main_thread().ident
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        self.ticks += 1

    def __enter__(self) -> Watchdog:
        if threading.current_thread() is threading.main_thread() and self.seconds > 0:
            self._thread = threading.Thread(target=self._watch, name="rasmodel-watchdog")
            self._thread.daemon = True
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.fired and isinstance(error, KeyboardInterrupt):
            raise ModelError(
                f"a step ran for {self.seconds:g} s without yielding.",
                where=self.fired_at,
                hint="A loop inside a process must yield (env.pause() or env.wait_until(...)) "
                "on every iteration; an endless loop between two yields never ends.",
            ) from None

    def _progress(self) -> tuple[int, int]:
        from rasmodel.sim.env import Env

        return (self.ticks, Env.steps_started)

    def _watch(self) -> None:
        seen = self._progress()
        since = time.monotonic()
        while not self._stop.wait(0.2):
            now = self._progress()
            if now != seen or _outside_steps:
                seen = now
                since = time.monotonic()
            elif time.monotonic() - since > self.seconds:
                frame = sys._current_frames().get(self._main or 0)
                self.fired_at = location_of_frame(frame)
                self.fired = True
                _thread.interrupt_main()
                return
