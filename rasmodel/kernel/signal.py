"""Signals as kernel/signal.c queues and delivers them, for a task's way back to user.

- `force_sig_mceerr()` (the SIGBUS of `memory_failure()` and of the hwpoison page
  fault), `force_sig_fault()` (`arm64_notify_die()`'s `BUS_OBJERR`) and
  `force_sig()` (no address) queue a signal on one task (`sigbus` event for SIGBUS).
- Signals below SIGRTMIN are legacy: while one is pending, the same signal sent again
  is dropped with its siginfo (`legacy_queue()`), whatever its code (a
  `signal_dropped` event). A process in a group exit takes no new signal
  (`prepare_signal()`).
- SIGKILL starts the group exit when it is sent (`complete_signal()`): every thread of
  the process gets SIGKILL. `get_signal()` runs pending task_work first (7.x), then
  delivers SIGKILL to a thread of an exiting group, else the oldest pending signal.
  The default action of SIGBUS kills the task and, as `do_group_exit()` ->
  `zap_other_threads()`, starts the group exit. A killed thread exits there; the
  others die at their own next return to user space.
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
    """`get_signal()`: pending task_work first, then SIGKILL if the process is in a
    group exit, else the oldest pending signal. Returns True when it killed the task
    (every signal modelled is fatal)."""
    yield from task_work_run(kernel, task)
    pending = task.sigpending.value
    if not pending:
        return False
    dying = _group(task) in kernel.group_exit.value
    first = next((p for p in pending if p[0] == SIGKILL), pending[0]) if dying else pending[0]
    sig, code, pfn = first
    task.sigpending.value = tuple(p for p in pending if p is not first)
    kernel.emit("signal_delivered", task=task.name, sig=sig, code=code, pfn=pfn)
    if not dying:
        _group_exit(kernel, task, but=task)  # do_group_exit() -> zap_other_threads()
    kernel.emit("task_exit", task=task.name, sig=sig)
    return True


def _send(kernel: Kernel, task: Task, sig: str, code: str, pfn: int | None) -> None:
    pending = task.sigpending.value
    if _group(task) in kernel.group_exit.value:  # prepare_signal(): already dying
        kernel.emit("signal_dropped", task=task.name, sig=sig, code=code, pfn=pfn)
        return
    if sig == SIGKILL:
        _group_exit(kernel, task)  # complete_signal(): the whole group, now
        return
    if any(queued == sig for queued, _, _ in pending):  # legacy_queue()
        kernel.emit("signal_dropped", task=task.name, sig=sig, code=code, pfn=pfn)
        return
    task.sigpending.value = (*pending, (sig, code, pfn))
    if sig == SIGBUS:
        kernel.emit("sigbus", task=task.name, code=code, pfn=pfn)
    else:
        kernel.emit("signal", task=task.name, sig=sig, code=code)


def _group_exit(kernel: Kernel, task: Task, but: Task | None = None) -> None:
    """SIGNAL_GROUP_EXIT for `task`'s process, SIGKILL queued on each live thread
    (but the one that exits now)."""
    kernel.group_exit.value = kernel.group_exit.value | {_group(task)}
    for thread in _threads(kernel, task):
        if thread is not but and not any(
            queued == SIGKILL for queued, _, _ in thread.sigpending.value
        ):
            thread.sigpending.value = (*thread.sigpending.value, (SIGKILL, SI_KERNEL, None))
            kernel.emit("signal", task=thread.name, sig=SIGKILL, code=SI_KERNEL)


def _group(task: Task) -> str:
    """The thread group: the process (mm); a kernel thread is a group of its own."""
    return task.mm if task.mm is not None else f"kthread:{task.name}"


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


def _threads(kernel: Kernel, task: Task) -> list[Task]:
    """The live threads of `task`'s process."""
    group = _group(task)
    return [
        t for _, t in sorted(kernel.tasks.items()) if _group(t) == group and t.state.value != DONE
    ]
