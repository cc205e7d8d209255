"""`memory_failure_queue()` and its work function, mm/memory-failure.c.

For callers that cannot sleep (interrupt context): the record goes into a per-CPU
kfifo under a spinlock taken with `spin_lock_irqsave()`, and `schedule_work_on()`
queues that CPU's `memory_failure_work_func()`, which drains the fifo into
`memory_failure()` from a kworker. Not NMI-safe: an NMI-like handler that calls it
while the context it interrupted holds the lock spins on it forever. From v5.8 to
v6.16, `memory_failure_queue_kick()` let the task that took a synchronous error
drain its CPU's fifo itself before returning to user space.
"""

from __future__ import annotations

from collections.abc import Callable

from rasmodel.kernel.cpu import Context, Kernel, Steps
from rasmodel.kernel.kfifo import KFifo
from rasmodel.kernel.locks import SpinLock
from rasmodel.kernel.mm import Memory
from rasmodel.kernel.workqueue import Workqueue


class MemoryFailureQueue:
    """The per-CPU `memory_failure_cpu` fifos, locks and works of one machine."""

    def __init__(self, kernel: Kernel, memory: Memory, wq: Workqueue, size: int = 4) -> None:
        self.kernel = kernel
        self.memory = memory
        self.wq = wq
        self.fifos = [KFifo(kernel, f"mf_fifo/{c.index}", size) for c in kernel.cpus]
        self.locks = [SpinLock(kernel, f"mf_fifo_lock/{c.index}") for c in kernel.cpus]
        self.works = [
            wq.work(f"memory_failure_work/{c.index}", self._work_func(c.index)) for c in kernel.cpus
        ]

    def _work_func(self, cpu: int) -> Callable[[Context], Steps]:
        return lambda context: self._drain(cpu)

    def memory_failure_queue(self, pfn: int, flags: int) -> Steps:
        """Queue `memory_failure(pfn, flags)` for this CPU's kworker."""
        k = self.kernel
        cpu = k.current().cpu.index
        k.emit("memory_failure_queue", pfn=pfn)
        flags_irq = yield from self.locks[cpu].spin_lock_irqsave()
        queued = yield from self.fifos[cpu].kfifo_put((pfn, flags))
        if queued:
            self.wq.schedule_work_on(cpu, self.works[cpu])
        self.locks[cpu].spin_unlock_irqrestore(flags_irq)

    def memory_failure_queue_kick(self, cpu: int) -> Steps:
        """`memory_failure_queue_kick()` (v5.8 to v6.16): cancel `cpu`'s work, or wait
        for it if it is running, then drain that CPU's fifo here, in the caller's
        context (the task returning to user space, so `current` is the task)."""
        self.kernel.emit("memory_failure_queue_kick", cpu=f"cpu{cpu}")
        yield from self.wq.cancel_work_sync(self.works[cpu])
        yield from self._drain(cpu)

    def _drain(self, cpu: int) -> Steps:
        """`memory_failure_work_func()`."""
        while True:
            flags_irq = yield from self.locks[cpu].spin_lock_irqsave()
            entry = self.fifos[cpu].kfifo_get()
            self.locks[cpu].spin_unlock_irqrestore(flags_irq)
            if entry is None:
                return
            pfn, flags = entry
            yield from self.memory.memory_failure(pfn, flags)
