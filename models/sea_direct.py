"""Design 1, direct: the SEA handler calls memory_failure() itself.

memory_failure() may sleep and takes locks; the handler runs in NMI-like context, so
this sleeps in atomic context. (The asynchronous SDEI handler does the same; the
interrupt-context report uses memory_failure_queue().)
"""

from sea_common import MemoryFailureQueue, make_model

from rasmodel.kernel import MF_ACTION_REQUIRED, NMI


class Direct:
    def __init__(self, kernel, memory, wq, params):
        self.kernel = kernel
        self.memory = memory
        self.queue = MemoryFailureQueue(kernel, memory, wq)

    def sea(self, task, page):
        yield from self.kernel.nested(NMI, lambda: self._do_sea(page))

    def _do_sea(self, page):
        yield self.kernel.step("do_sea")
        yield from self.memory.memory_failure(page.pfn, MF_ACTION_REQUIRED)

    def sdei(self, context, pfn):
        yield from self.memory.memory_failure(pfn, 0)

    def irq_report(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)


model = make_model("sea-direct", Direct, __doc__)
