"""Workqueues (`schedule_work_on`) and their kworkers, kernel/workqueue.c.

Each CPU has a kworker: a kernel thread (a daemon task, scheduled like any task)
that sleeps until work is queued on its CPU, then runs the work items in task
context. Scheduling a work item that is already pending does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.kernel.cpu import SLEEPING, Context, Kernel, Steps, Task
from rasmodel.sim.state import Queue


class Work:
    """`struct work_struct`."""

    def __init__(self, kernel: Kernel, name: str, fn: Callable[[Context], Steps]) -> None:
        self.name = name
        self.fn = fn
        self.pending: Any = kernel.env.var(f"{name}.pending", False)


class Workqueue:
    """The system workqueue: one kworker per CPU."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.works: dict[str, Work] = {}
        self.queues: list[Queue[str]] = [kernel.env.queue(f"wq/{c.index}") for c in kernel.cpus]
        self.kworkers = [self._kworker(cpu.index) for cpu in kernel.cpus]
        for worker in self.kworkers:
            worker.state.value = SLEEPING

    def _kworker(self, index: int) -> Task:
        def body(task: Task) -> Steps:
            return self._worker(task, index)

        return self.kernel.task(f"kworker/{index}", body, cpu=index, kthread=True, daemon=True)

    def work(self, name: str, fn: Callable[[Context], Steps]) -> Work:
        work = Work(self.kernel, name, fn)
        self.works[name] = work
        return work

    def schedule_work_on(self, cpu: int, work: Work) -> bool:
        k = self.kernel
        if work.pending.value:
            k.emit("schedule_work_on", work=work.name, cpu=f"cpu{cpu}", queued=False)
            return False
        work.pending.value = True
        self.queues[cpu].append(work.name)
        k.wake(self.kworkers[cpu])
        k.emit("schedule_work_on", work=work.name, cpu=f"cpu{cpu}", queued=True)
        return True

    def _worker(self, task: Task, index: int) -> Steps:
        k = self.kernel
        queue = self.queues[index]
        while True:
            if not queue:
                k.sleep(task)
                yield k.step("worker_thread sleeps")
                continue
            work = self.works[queue.popleft()]
            work.pending.value = False
            k.emit("process_one_work", work=work.name)
            yield from work.fn(k.current())
            yield k.step("worker_thread")
