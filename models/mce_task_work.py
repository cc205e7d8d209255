"""x86 machine checks: queue_task_work() / kill_me_maybe() (arch/x86/kernel/cpu/mce).

The #MC handler (NMI-like) keeps one slot per task (current->mce_addr) and a count
(current->mce_count): the first error saves the address and adds the task_work
(TWA_RESUME); a second error before the task_work ran is merged when it hits the same
page, and panics when it hits a different one. kill_me_maybe() then calls
memory_failure(pfn, MF_ACTION_REQUIRED) before the task returns to user space.

`-D second=0` (default): one error per task. `second=1`: after the first error, the
task's kernel code touches the same page again (copy_from_user) before returning;
`second=2`: it touches another poisoned page, and the machine panics.
"""

from sea_common import MemoryFailureQueue, make_model

import rasmodel as rm
from rasmodel.kernel import MF_ACTION_REQUIRED, NMI, exit_to_user, task_work_add


class MceTaskWork:
    def __init__(self, kernel, memory, wq, params):
        self.kernel = kernel
        self.memory = memory
        self.queue = MemoryFailureQueue(kernel, memory, wq)
        env = kernel.env
        self.addr = {}
        self.count = {}
        for name in ("A", "B"):
            self.addr[name] = env.var(f"{name}.mce_addr", None)
            self.count[name] = env.var(f"{name}.mce_count", 0)
        kernel.callbacks["kill_me_maybe"] = self.kill_me_maybe

    def sea(self, task, page):
        yield from self.kernel.nested(NMI, lambda: self.do_machine_check(task, page))

    def do_machine_check(self, task, page):
        """queue_task_work(): one slot per task plus a count."""
        k = self.kernel
        yield k.step("do_machine_check")
        count = self.count[task.name].value + 1
        self.count[task.name].value = count
        if count == 1:
            self.addr[task.name].value = page.pfn
            task_work_add(k, task, "kill_me_maybe")
        elif self.addr[task.name].value != page.pfn:
            k.emit("panic", reason="Consecutive machine checks to different user pages")
        else:
            k.emit("mce_merged", task=task.name, pfn=page.pfn)

    def kill_me_maybe(self, task):
        pfn = self.addr[task.name].value
        self.count[task.name].value = 0
        yield from self.memory.memory_failure(pfn, MF_ACTION_REQUIRED)

    def sdei(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)  # an async report (no #MC)

    def irq_report(self, context, pfn):
        yield from self.queue.memory_failure_queue(pfn, 0)


def program(k, memory, page, params):
    second = params["second"]

    def run(task):
        yield from memory.user_access(task, page)
        if second:
            yield k.step(f"{task.name} copy_from_user")
            other = (
                page
                if second == 1
                else memory.page(page.pfn + 1, poisoned=True, mapped_by=(task.name,))
            )
            k.emit("kernel_access", task=task.name, pfn=other.pfn)
            k.emit("sea", task=task.name, pfn=other.pfn, cpu=k.current().cpu.name)
            k.emit("error_reported", pfn=other.pfn, source="mce")
            yield from memory.sea_handler(task, other)
        yield from exit_to_user(k, task)

    return run


model = make_model(
    "mce-task-work",
    MceTaskWork,
    __doc__,
    defaults={"second": 0, "errors": 2, "sdei": 0, "irq_report": 0, "migrations": 1},
    program=program,
)
model.check(rm.never("panic"), name="no_panic")
