"""Design 3, memory_failure_queue() from the handler: a per-CPU kfifo under a
spinlock (spin_lock_irqsave), then schedule_work_on(); a kworker runs
memory_failure().

Not NMI-safe: when the interrupt-context report on cpu0 holds the kfifo lock and the
asynchronous SDEI lands on cpu0, the SDEI handler spins on a lock its own interrupted
context holds. And the task returns to user space before the kworker runs.
"""

from sea_common import MemoryFailureQueue, make_model

from rasmodel.kernel import NMI


class MfQueueInNmi:
    def __init__(self, kernel, memory, wq, params):
        self.kernel = kernel
        self.queue = MemoryFailureQueue(kernel, memory, wq)

    def sea(self, task, page):
        yield from self.kernel.nested(NMI, lambda: self._do_sea(page))

    def _do_sea(self, page):
        yield self.kernel.step("do_sea")
        yield from self.queue.memory_failure_queue(page.pfn, 0)

    def sdei(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)

    def irq_report(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)


model = make_model("sea-mf-queue-in-nmi", MfQueueInNmi, __doc__)
