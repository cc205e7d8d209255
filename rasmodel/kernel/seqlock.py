"""Sequence counts and seqlocks (`seqcount_t`, `seqlock_t`), include/linux/seqlock.h.

A writer makes the count odd while it writes (`write_seqcount_begin`) and even again
when done (`write_seqcount_end`); a reader spins while the count is odd
(`read_seqcount_begin`), reads, and retries if the count moved
(`read_seqcount_retry`). Writers must be serialised by the caller (`seqlock_t` adds
the spinlock): two writers in their sections at once leave the count even in the
middle of a write, and a `seqcount_concurrent_write` event says so (check it with
`rm.never`). A reader that interrupts the writer on its own CPU (an NMI reading what
the task it interrupted is writing) can never see an even count: it reports a
`self_deadlock` event, then spins as the CPU would, which the engine reports as a
`deadlock`.
"""

from __future__ import annotations

from typing import Any

from rasmodel.errors import ModelError, caller_location
from rasmodel.kernel.cpu import Context, Kernel, Steps
from rasmodel.kernel.locks import SpinLock


class SeqCount:
    """`seqcount_t`: the count and which context is writing."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.sequence: Any = kernel.env.var(f"{name}.sequence", 0)
        # the contexts in a write section: (process, cpu, context)
        self.writers: Any = kernel.env.var(f"{name}.writers", ())

    def write_seqcount_begin(self) -> None:
        """Enter a write section: the count goes odd."""
        k = self.kernel
        context = k.current()
        for writer in self.writers.value:
            k.emit(
                "seqcount_concurrent_write",
                seqcount=self.name,
                writer=writer[2],
                other=context.describe(),
            )
        entry = (context.process, context.cpu.index, context.describe(), context.kind)
        self.writers.value = (*self.writers.value, entry)
        self.sequence.value += 1
        k.emit("write_seqcount_begin", seqcount=self.name)

    def write_seqcount_end(self) -> None:
        """Leave the write section: the count goes even."""
        k = self.kernel
        context = k.current()
        writers = self.writers.value
        mine = [w for w in writers if w[0] == context.process]
        if not mine:
            raise ModelError(
                f"write_seqcount_end({self.name}) by {context.describe()}, but it "
                "opened no write section.",
                where=caller_location(),
                hint="Pair every write_seqcount_end with this context's write_seqcount_begin.",
            )
        last = max(i for i, w in enumerate(writers) if w[0] == context.process)
        self.writers.value = writers[:last] + writers[last + 1 :]
        self.sequence.value += 1
        k.emit("write_seqcount_end", seqcount=self.name)

    def read_seqcount_begin(self) -> Steps:
        """Spin until no write is in progress; returns the count to retry against."""
        k = self.kernel
        context = k.current()
        for writer in self.writers.value:
            if _beneath(writer, context):
                k.emit("self_deadlock", lock=self.name, holder=writer[2], taker=context.describe())
        yield k.env.wait_until(
            lambda: context.may_run() and self.sequence.value % 2 == 0,
            f"read_seqcount_begin {self.name}",
            explain=self._writing,
        )
        return self.sequence.value

    def _writing(self) -> str:
        writers = [w[2] for w in self.writers.value]
        return f"written by {', '.join(writers)}" if writers else "no write in progress"

    def raw_read_seqcount(self) -> int:
        """The count as it is, odd or not (no spinning: safe in an NMI)."""
        return int(self.sequence.value)

    def read_seqcount_retry(self, start: int) -> bool:
        """True when a writer ran since `start`: what was read may be torn."""
        retry = self.sequence.value != start
        self.kernel.emit("read_seqcount_retry", seqcount=self.name, retry=retry)
        return retry


def _beneath(writer: tuple[Any, ...], context: Context) -> bool:
    """The writer cannot run until `context` returns: it is what `context` interrupted
    on this CPU (the task below, a context lower on the stack, or the same process
    in the context it took an exception from)."""
    process, cpu, _, kind = writer
    owner = context.kernel.contexts.get(process)
    if owner is not None and owner.task is not None:
        cpu = owner.cpu.index  # a task writer may have moved since it began
    if cpu != context.cpu.index:
        return False
    if process == context.process:
        return bool(kind != context.kind)
    stack = context.cpu.stack.value
    if not stack or stack[-1][0] != context.process:
        return False  # `context` is a task: a preempted writer runs again
    below = {entry[0] for entry in stack[:-1]}
    return process in below or context.cpu.curr.value == process


class SeqLock:
    """`seqlock_t`: a sequence count whose writers take a spinlock."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.seqcount = SeqCount(kernel, name)
        self.lock = SpinLock(kernel, f"{name}.lock")

    def write_seqlock(self) -> Steps:
        yield from self.lock.spin_lock()
        self.seqcount.write_seqcount_begin()

    def write_sequnlock(self) -> None:
        self.seqcount.write_seqcount_end()
        self.lock.spin_unlock()

    def read_seqbegin(self) -> Steps:
        return (yield from self.seqcount.read_seqcount_begin())

    def read_seqretry(self, start: int) -> bool:
        return self.seqcount.read_seqcount_retry(start)
