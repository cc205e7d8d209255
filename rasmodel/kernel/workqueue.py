"""Workqueues (`schedule_work_on`, `flush_work`, `cancel_work_sync`) and their
kworkers, kernel/workqueue.c.

Each CPU has a kworker: a kernel thread (a daemon task, scheduled like any task)
that sleeps until work is queued on its CPU, then runs the work items in task
context. Scheduling a work item that is already pending does nothing. `flush_work`
sleeps until the work is neither pending nor running; `cancel_work_sync` takes a
pending work off its queue, then waits for a running one. Either, called from the
work itself, would wait for itself forever: a model error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import Context, Kernel, Steps
from rasmodel.kernel.sync import _Sleepers
from rasmodel.sim.state import Queue


class Work:
    """`struct work_struct`."""

    def __init__(self, kernel: Kernel, name: str, fn: Callable[[Context], Steps]) -> None:
        self.name = name
        self.fn = fn
        self.pending: Any = kernel.env.var(f"{name}.pending", False)
        self.cpu: Any = kernel.env.var(f"{name}.cpu", None)  # the queue it is on
        self.running: Any = kernel.env.var(f"{name}.running", None)  # by which kworker
        self.flushers = _Sleepers(kernel, f"{name}.flush")


class Workqueue:
    """The system workqueue: one kworker per CPU."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.works: dict[str, Work] = {}
        self.queues: list[Queue[str]] = [kernel.env.queue(f"wq/{c.index}") for c in kernel.cpus]
        self.kworkers = [
            kernel.queue_thread(
                f"kworker/{c.index}", c.index, queue, self._process, "worker_thread"
            )
            for c, queue in zip(kernel.cpus, self.queues, strict=True)
        ]

    def work(self, name: str, fn: Callable[[Context], Steps]) -> Work:
        work = Work(self.kernel, name, fn)
        self.works[name] = work
        return work

    def schedule_work_on(self, cpu: int, work: Work) -> bool:
        """`schedule_work_on()`: queue `work` on `cpu`'s kworker unless it is pending;
        not NMI-safe (it takes `pool->lock`, see `Kernel.nmi_unsafe`)."""
        k = self.kernel
        k.check_cpu(cpu, f"schedule_work_on({cpu!r}, {work.name!r})")
        k.nmi_unsafe("schedule_work_on", f"pool->lock/{cpu}")
        if work.pending.value:
            k.emit("schedule_work_on", work=work.name, cpu=f"cpu{cpu}", queued=False)
            return False
        work.pending.value = True
        work.cpu.value = cpu
        self.queues[cpu].append(work.name)
        k.wake(self.kworkers[cpu])
        k.emit("schedule_work_on", work=work.name, cpu=f"cpu{cpu}", queued=True)
        return True

    def flush_work(self, work: Work) -> Steps:
        """`flush_work()`: sleep until `work` is neither pending nor running; True
        when there was something to wait for."""
        self._not_from_itself(work, "flush_work")
        self.kernel.might_sleep(f"flush_work {work.name}")
        busy = work.pending.value or work.running.value is not None
        yield from work.flushers.wait(lambda: not self._busy(work), f"flush_work {work.name}")
        return bool(busy)

    def cancel_work_sync(self, work: Work) -> Steps:
        """`cancel_work_sync()`: take a pending `work` off its queue, wait for a
        running one to finish; True when it was pending."""
        self._not_from_itself(work, "cancel_work_sync")
        k = self.kernel
        k.might_sleep(f"cancel_work_sync {work.name}")
        pending = bool(work.pending.value)
        if pending:
            work.pending.value = False
            self.queues[work.cpu.value].remove(work.name)
        k.emit("cancel_work_sync", work=work.name, pending=pending)
        label = f"cancel_work_sync {work.name}"
        yield from work.flushers.wait(lambda: work.running.value is None, label)
        return pending

    def _busy(self, work: Work) -> bool:
        return bool(work.pending.value) or work.running.value is not None

    def _not_from_itself(self, work: Work, what: str) -> None:
        if work.running.value == self.kernel.current().process:
            raise ModelError(
                f"{what}({work.name}) from the work itself: it would wait for itself forever.",
                where=caller_location(3),
                hint="Flush or cancel a work only from outside its own function.",
            )

    def _process(self, name: str) -> Steps:
        """`process_one_work()` in the kworker that popped `name`."""
        k = self.kernel
        context = k.current()
        work = self.works[name]
        work.pending.value = False
        work.running.value = context.process
        k.emit("process_one_work", work=work.name)
        yield from work.fn(context)
        work.running.value = None
        work.flushers.wake_all()
