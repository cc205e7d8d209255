"""Pages with poison, the synchronous external abort, `memory_failure()` and SIGBUS.

A user access to a poisoned page that the task maps raises a synchronous external
abort (SEA) at that access: the design's handler runs on top of the task (entering
NMI-like context with `Kernel.nested(NMI, ...)` for the part that needs it).
`memory_failure(pfn, flags)` (mm/memory-failure.c) may sleep; it isolates
the page, unmaps it from every task, and sends SIGBUS: `BUS_MCEERR_AR` to the
current task with MF_ACTION_REQUIRED, `BUS_MCEERR_AO` to the tasks that mapped the
page otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.kernel.cpu import Kernel, Steps, Task

MF_ACTION_REQUIRED = 1
AR = "BUS_MCEERR_AR"
AO = "BUS_MCEERR_AO"


class Pfn(int):
    """A page frame number: an int that prints in hex, as the kernel prints it."""

    def __repr__(self) -> str:
        return f"{int(self):#x}"


class Page:
    """One physical page: poisoned or not, mapped by some tasks."""

    def __init__(self, kernel: Kernel, pfn: int, *, poisoned: bool, mapped_by: tuple[str, ...]):
        env = kernel.env
        self.pfn = Pfn(pfn)
        self.poisoned: Any = env.var(f"page{pfn:#x}.poisoned", poisoned)
        self.mapped_by: Any = env.var(f"page{pfn:#x}.mapped_by", frozenset(mapped_by))
        self.isolated: Any = env.var(f"page{pfn:#x}.isolated", False)


class Memory:
    """The pages of a model and the SEA handler of the design under test."""

    def __init__(self, kernel: Kernel, sea_handler: Callable[[Task, Page], Steps]) -> None:
        self.kernel = kernel
        self.pages: dict[int, Page] = {}
        self.sea_handler = sea_handler
        kernel.callbacks["memory_failure"] = self._memory_failure_callback

    def page(self, pfn: int, *, poisoned: bool = False, mapped_by: tuple[str, ...] = ()) -> Page:
        page = Page(self.kernel, pfn, poisoned=poisoned, mapped_by=mapped_by)
        self.pages[page.pfn] = page
        return page

    def user_access(self, task: Task, page: Page) -> Steps:
        """The task's user code touches `page` (in the current step); poison raises an
        SEA right there."""
        k = self.kernel
        k.emit("user_access", task=task.name, pfn=page.pfn)
        if page.poisoned.value and task.name in page.mapped_by.value:
            cpu = k.current().cpu
            k.emit("sea", task=task.name, pfn=page.pfn, cpu=cpu.name)
            k.emit("error_reported", pfn=page.pfn, source="sea")
            yield from self.sea_handler(task, page)

    def memory_failure(self, pfn: int, flags: int) -> Steps:
        """`memory_failure()`: may sleep; isolates, unmaps and signals."""
        k = self.kernel
        k.might_sleep("memory_failure")
        context = k.current()
        page = self.pages[pfn]
        k.emit(
            "memory_failure",
            pfn=Pfn(pfn),
            flags="MF_ACTION_REQUIRED" if flags & MF_ACTION_REQUIRED else "0",
            context=context.describe(),
        )
        victims = sorted(page.mapped_by.value)
        page.mapped_by.value = frozenset()
        page.isolated.value = True
        if flags & MF_ACTION_REQUIRED and context.task is not None:
            self.sigbus(context.task.name, AR, pfn)
        else:
            for name in victims:
                self.sigbus(name, AO, pfn)
        return
        yield  # a generator, so callers `yield from` it like every kernel function

    def sigbus(self, task: str, code: str, pfn: int) -> None:
        self.kernel.emit("sigbus", task=task, code=code, pfn=Pfn(pfn))

    def _memory_failure_callback(self, task: Task, pfn: int, flags: int) -> Steps:
        yield from self.memory_failure(pfn, flags)
