"""Design 5, lock-free estatus queue + task_work (upstream since late 2023): as design
4, but for a synchronous error the irq_work handler adds a task_work (TWA_RESUME) to
the current task, which runs memory_failure(pfn, MF_ACTION_REQUIRED) before that
task returns to user space; apei_claim_sea() runs irq_work_run() on its CPU before
returning, so the task_work is added while the faulting task is current.
Asynchronous errors still go to the workqueue.
"""

from sea_common import make_model
from sea_estatus_workqueue import EstatusWorkqueue

from rasmodel.kernel import HARDIRQ, MF_ACTION_REQUIRED, task_work_add


class EstatusTaskWork(EstatusWorkqueue):
    def ghes_do_proc(self, context, record):
        """Synchronous records become task_work on the task current on this CPU."""
        pfn, sync, _task = record
        curr = context.cpu.curr.value
        if sync and curr is not None and not self.kernel.tasks[curr].kthread:
            task = self.kernel.tasks[curr]
            task_work_add(self.kernel, task, "memory_failure", pfn, MF_ACTION_REQUIRED)
            return
        yield from super().ghes_do_proc(context, record)

    def sea(self, task, page):
        """apei_claim_sea(): ghes_notify_sea() in NMI context, then irq_work_run() in
        IRQ context on the same CPU, while the faulting task is still current. The
        exception runs with IRQs masked (no IRQ, no preemption on this CPU), but
        other CPUs go on between nmi_exit() and irq_work_run()."""
        k = self.kernel
        flags = k.local_irq_save()
        yield from super().sea(task, page)
        yield k.step("apei_claim_sea: irq_work_run")
        yield from k.nested(HARDIRQ, self.estatus.irq_work.irq_work_run)
        k.local_irq_restore(flags)


model = make_model("sea-estatus-task-work", EstatusTaskWork, __doc__)
