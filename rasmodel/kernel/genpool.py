"""A preallocated pool (`gen_pool_alloc`, `gen_pool_free`), lib/genalloc.c.

Allocation is lock-free (a cmpxchg on the bitmap) and NMI-safe; the pool has a fixed
capacity, and an allocation that finds it exhausted fails (returns 0): the record is
lost, reported as `gen_pool_exhausted`. The pool knows which chunks it handed out:
freeing one that is not allocated (a double free) is the kernel's `BUG_ON()` in
`gen_pool_free_owner()`, an `assertion` violation at the model line that freed it;
`gen_pool_avail()` and `allocated` let a final property catch a missing free.
"""

from __future__ import annotations

from typing import Any

from rasmodel.kernel.cpu import Kernel


class GenPool:
    """`struct gen_pool` with `capacity` records, at addresses 1..capacity."""

    def __init__(self, kernel: Kernel, name: str, capacity: int) -> None:
        self.kernel = kernel
        self.name = name
        self.capacity = capacity
        self.used: Any = kernel.env.var(f"{name}.used", 0)
        self.allocated: Any = kernel.env.var(f"{name}.allocated", frozenset())

    def gen_pool_alloc(self) -> int:
        """The address of a free record (never 0), or 0 when the pool is exhausted."""
        held = self.allocated.value
        if len(held) >= self.capacity:
            self.kernel.emit("gen_pool_exhausted", pool=self.name)
            return 0
        address = min(a for a in range(1, self.capacity + 1) if a not in held)
        self.allocated.value = held | {address}
        self.used.value = len(held) + 1
        return address

    def gen_pool_free(self, address: int | None = None) -> None:
        """Give a record back (`address` None: any one, for models that do not keep
        addresses)."""
        held = self.allocated.value
        if address is None:
            address = min(held, default=0)
        if address not in held:
            self.kernel.emit("gen_pool_double_free", pool=self.name, address=address)
            raise AssertionError(
                f"BUG: gen_pool_free({self.name}, {address}) of a record that is not "
                "allocated (freed twice, or never allocated)"
            )
        self.allocated.value = held - {address}
        self.used.value = len(held) - 1

    def gen_pool_avail(self) -> int:
        return self.capacity - len(self.allocated.value)
