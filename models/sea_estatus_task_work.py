"""Design 5, lock-free estatus queue + task_work (upstream since late 2023): as design
4, but for a synchronous error the irq_work handler adds a task_work (TWA_RESUME) to
the current task, which runs memory_failure(pfn, MF_ACTION_REQUIRED) before that
task returns to user space; apei_claim_sea() runs irq_work_run() on its CPU before
returning, so the task_work is added while the faulting task is current.
Asynchronous errors still go to the workqueue.
"""

from sea_common import Estatus, MemoryFailureQueue, make_model

from rasmodel.kernel import HARDIRQ, MF_ACTION_REQUIRED, NMI, task_work_add


class EstatusTaskWork:
    def __init__(self, kernel, memory, wq):
        self.kernel = kernel
        self.queue = MemoryFailureQueue(kernel, memory, wq)
        self.estatus = Estatus(kernel, 4, self.ghes_do_proc)

    def ghes_do_proc(self, context, record):
        pfn, sync, _task = record
        curr = context.cpu.curr.value
        if sync and curr is not None and not self.kernel.tasks[curr].kthread:
            task_work_add(
                self.kernel, self.kernel.tasks[curr], "memory_failure", pfn, MF_ACTION_REQUIRED
            )
            return
        yield from self.queue.memory_failure_queue(pfn, 0)

    def sea(self, task, page):
        """apei_claim_sea(): ghes_notify_sea() in NMI context, then irq_work_run() in
        IRQ context on the same CPU, while the faulting task is still current."""
        k = self.kernel
        yield from k.nested(NMI, lambda: self.ghes_notify_sea(task, page))
        yield from k.nested(HARDIRQ, self.estatus.irq_work.irq_work_run)

    def ghes_notify_sea(self, task, page):
        yield self.kernel.step("ghes_notify_sea")
        yield from self.estatus.ghes_in_nmi_queue((page.pfn, True, task.name))

    def sdei(self, context, pfn):
        yield from self.estatus.ghes_in_nmi_queue((pfn, False, None))

    def irq_report(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)


model = make_model("sea-estatus-task-work", EstatusTaskWork, __doc__)
