"""Design 4, lock-free estatus queue + irq_work + workqueue: the handler copies the
record into the preallocated pool, pushes it on the global llist and raises the
global irq_work; its handler (hard-IRQ context, after the NMI returns) drains the
list into memory_failure_queue(), and a kworker runs memory_failure(pfn, 0).

Reentrancy-safe and nothing lost while the pool has room; but the task can return to
user space before the kworker runs, and the SIGBUS is BUS_MCEERR_AO from a kworker.
"""

from sea_common import Estatus, MemoryFailureQueue, make_model

from rasmodel.kernel import NMI


class EstatusWorkqueue:
    def __init__(self, kernel, memory, wq, params):
        self.kernel = kernel
        self.queue = MemoryFailureQueue(kernel, memory, wq)
        self.estatus = Estatus(kernel, params["pool"], self.ghes_do_proc)

    def ghes_do_proc(self, context, record):
        pfn, _sync, _task = record
        yield from self.queue.memory_failure_queue(pfn, 0)

    def sea(self, task, page):
        yield from self.kernel.nested(NMI, lambda: self.ghes_notify_sea(task, page))

    def ghes_notify_sea(self, task, page):
        yield self.kernel.step("ghes_notify_sea")
        yield from self.estatus.ghes_in_nmi_queue((page.pfn, True, task.name))

    def sdei(self, context, pfn):
        yield from self.estatus.ghes_in_nmi_queue((pfn, False, None))

    def irq_report(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)


model = make_model("sea-estatus-workqueue", EstatusWorkqueue, __doc__)
