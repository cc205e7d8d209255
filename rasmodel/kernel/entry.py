"""The way back to user space: kernel/entry/common.c `exit_to_user_mode_loop()`.

After a last preemption point (`exit_to_user_mode`), in task context, round after
round until no work is left: a pending signal (`get_signal()` runs pending task_work
before it; a fatal one kills the task here), the task's task_work
(`resume_user_mode_work()`), then the handler of every TIF flag set on the task (the
arch work, `do_notify_resume()`); each round re-reads what is pending, so work that
a handler or an interrupt queued meanwhile is done before the task leaves. After the
last check one more scheduling point: an NMI-like exception may still set a flag
there, which the task then carries to user space (as on hardware, where the final
check runs with IRQs masked but not NMIs or SDEI). Then `ret_to_user`. Returning
with preemption disabled is a model error.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import Kernel, Task
from rasmodel.kernel.signal import get_signal, signal_pending
from rasmodel.kernel.task_work import task_work_run


def exit_to_user(kernel: Kernel, task: Task) -> Generator[Any, Any, bool]:
    """Signals, task_work and TIF work until none is pending, then `ret_to_user`.
    Returns True when a signal killed the task on the way (it does not return to
    user space), else False."""
    yield kernel.step("exit_to_user_mode")
    _check_preemptible(kernel, task)
    while True:
        if signal_pending(task) and (yield from get_signal(kernel, task)):
            return True
        yield from task_work_run(kernel, task)
        flags = [flag for flag in sorted(task.flags.value) if flag in kernel.tif_handlers]
        for flag in flags:
            task.flags.value = task.flags.value - {flag}
            kernel.emit("do_notify_resume", task=task.name, flag=flag)
            yield from kernel.tif_handlers[flag](task)
        if not (flags or task.task_works or signal_pending(task)):
            break
    _check_preemptible(kernel, task)
    flags_before = kernel.local_irq_save()  # the final check runs with IRQs masked
    yield kernel.step("exit_to_user_mode: return")
    kernel.emit("ret_to_user", task=task.name, cpu=kernel.current().cpu.name)
    kernel.local_irq_restore(flags_before)  # eret: user space runs with IRQs on
    return False


def _check_preemptible(kernel: Kernel, task: Task) -> None:
    cpu = kernel.current().cpu
    if cpu.preempt_count.value > 0:
        raise ModelError(
            f"{task.name} returns to user space with preemption disabled on {cpu.name}.",
            where=caller_location(),
            hint="Release every spinlock and preempt_disable() before returning to user.",
        )
