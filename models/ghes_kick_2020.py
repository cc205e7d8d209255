"""The arm64 GHES design of Linux v5.8 to v6.16 (the 6.12 LTS included), which
upstream replaced in v6.17: `memory_failure_queue()` plus `ghes_kick_task_work()`.

Firmware, the SEA, `apei_claim_sea()`, `ghes_notify_sea()` and the estatus list are
as in `ghes_upstream.py` (its scenario, parameters and properties). What differs,
from drivers/acpi/apei/ghes.c of those releases:

- `ghes_do_proc()` always queues the error with `memory_failure_queue(pfn, flags)`
  (a per-CPU kfifo and the CPU's kworker); `flags` is MF_ACTION_REQUIRED for a
  synchronous error since v6.8 (`-D mf_flags=1`), 0 before (`-D mf_flags=0`).
- `ghes_proc_in_irq()`: when something was queued and `current->mm` is set (the
  check since v6.1), the estatus node is kept and becomes a task_work,
  `ghes_kick_task_work()`, remembering this CPU; otherwise the node is freed.
- `ghes_kick_task_work()`, on the way back to user space:
  `memory_failure_queue_kick(cpu)` (`cancel_work_sync()` of that CPU's work, then
  drain its kfifo in the task, so `memory_failure()` runs with `current` the task),
  then `gen_pool_free()` of the node.

If the kworker runs first, `memory_failure()` runs in the kworker, which maps
nothing. The v6.17 cover letter names that race (BUS_MCEERR_AO or no signal instead
of AR) as the reason for the change.

    rasmodel check models/ghes_kick_2020.py -D preemptions=1
"""

from __future__ import annotations

from typing import Any

from ghes_upstream import Ghes, make_model

from rasmodel.kernel import MF_ACTION_REQUIRED, task_work_add
from rasmodel.kernel.cpu import Context, Steps, Task


class GhesKick(Ghes):
    def __init__(self, kernel: Any, memory: Any, params: Any) -> None:
        super().__init__(kernel, memory, params)
        self.flags = MF_ACTION_REQUIRED if params["mf_flags"] else 0
        kernel.callbacks["ghes_kick_task_work"] = self.ghes_kick_task_work

    def _proc_in_irq(self, index: int) -> Any:
        def ghes_proc_in_irq(context: Context) -> Steps:
            k = self.kernel
            for pfn, node in self.llists[index].llist_del_all():
                queued = yield from self.ghes_do_proc(pfn)
                self.cache.value = self.cache.value | {pfn}
                current = k.current_task()
                if queued and current is not None and current.mm is not None:
                    cpu = k.smp_processor_id()
                    task_work_add(k, current, "ghes_kick_task_work", node, cpu)
                else:
                    self.pool.gen_pool_free(node)
                yield k.step("ghes_proc_in_irq: next record")

        return ghes_proc_in_irq

    def ghes_do_proc(self, pfn: int) -> Steps:
        k = self.kernel
        current = k.current_task()
        k.emit("ghes_do_proc", pfn=pfn, current=current.name if current else None)
        yield from self.mf_queue.memory_failure_queue(pfn, self.flags)
        return True

    def ghes_kick_task_work(self, task: Task, node: int, cpu: int) -> Steps:
        yield from self.mf_queue.memory_failure_queue_kick(cpu)
        self.pool.gen_pool_free(node)


model = make_model("ghes-kick-2020", GhesKick, __doc__, {"mf_flags": 1})
