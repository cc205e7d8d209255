"""Spinlocks (`spin_lock`, `spin_trylock`, `spin_lock_irqsave`, `spin_unlock`),
include/linux/spinlock.h.

Taking a lock spins in a guarded step until it is free. Taking a lock that the same
CPU already holds in the context it interrupted can never succeed (the holder cannot
run until the interrupting context returns): the lock reports it as a
`self_deadlock` event naming both contexts, then spins like the CPU would, which the
engine also reports as a `deadlock`.
"""

from __future__ import annotations

from typing import Any

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import Kernel, Steps


class SpinLock:
    """`spinlock_t`: owner is (process, cpu, context) while held."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.owner: Any = kernel.env.var(f"{name}.owner", None)

    def spin_lock(self) -> Steps:
        """`spin_lock()`: disables preemption, then spins until the lock is free."""
        k = self.kernel
        context = k.current()
        cpu = context.cpu
        owner = self.owner.value
        if owner is not None and owner[1] == cpu.index:
            k.emit(
                "self_deadlock",
                lock=self.name,
                holder=owner[2],
                taker=context.describe(),
            )
        cpu.preempt_count.value += 1
        yield k.env.wait_until(
            lambda: context.may_run() and self.owner.value is None,
            f"spin_lock {self.name}",
            explain=lambda: self._held(context),
        )
        self.owner.value = (context.process, cpu.index, context.describe())
        k.emit("spin_lock", lock=self.name)

    def _held(self, context: Any) -> str:
        """Who holds the lock, for a deadlock report of a context spinning on it."""
        owner = self.owner.value
        held = f"held by {owner[0]} ({owner[2]})" if owner is not None else "free"
        blocked = context.waits_for()
        return held if blocked == "runnable" else f"{held}; {blocked}"

    def spin_trylock(self) -> bool:
        """`spin_trylock()`: takes the lock if it is free (disabling preemption), else
        returns False at once; safe where spinning is not (an NMI)."""
        k = self.kernel
        context = k.current()
        if self.owner.value is not None:
            return False
        cpu = context.cpu
        cpu.preempt_count.value += 1
        self.owner.value = (context.process, cpu.index, context.describe())
        k.emit("spin_lock", lock=self.name)
        return True

    def spin_lock_irqsave(self) -> Steps:
        """`spin_lock_irqsave()`: masks IRQs on this CPU, then `spin_lock()`; returns flags."""
        flags = self.kernel.local_irq_save()
        yield from self.spin_lock()
        return flags

    def spin_unlock(self) -> None:
        """`spin_unlock()`: the lock must be held by the calling context."""
        k = self.kernel
        context = k.current()
        owner = self.owner.value
        if owner is None or owner[0] != context.process:
            raise ModelError(
                f"spin_unlock({self.name}) by {context.describe()}, but the lock is "
                + ("not held." if owner is None else f"held by {owner[2]}."),
                where=caller_location(),
                hint="Unlock only a lock this context took.",
            )
        self.owner.value = None
        k.preempt_enable()
        k.emit("spin_unlock", lock=self.name)

    def spin_unlock_irqrestore(self, flags: int) -> None:
        self.spin_unlock()
        self.kernel.local_irq_restore(flags)
