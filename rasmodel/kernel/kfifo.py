"""A kfifo (`kfifo_put`, `kfifo_get`), include/linux/kfifo.h: safe only under its lock.

`kfifo_put` writes the element, then publishes it by advancing `in` in a later step
(the `smp_wmb()` in between). Two puts that overlap (an NMI-like handler putting
while the context it interrupted is between the two steps, or two CPUs without the
lock) write the same slot: the library reports a `corrupted` event naming both
contexts when an unpublished entry is overwritten, and `kfifo_get` reports reading
a slot that holds no entry. A full fifo drops the entry with a `kfifo_full` warning.
"""

from __future__ import annotations

from typing import Any

from rasmodel.kernel.cpu import Kernel, Steps


class KFifo:
    """A fixed-size ring: `in`/`out` counters and the slots."""

    def __init__(self, kernel: Kernel, name: str, size: int) -> None:
        env = kernel.env
        self.kernel = kernel
        self.name = name
        self.size = size
        self.slots: Any = env.var(f"{name}.slots", (None,) * size)
        self.tail: Any = env.var(f"{name}.in", 0)
        self.head: Any = env.var(f"{name}.out", 0)
        self.writing: Any = env.var(f"{name}.writing", ())  # unpublished (slot, context)

    def kfifo_put(self, item: Any) -> Steps:
        """Returns whether the item was queued (False: the fifo was full)."""
        k = self.kernel
        context = k.current().describe()
        index = self.tail.value
        if index - self.head.value >= self.size:
            k.emit("kfifo_full", fifo=self.name, dropped=item)
            return False
        slot = index % self.size
        for other_slot, other in self.writing.value:
            if other_slot == slot:
                k.emit(
                    "corrupted",
                    structure=self.name,
                    what="unpublished entry overwritten",
                    victim=other,
                    by=context,
                )
        slots = list(self.slots.value)
        slots[slot] = item
        self.slots.value = tuple(slots)
        self.writing.value = (*self.writing.value, (slot, context))
        yield k.step(f"kfifo_put {self.name} publish")
        self.writing.value = tuple(w for w in self.writing.value if w != (slot, context))
        self.tail.value += 1
        k.emit("kfifo_put", fifo=self.name, item=item)
        return True

    def kfifo_get(self) -> Any:
        """The oldest entry, or None when empty."""
        k = self.kernel
        index = self.head.value
        if index == self.tail.value:
            return None
        slot = index % self.size
        item = self.slots.value[slot]
        slots = list(self.slots.value)
        slots[slot] = None
        self.slots.value = tuple(slots)
        self.head.value = index + 1
        if item is None:
            k.emit("corrupted", structure=self.name, what="read a slot with no entry")
        return item
