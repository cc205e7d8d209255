"""irq_work (`irq_work_queue`, `irq_work_queue_on`, `irq_work_run`), kernel/irq_work.c.

Queued from any context, NMI included: the work goes on the CPU's raised list
(`__irq_work_queue_local`) and the CPU raises its irq_work IPI
(`arch_irq_work_raise`). One hard-IRQ context per CPU, `irq_work_ipi/N`, takes that
interrupt as soon as the CPU has IRQs enabled and no IRQ or NMI running, and runs
every work on the list (`irq_work_run_list`: `llist_del_all`, newest first); a work
queued while it runs raises the IPI again. Queuing work that is already pending, on
this CPU or elsewhere, does nothing (`IRQ_WORK_PENDING`). `irq_work_queue_on(cpu)`
puts it on another CPU's list. `irq_work_run()` runs this CPU's raised list now, in
the caller's context.

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
        if kernel.irq_work_ipi is None:
            kernel.irq_work_ipi = _IrqWorkIpi(kernel)
        kernel.irq_work_ipi.works[name] = self

    def irq_work_queue(self) -> bool:
        """Queue the work on this CPU; False when it was already pending."""
        return self.irq_work_queue_on(self.kernel.current().cpu.index)

    def irq_work_queue_on(self, cpu: int) -> bool:
        """Queue the work on `cpu` (which takes the IPI); False when already pending."""
        k = self.kernel
        k.check_cpu(cpu, f"irq_work_queue_on({self.name!r}, {cpu!r})")
        if self.pending_on.value is not None:
            k.emit("irq_work_queue", work=self.name, queued=False)
            return False
        self.pending_on.value = cpu
        k.emit("irq_work_queue", work=self.name, queued=True)
        if self.lazy:
            k.irq_workd.queue(cpu, self)
        else:
            k.irq_work_ipi.raise_on(cpu, self)
        return True

    def irq_work_run(self) -> Steps:
        """`irq_work_run()`: run this CPU's raised works now, in the caller's context
        (lazy works are left to the `irq_work/N` kthread)."""
        yield from irq_work_run(self.kernel)

    def _run(self, context: Context) -> Steps:
        self.pending_on.value = None
        self.kernel.emit("irq_work_run", work=self.name)
        yield from self.fn(context)


def irq_work_run(kernel: Kernel) -> Steps:
    """`irq_work_run()`: run every work raised on this CPU now, in the caller's context."""
    if kernel.irq_work_ipi is not None:
        context = kernel.current()
        yield from kernel.irq_work_ipi.run_list(context)


class _IrqWorkIpi:
    """The raised list of each CPU and the hard-IRQ context that takes its IPI."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.works: dict[str, IrqWork] = {}
        self.raised: list[Queue[str]] = [
            kernel.env.queue(f"irq_work_raised/{c.index}") for c in kernel.cpus
        ]
        for cpu, raised in zip(kernel.cpus, self.raised, strict=True):
            kernel.interrupt(
                f"irq_work_ipi/{cpu.index}",
                self.run_list,
                cpu=cpu.index,
                kind=HARDIRQ,
                when=raised.__bool__,
                repeat=True,
            )

    def raise_on(self, cpu: int, work: IrqWork) -> None:
        self.raised[cpu].append(work.name)

    def run_list(self, context: Context) -> Steps:
        """`irq_work_run_list()`: take the whole list (`llist_del_all`) and run its
        works newest first."""
        raised = self.raised[context.cpu.index]
        names = list(raised)
        raised.clear()
        for name in reversed(names):
            yield from self.works[name]._run(context)


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
