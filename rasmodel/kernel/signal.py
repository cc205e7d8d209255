"""Signals as kernel/signal.c queues and delivers them, for a task's way back to user.

- `force_sig_mceerr()` (the SIGBUS of `memory_failure()` and of the hwpoison page
  fault), `force_sig_fault()` (`arm64_notify_die()`'s `BUS_OBJERR`) and
  `force_sig()` (no address) queue a signal on one task (`sigbus` event for SIGBUS).
- Signals below SIGRTMIN are legacy: while one is pending, the same signal sent again
  is dropped with its siginfo (`legacy_queue()`), whatever its code (a
  `signal_dropped` event).
- `get_signal()` runs pending task_work first (kernel/signal.c, 7.x), then dequeues.
  The default action of SIGBUS and SIGKILL kills the task and, as `do_group_exit()` ->
  `zap_other_threads()`, queues SIGKILL on the other live threads of its process:
  they die at their own next return to user space.
- `exit_to_user()` (`rasmodel.kernel.entry`) delivers them on the way out.
"""

from __future__ import annotations

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import DONE, Kernel, Steps, Task
from rasmodel.kernel.task_work import task_work_run

SIGBUS = "SIGBUS"
SIGKILL = "SIGKILL"
SIGSEGV = "SIGSEGV"
SI_KERNEL = "SI_KERNEL"  # force_sig(): no address, no BUS_MCEERR_* code
BUS_OBJERR = "BUS_OBJERR"  # arm64_notify_die() for an abort nobody claimed


def force_sig_mceerr(kernel: Kernel, task: Task | str, code: str, pfn: int) -> None:
    """`force_sig_mceerr(code, addr, lsb)`: SIGBUS `BUS_MCEERR_AR`/`_AO` for `pfn`."""
    _send(kernel, _task(kernel, task), SIGBUS, code, pfn)


def force_sig_fault(kernel: Kernel, task: Task | str, sig: str, code: str) -> None:
    """`force_sig_fault(sig, code, addr)`, e.g. SIGBUS `BUS_OBJERR` from `do_sea()`."""
    _send(kernel, _task(kernel, task), sig, code, None)


def force_sig(kernel: Kernel, task: Task | str, sig: str = SIGBUS) -> None:
    """`force_sig(sig)`: `SI_KERNEL`, no address (e.g. `ghes_do_proc()` without memory
    left for its task_work)."""
    _send(kernel, _task(kernel, task), sig, SI_KERNEL, None)


def signal_pending(task: Task) -> bool:
    return bool(task.sigpending.value)


def get_signal(kernel: Kernel, task: Task) -> Steps:
    """`get_signal()`: pending task_work first, then the oldest pending signal.
    Returns True when it killed the task (every signal modelled is fatal)."""
    yield from task_work_run(kernel, task)
    pending = task.sigpending.value
    if not pending:
        return False
    sig, code, pfn = pending[0]
    task.sigpending.value = pending[1:]
    kernel.emit("signal_delivered", task=task.name, sig=sig, code=code, pfn=pfn)
    if sig != SIGKILL:  # a SIGKILL here is a group exit already under way
        for other in _other_threads(kernel, task):
            _send(kernel, other, SIGKILL, SI_KERNEL, None)  # zap_other_threads()
    kernel.emit("task_exit", task=task.name, sig=sig)
    return True


def _send(kernel: Kernel, task: Task, sig: str, code: str, pfn: int | None) -> None:
    pending = task.sigpending.value
    if any(queued == sig for queued, _, _ in pending):  # legacy_queue()
        kernel.emit("signal_dropped", task=task.name, sig=sig, code=code, pfn=pfn)
        return
    task.sigpending.value = (*pending, (sig, code, pfn))
    if sig == SIGBUS:
        kernel.emit("sigbus", task=task.name, code=code, pfn=pfn)
    else:
        kernel.emit("signal", task=task.name, sig=sig, code=code)


def _task(kernel: Kernel, task: Task | str) -> Task:
    if isinstance(task, Task):
        return task
    if task not in kernel.tasks:
        raise ModelError(
            f"a signal for {task!r}, but the kernel has no task of that name.",
            where=caller_location(),
            hint=f"Send it to one of {sorted(kernel.tasks)} (k.task(name, ...) makes one).",
        )
    return kernel.tasks[task]


def _other_threads(kernel: Kernel, task: Task) -> list[Task]:
    if task.mm is None:
        return []
    return [
        t
        for _, t in sorted(kernel.tasks.items())
        if t is not task and t.mm == task.mm and t.state.value != DONE
    ]
