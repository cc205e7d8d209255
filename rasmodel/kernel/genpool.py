"""A preallocated pool (`gen_pool_alloc`, `gen_pool_free`), lib/genalloc.c.

Allocation is lock-free (a cmpxchg on the bitmap) and NMI-safe; the pool has a fixed
capacity, and an allocation that finds it exhausted fails: the record is lost,
reported as `gen_pool_exhausted`.
"""

from __future__ import annotations

from typing import Any

from rasmodel.kernel.cpu import Kernel


class GenPool:
    """`struct gen_pool` with `capacity` records."""

    def __init__(self, kernel: Kernel, name: str, capacity: int) -> None:
        self.kernel = kernel
        self.name = name
        self.capacity = capacity
        self.used: Any = kernel.env.var(f"{name}.used", 0)

    def gen_pool_alloc(self) -> bool:
        if self.used.value >= self.capacity:
            self.kernel.emit("gen_pool_exhausted", pool=self.name)
            return False
        self.used.value += 1
        return True

    def gen_pool_free(self) -> None:
        self.used.value -= 1
