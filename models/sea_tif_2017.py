"""The TIF design as the 2017 patches wrote it ("arm64/ras: support sea error recovery",
lkml, 2017-2018), which copied x86's `mce_save_info()` of Linux 3.x
(arch/x86/kernel/cpu/mcheck/mce.c, before task_work replaced it).

The GHES handler, in SEA context, saves the physical address with `current` in a
global table of `SEA_INFO_MAX` (16) entries, each claimed with
`atomic_cmpxchg(&si->inuse, 0, 1)` before the task and address are stored, and sets
`TIF_SEA_NOTIFY`. On the way back to user space `do_notify_resume()` calls
`sea_notify_process()`: it finds the first entry whose task is `current`, calls
`memory_failure(pfn, MF_ACTION_REQUIRED)` and frees the entry. No free entry:
`panic("Too many concurrent recoverable errors")`; the flag set but no entry for
`current`: `panic("Lost physical address for consumed uncorrectable error")`.

Unlike the abstract per-CPU slot (`sea_tif_flag.py`), the table survives preemption,
migration and a second SEA on another CPU. What it does not survive: one flag, one
entry per return to user space, so a second entry for the same task (the SDEI
handler saving for whatever task it interrupted) stays in the table until that task
happens to fault again, and is handled then in place of the new one. `-D slots=1`
with two simultaneous errors reaches the first panic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sea_common import MemoryFailureQueue, make_model

import rasmodel as rm
from rasmodel.kernel import (
    MF_ACTION_REQUIRED,
    NMI,
    Context,
    Kernel,
    Memory,
    Page,
    Task,
    Workqueue,
    panic,
    set_tsk_thread_flag,
)
from rasmodel.kernel.cpu import Steps
from rasmodel.kernel.mm import Pfn

TIF_SEA_NOTIFY = "TIF_SEA_NOTIFY"
CLAIMED = ("claimed", None)  # inuse = 1, task and address not stored yet


class SeaInfoTable:
    """`struct sea_info sea_info[SEA_INFO_MAX]`: entries of (task, pfn), or None."""

    def __init__(self, kernel: Kernel, memory: Memory, wq: Workqueue, params: Mapping[str, int]):
        if not 1 <= params["slots"] <= 16:
            raise rm.ModelError(
                f"-D slots={params['slots']}: the table has 1 to 16 entries "
                "(SEA_INFO_MAX is 16 in the patch)."
            )
        self.kernel = kernel
        self.memory = memory
        self.queue = MemoryFailureQueue(kernel, memory, wq)
        self.entries: list[Any] = [
            kernel.env.var(f"sea_info/{i}", None) for i in range(params["slots"])
        ]
        kernel.tif_handlers[TIF_SEA_NOTIFY] = self.sea_notify_process

    def sea_save_info(self, task: str, pfn: int) -> Steps:
        """Claim the first free entry (`atomic_cmpxchg` on `inuse`), then store."""
        k = self.kernel
        for entry in self.entries:
            if entry.value is None:
                entry.value = CLAIMED
                yield k.step("sea_save_info: entry claimed")
                entry.value = (task, Pfn(pfn))
                k.emit("sea_save_info", task=task, pfn=Pfn(pfn))
                return
        panic(k, "Too many concurrent recoverable errors")

    def sea_find_info(self, task: str) -> Any:
        for entry in self.entries:
            if entry.value is not None and entry.value[0] == task:
                return entry
        return None

    def sea(self, task: Task, page: Page) -> Steps:
        yield from self.kernel.nested(NMI, lambda: self._ghes_notify_sea(task, page))

    def _ghes_notify_sea(self, task: Task, page: Page) -> Steps:
        yield self.kernel.step("ghes_notify_sea")
        yield from self.sea_save_info(task.name, page.pfn)
        set_tsk_thread_flag(self.kernel, task, TIF_SEA_NOTIFY)

    def sdei(self, context: Context, pfn: int) -> Steps:
        """The same GHES code, for whatever task the notification interrupted (the
        idle task when there is none: its entry is never looked for)."""
        curr = context.cpu.curr.value
        yield from self.sea_save_info(curr or f"swapper/{context.cpu.index}", pfn)
        if curr is not None:
            set_tsk_thread_flag(self.kernel, self.kernel.tasks[curr], TIF_SEA_NOTIFY)
        yield self.kernel.step("sdei_handler")

    def irq_report(self, context: Context, pfn: int) -> Steps:
        yield from self.queue.memory_failure_queue(pfn, 0)

    def sea_notify_process(self, task: Task) -> Steps:
        """`sea_notify_process()`: one entry per return to user space."""
        k = self.kernel
        entry = self.sea_find_info(task.name)
        if entry is None:
            panic(k, "Lost physical address for consumed uncorrectable error")
        _, pfn = entry.value
        k.emit("sea_find_info", task=task.name, pfn=pfn)
        yield from self.memory.memory_failure(pfn, MF_ACTION_REQUIRED)
        entry.value = None  # sea_clear_info()


model = make_model("sea-tif-2017", SeaInfoTable, __doc__, defaults={"slots": 16})
model.check(rm.never("panic"), name="no_panic")
