"""The way back to user space: kernel/entry/common.c `exit_to_user_mode_loop()`.

After a last preemption point (`exit_to_user_mode`), in task context: a pending
signal is delivered first (`get_signal()` runs pending task_work before it); then
the handler of every TIF flag set on the task (the arch work) and its task_work
(`resume_user_mode_work()`); a signal those queued (the SIGBUS of `memory_failure()`
in a task_work) is delivered in the loop's next round, before the task returns to
user space (a `ret_to_user` event). Returning with preemption disabled is a model
error.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import Kernel, Task
from rasmodel.kernel.signal import get_signal, signal_pending
from rasmodel.kernel.task_work import task_work_run


def exit_to_user(kernel: Kernel, task: Task) -> Generator[Any, Any, bool]:
    """Signals, TIF work, task_work, then `ret_to_user`. Returns True when a signal
    killed the task on the way (it does not return to user space), else False."""
    yield kernel.step("exit_to_user_mode")
    if signal_pending(task) and (yield from get_signal(kernel, task)):
        return True
    for flag in sorted(task.flags.value):
        if flag in kernel.tif_handlers:
            task.flags.value = task.flags.value - {flag}
            kernel.emit("do_notify_resume", task=task.name, flag=flag)
            yield from kernel.tif_handlers[flag](task)
    yield from task_work_run(kernel, task)
    if signal_pending(task) and (yield from get_signal(kernel, task)):
        return True
    cpu = kernel.current().cpu
    if cpu.preempt_count.value > 0:
        raise ModelError(
            f"{task.name} returns to user space with preemption disabled on {cpu.name}.",
            where=caller_location(),
            hint="Release every spinlock and preempt_disable() before returning to user.",
        )
    kernel.emit("ret_to_user", task=task.name, cpu=cpu.name)
    return False
