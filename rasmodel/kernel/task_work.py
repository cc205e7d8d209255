"""TIF flags, `task_work_add(TWA_RESUME)` and the way back to user space.

`exit_to_user()` follows `exit_to_user_mode_prepare()`/`do_notify_resume()`: after a
last preemption point it runs, in task context, the handler of every TIF flag set
on the task and then its task_work callbacks, and only then returns to user space
(a `ret_to_user` event). Returning with preemption disabled is a model error.
task_works run most recently added first: kernel/task_work.c pushes on a singly
linked list and `task_work_run()` walks it from the head (no FIFO order since 2015).
"""

from __future__ import annotations

from typing import Any

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import Kernel, Steps, Task

TWA_RESUME = "TWA_RESUME"


def set_tsk_thread_flag(kernel: Kernel, task: Task, flag: str) -> None:
    task.flags.value = task.flags.value | {flag}
    kernel.emit("set_tsk_thread_flag", task=task.name, flag=flag)


def task_work_add(kernel: Kernel, task: Task, callback: str, *args: Any) -> None:
    """Queue `kernel.callbacks[callback](task, *args)` to run before `task` returns to
    user space (TWA_RESUME). As upstream, a kernel thread accepts it too, and since
    it never returns to user space the work never runs (a `task_work_add` event with
    `kthread=True` says so)."""
    if callback not in kernel.callbacks:
        raise ModelError(
            f"task_work_add(): no callback named {callback!r} is registered.",
            where=caller_location(),
            hint="Register it first: kernel.callbacks[name] = function(task, *args).",
        )
    task.task_works.appendleft((callback, *args))  # a LIFO list, as task->task_works
    kernel.emit("task_work_add", task=task.name, work=callback, args=args, kthread=task.kthread)


def exit_to_user(kernel: Kernel, task: Task) -> Steps:
    """The return to user space: TIF work, then task_work, then `ret_to_user`."""
    yield kernel.step("exit_to_user_mode")
    for flag in sorted(task.flags.value):
        if flag in kernel.tif_handlers:
            task.flags.value = task.flags.value - {flag}
            kernel.emit("do_notify_resume", task=task.name, flag=flag)
            yield from kernel.tif_handlers[flag](task)
    yield from task_work_run(kernel, task)
    cpu = kernel.current().cpu
    if cpu.preempt_count.value > 0:
        raise ModelError(
            f"{task.name} returns to user space with preemption disabled on {cpu.name}.",
            where=caller_location(),
            hint="Release every spinlock and preempt_disable() before returning to user.",
        )
    kernel.emit("ret_to_user", task=task.name, cpu=cpu.name)


def task_work_run(kernel: Kernel, task: Task) -> Steps:
    """`task_work_run()`: take the whole list at once (`xchg`) and run it from the
    head; works added meanwhile are run by the next round."""
    while task.task_works:
        batch = task.task_works.items
        task.task_works.clear()
        for callback, *args in batch:
            kernel.emit("task_work_run", task=task.name, work=callback)
            yield from kernel.callbacks[callback](task, *args)
