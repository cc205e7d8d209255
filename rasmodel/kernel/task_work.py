"""TIF flags and `task_work_add(TWA_RESUME)`, run on the way back to user space
(`exit_to_user()` in `rasmodel.kernel.entry`).

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


def task_work_run(kernel: Kernel, task: Task) -> Steps:
    """`task_work_run()`: take the whole list at once (`xchg`) and run it from the
    head; works added meanwhile are run by the next round."""
    while task.task_works:
        batch = task.task_works.items
        task.task_works.clear()
        for callback, *args in batch:
            kernel.emit("task_work_run", task=task.name, work=callback)
            yield from kernel.callbacks[callback](task, *args)


def __getattr__(name: str) -> Any:
    """`exit_to_user` lived here before signals: `rasmodel.kernel.entry` has it now."""
    if name == "exit_to_user":
        from rasmodel.kernel.entry import exit_to_user

        return exit_to_user
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
