"""Sleeping synchronisation: mutexes, wait queues and completions, and `panic()`.

kernel/locking/mutex.c, kernel/sched/wait.c, kernel/sched/completion.c,
kernel/panic.c. A task that must wait gives up its CPU (`Kernel.sleep`) and sleeps
until a waker makes it runnable; the check and the sleep happen in one step, as
`prepare_to_wait()` before the condition makes them in the kernel, so a wake-up is
never lost between them. Each of these may sleep: `might_sleep()` reports a
`sleep_in_atomic` event when it is called with a spinlock held, IRQs or preemption
off, or from an interrupt. An interrupt handler cannot sleep at all: there it spins
on the condition instead, which is how such a bug shows up in a counterexample.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rasmodel as rm
from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import TASK, Context, Kernel, Steps


class _Sleepers:
    """The tasks sleeping on one object, in the order they went to sleep."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.queue: Any = kernel.env.var(f"{name}.waiters", ())

    def wait(self, ready: Callable[[], bool], label: str) -> Steps:
        """Return in a step where `ready()` holds; sleep (or spin, in an interrupt)
        until a waker makes it worth looking again."""
        k = self.kernel
        context = k.current()
        if context.task is None or context.kind != TASK:
            yield k.env.wait_until(lambda: context.may_run() and ready(), f"{label} (spins)")
            return
        while not ready():
            self.queue.value = (*self.queue.value, context.process)
            k.sleep(context.task)
            k.emit("sleep", on=self.name, task=context.process)
            yield k.step(f"{label} sleeps")

    def wake_one(self) -> None:
        waiting = self.queue.value
        if waiting:
            self.queue.value = waiting[1:]
            self.kernel.wake(self.kernel.tasks[waiting[0]])

    def wake_all(self) -> None:
        waiting = self.queue.value
        self.queue.value = ()
        for name in waiting:
            self.kernel.wake(self.kernel.tasks[name])


class Mutex:
    """`struct mutex`: a sleeping lock held by one task."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.owner: Any = kernel.env.var(f"{name}.owner", None)  # (process, context)
        self.sleepers = _Sleepers(kernel, name)

    def mutex_lock(self) -> Steps:
        """`mutex_lock()`: may sleep; taking a mutex the caller holds never returns."""
        k = self.kernel
        k.might_sleep(f"mutex_lock {self.name}")
        context = k.current()
        owner = self.owner.value
        if owner is not None and owner[0] == context.process:
            k.emit("self_deadlock", lock=self.name, holder=owner[1], taker=context.describe())
        yield from self.sleepers.wait(lambda: self.owner.value is None, f"mutex_lock {self.name}")
        self._take(context)

    def mutex_trylock(self) -> bool:
        """`mutex_trylock()`: takes the mutex if it is free, never sleeps."""
        context = self.kernel.current()
        if self.owner.value is not None:
            return False
        self._take(context)
        return True

    def mutex_unlock(self) -> None:
        """`mutex_unlock()`: only by the task that holds it; wakes the first waiter."""
        k = self.kernel
        context = k.current()
        owner = self.owner.value
        if owner is None or owner[0] != context.process:
            raise ModelError(
                f"mutex_unlock({self.name}) by {context.describe()}, but the mutex is "
                + ("not held." if owner is None else f"held by {owner[1]}."),
                where=caller_location(),
                hint="Unlock only a mutex this task took with mutex_lock().",
            )
        self.owner.value = None
        k.emit("mutex_unlock", lock=self.name)
        self.sleepers.wake_one()

    def _take(self, context: Context) -> None:
        self.owner.value = (context.process, context.describe())
        self.kernel.emit("mutex_lock", lock=self.name)


class WaitQueue:
    """`wait_queue_head_t`: `wait_event(wq, condition)` and `wake_up(wq)`."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.sleepers = _Sleepers(kernel, name)

    def wait_event(self, condition: Callable[[], Any]) -> Steps:
        """Sleep until `condition()` (which reads tracked state) holds; it is checked
        again only after a `wake_up()`, as in the kernel: a waker that forgets the
        wake-up leaves the task asleep."""
        self.kernel.might_sleep(f"wait_event {self.name}")
        yield from self.sleepers.wait(lambda: bool(condition()), f"wait_event {self.name}")

    def wake_up(self) -> None:
        """Wake every task sleeping here; each checks its condition again. Not
        NMI-safe: it takes the wait queue's lock (see `Kernel.nmi_unsafe`)."""
        self.kernel.nmi_unsafe("wake_up", f"{self.name}.lock")
        self.kernel.emit("wake_up", wq=self.name)
        self.sleepers.wake_all()


class Completion:
    """`struct completion`: `complete()` counts, `wait_for_completion()` consumes."""

    ALL = 1 << 30  # complete_all(): every waiter, now and later, goes through

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.done: Any = kernel.env.var(f"{name}.done", 0)
        self.sleepers = _Sleepers(kernel, name)

    def complete(self) -> None:
        """`complete()`: lets one waiter through; from task or IRQ context, not from
        NMI-like context (it takes `x->wait.lock`, see `Kernel.nmi_unsafe`)."""
        self.kernel.nmi_unsafe("complete", f"{self.name}.wait.lock")
        if self.done.value < self.ALL:
            self.done.value += 1
        self.kernel.emit("complete", completion=self.name)
        self.sleepers.wake_one()

    def complete_all(self) -> None:
        self.kernel.nmi_unsafe("complete_all", f"{self.name}.wait.lock")
        self.done.value = self.ALL
        self.kernel.emit("complete_all", completion=self.name)
        self.sleepers.wake_all()

    def wait_for_completion(self) -> Steps:
        """`wait_for_completion()`: may sleep until a `complete()` it can consume."""
        self.kernel.might_sleep(f"wait_for_completion {self.name}")
        yield from self.sleepers.wait(lambda: self.done.value > 0, f"wait_for {self.name}")
        if self.done.value < self.ALL:
            self.done.value -= 1

    def completion_done(self) -> bool:
        return self.done.value > 0


def panic(kernel: Kernel, message: str) -> None:
    """`panic()`: the machine stops in this step (a `panic` event, then nothing runs;
    check it with `model.check(rm.never("panic"), name="no_panic")`)."""
    context = kernel.current()
    kernel.emit("panic", message=message, context=context.describe())
    raise rm.Halt(f"Kernel panic - not syncing: {message}")
