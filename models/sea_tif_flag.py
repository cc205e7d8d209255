"""Design 2, TIF flag: the handler stores the pfn in a per-CPU slot and sets
TIF_SEA_NOTIFY on the task; do_notify_resume() calls memory_failure() on the way
back to user space.

The scheduler can preempt (or migrate) the task before it gets there and run another
task that faults too: the single slot is overwritten, the first task's page is never
handled, and it is signalled with the other task's address. The SDEI handler uses the
same slot, flagging whatever task it interrupted.
"""

from sea_common import MemoryFailureQueue, make_model

from rasmodel.kernel import MF_ACTION_REQUIRED, NMI, set_tsk_thread_flag

TIF_SEA_NOTIFY = "TIF_SEA_NOTIFY"


class TifFlag:
    def __init__(self, kernel, memory, wq, params):
        self.kernel = kernel
        self.memory = memory
        self.queue = MemoryFailureQueue(kernel, memory, wq)
        self.slots = [kernel.env.var(f"sea_slot/{c.index}", None) for c in kernel.cpus]
        kernel.tif_handlers[TIF_SEA_NOTIFY] = self.do_notify_resume

    def _store(self, pfn, task):
        cpu = self.kernel.current().cpu
        self.slots[cpu.index].value = pfn
        self.kernel.emit("sea_slot_store", cpu=cpu.name, pfn=pfn)
        if task is not None:
            set_tsk_thread_flag(self.kernel, task, TIF_SEA_NOTIFY)

    def sea(self, task, page):
        yield from self.kernel.nested(NMI, lambda: self._do_sea(task, page))

    def _do_sea(self, task, page):
        yield self.kernel.step("do_sea")
        self._store(page.pfn, task)

    def sdei(self, context, pfn):
        curr = context.cpu.curr.value
        self._store(pfn, self.kernel.tasks[curr] if curr is not None else None)
        yield self.kernel.step("sdei_handler")

    def irq_report(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)

    def do_notify_resume(self, task):
        cpu = self.kernel.current().cpu
        pfn = self.slots[cpu.index].value
        self.slots[cpu.index].value = None
        self.kernel.emit("sea_slot_load", cpu=cpu.name, pfn=pfn)
        if pfn is not None:
            yield from self.memory.memory_failure(pfn, MF_ACTION_REQUIRED)


model = make_model("sea-tif-flag", TifFlag, __doc__)
