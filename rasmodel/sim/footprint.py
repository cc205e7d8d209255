"""The footprint of a step: the keys it read and wrote, and the trace kinds it emitted.

Every shared object has a key: tracked state by its name, a process as `proc:NAME`,
an event or a SimPy resource by its creator and a counter (`p0/Timeout.3`), so the
same object has the same key in every execution. Two steps whose footprints do not
conflict (neither writes what the other reads or writes) can be reordered; that is
all a reduction knows about a model, so whatever a step can observe or change must
land here.
"""

from __future__ import annotations


class Footprint:
    """The footprint of the running step; the sets are cleared, never replaced, so
    tracked objects can keep references to them."""

    __slots__ = ("reads", "writes", "emits", "timers")

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.emits: set[str] = set()
        self.timers = False  # it scheduled an event for a later time

    def clear(self) -> None:
        self.reads.clear()
        self.writes.clear()
        self.emits.clear()
        self.timers = False

    def read(self, key: str) -> None:
        self.reads.add(key)

    def write(self, key: str) -> None:
        self.writes.add(key)

    def access(self, key: str) -> None:
        """A read-modify-write (a queue operation, a resource request)."""
        self.reads.add(key)
        self.writes.add(key)


PROCESS_PREFIX = "proc:"


def process_key(name: str) -> str:
    """The key of a process: its steps read it; waking, interrupting, joining, ending
    it write it."""
    return PROCESS_PREFIX + name
