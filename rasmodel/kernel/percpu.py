"""Per-CPU variables (`DEFINE_PER_CPU`, `this_cpu_read`, `this_cpu_write`, `per_cpu`).

One tracked variable per CPU, so that accesses from different CPUs never conflict
and the reduction keeps them apart; `this_cpu_*` picks the current context's CPU.
As in the kernel, a task that can migrate between reading its CPU and using the
variable may touch another CPU's copy: disable preemption around such a use.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from rasmodel.kernel.cpu import Kernel
from rasmodel.sim.state import Var

T = TypeVar("T")


class PerCpu(Generic[T]):
    """`DEFINE_PER_CPU(type, name)` with every copy set to `init`."""

    def __init__(self, kernel: Kernel, name: str, init: T) -> None:
        self.kernel = kernel
        self.name = name
        self.copies: list[Var[T]] = [kernel.env.var(f"{name}/{c.index}", init) for c in kernel.cpus]

    def per_cpu(self, cpu: int) -> Var[T]:
        return self.copies[cpu]

    def this_cpu_ptr(self) -> Var[T]:
        return self.copies[self.kernel.smp_processor_id()]

    def this_cpu_read(self) -> T:
        return self.this_cpu_ptr().value

    def this_cpu_write(self, value: T) -> None:
        self.this_cpu_ptr().value = value

    def this_cpu_inc(self) -> Any:
        var = self.this_cpu_ptr()
        var.value = var.value + 1  # type: ignore[operator,assignment]
        return var.value
