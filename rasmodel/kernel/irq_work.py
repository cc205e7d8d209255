"""irq_work (`irq_work_queue`, `irq_work_run`), kernel/irq_work.c.

Queued from any context, NMI included; the work then runs in hard-IRQ context on the
CPU that queued it, as soon as that CPU has IRQs enabled and no IRQ or NMI running
(the self-IPI after the NMI returns). Queuing work that is already pending, on this
CPU or elsewhere, does nothing. `irq_work_run()` runs this CPU's pending work now.

On PREEMPT_RT (`Kernel(..., preempt_rt=True)`) a work not marked `hard`
(`IRQ_WORK_HARD_IRQ`) is lazy: `__irq_work_queue_local()` puts it on the CPU's
lazy list, and the per-CPU kernel thread `irq_work/N` runs it in task context, where
`current` is that kthread and the work may be preempted or sleep. The kthread is
SCHED_FIFO (`sched_set_fifo_low`): once woken it preempts a normal task at that
task's next preemption point (`Kernel.fifo_preempts`). `irq_work_run()`
leaves lazy works to the kthread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.kernel.cpu import HARDIRQ, Context, Kernel, Steps
from rasmodel.sim.state import Queue


class IrqWork:
    """`struct irq_work`: one callback, pending on at most one CPU."""

    def __init__(
        self, kernel: Kernel, name: str, fn: Callable[[Context], Steps], *, hard: bool = False
    ) -> None:
        self.kernel = kernel
        self.name = name
        self.fn = fn
        self.pending_on: Any = kernel.env.var(f"{name}.pending", None)  # a CPU index
        self.lazy = kernel.preempt_rt and not hard
        if self.lazy:
            if kernel.irq_workd is None:
                kernel.irq_workd = _IrqWorkd(kernel)
            kernel.irq_workd.works[name] = self
            return
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
        cpu = k.current().cpu.index
        self.pending_on.value = cpu
        k.emit("irq_work_queue", work=self.name, queued=True)
        if self.lazy:
            k.irq_workd.queue(cpu, self)
        return True

    def irq_work_run(self) -> Steps:
        """Run the work now if it is pending on this CPU (in the caller's context)."""
        context = self.kernel.current()
        if not self.lazy and self.pending_on.value == context.cpu.index:
            yield from self._run(context)

    def _run(self, context: Context) -> Steps:
        self.pending_on.value = None
        self.kernel.emit("irq_work_run", work=self.name)
        yield from self.fn(context)


class _IrqWorkd:
    """The PREEMPT_RT `irq_work/N` kthreads and their lazy lists."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.works: dict[str, IrqWork] = {}
        self.lists: list[Queue[str]] = [
            kernel.env.queue(f"irq_work_lazy/{c.index}") for c in kernel.cpus
        ]
        self.threads = [
            kernel.queue_thread(
                f"irq_work/{c.index}", c.index, lazy, self._run, "run_irq_workd", fifo=True
            )
            for c, lazy in zip(kernel.cpus, self.lists, strict=True)
        ]

    def queue(self, cpu: int, work: IrqWork) -> None:
        self.lists[cpu].append(work.name)
        self.kernel.wake(self.threads[cpu])

    def _run(self, name: str) -> Steps:
        """`run_irq_workd()`: one work of the lazy list, in the kthread's context."""
        work = self.works[name]
        yield from work._run(self.kernel.current())
