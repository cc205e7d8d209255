"""irq_work (`irq_work_queue`, `irq_work_run`), kernel/irq_work.c.

Queued from any context, NMI included; the work then runs in hard-IRQ context on the
CPU that queued it, as soon as that CPU has IRQs enabled and no IRQ or NMI running
(the self-IPI after the NMI returns). Queuing work that is already pending, on this
CPU or elsewhere, does nothing. `irq_work_run()` runs this CPU's pending work now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.kernel.cpu import HARDIRQ, Context, Kernel, Steps


class IrqWork:
    """`struct irq_work`: one callback, pending on at most one CPU."""

    def __init__(self, kernel: Kernel, name: str, fn: Callable[[Context], Steps]) -> None:
        self.kernel = kernel
        self.name = name
        self.fn = fn
        self.pending_on: Any = kernel.env.var(f"{name}.pending", None)  # a CPU index
        for cpu in kernel.cpus:
            kernel.interrupt(
                f"irq_work/{name}/{cpu.index}",
                self._run,
                cpu=cpu.index,
                kind=HARDIRQ,
                when=self._pending_on(cpu.index),
                repeat=True,
            )

    def _pending_on(self, index: int) -> Callable[[], bool]:
        return lambda: self.pending_on.value == index

    def irq_work_queue(self) -> bool:
        k = self.kernel
        if self.pending_on.value is not None:
            k.emit("irq_work_queue", work=self.name, queued=False)
            return False
        self.pending_on.value = k.current().cpu.index
        k.emit("irq_work_queue", work=self.name, queued=True)
        return True

    def irq_work_run(self) -> Steps:
        """Run the work now if it is pending on this CPU (in the caller's context)."""
        context = self.kernel.current()
        if self.pending_on.value == context.cpu.index:
            yield from self._run(context)

    def _run(self, context: Context) -> Steps:
        self.pending_on.value = None
        self.kernel.emit("irq_work_run", work=self.name)
        yield from self.fn(context)
