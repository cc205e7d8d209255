"""Pages with poison, the synchronous external abort, `memory_failure()` and SIGBUS.

A user access to a poisoned page that the task maps raises a synchronous external
abort (SEA) at that access: the design's handler runs on top of the task (entering
NMI-like context with `Kernel.nested(NMI, ...)` for the part that needs it).
`memory_failure(pfn, flags)` (mm/memory-failure.c) may sleep; it isolates
the page, unmaps it from every task, and sends SIGBUS: `BUS_MCEERR_AR` to the
current task with MF_ACTION_REQUIRED, `BUS_MCEERR_AO` to the tasks that mapped the
page otherwise. That is the simple model the seed designs were written against.

`Memory(..., upstream=True)` decides as today's kernel does instead: under
`mf_mutex`; a page already marked hwpoison returns -EHWPOISON, and with
MF_ACTION_REQUIRED `kill_accessing_process()` decides instead: it signals `current`
only if its process maps the page (-EHWPOISON), else returns 0 (-EFAULT for a
kernel thread); otherwise `collect_procs()`/`task_early_kill()` pick whom to signal:
with MF_ACTION_REQUIRED `current` (`BUS_MCEERR_AR`) if its process maps the page,
and other mapping processes (`BUS_MCEERR_AO`) only with `early_kill`
(vm.memory_failure_early_kill). The page is unmapped, its PTEs become hwpoison
entries, and a later access takes the hwpoison page fault (SIGBUS `BUS_MCEERR_AR`
from the fault path) instead of consuming the poison. As `hwpoison_user_mappings()`,
those picked are signalled only when the page was dirty, MF_MUST_KILL is set or the
unmap failed: a clean page-cache page (`clean=True`) is dropped and re-read, no
signal; a page that stays mapped (`pinned=True`) gets its signals and -EBUSY. Pages are mapped by
processes (`Task.mm`: threads of one process share it). It returns 0 or the
negative errno. Its SIGBUSes are queued signals (`rasmodel.kernel.signal`): one
pending at a time per task, delivered and fatal on the way back to user space.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasmodel.kernel.cpu import Kernel, Steps, Task
from rasmodel.kernel.signal import force_sig_mceerr
from rasmodel.kernel.sync import Mutex

MF_ACTION_REQUIRED = 1
MF_MUST_KILL = 4
EFAULT = -14
EBUSY = -16
EHWPOISON = -133
AR = "BUS_MCEERR_AR"
AO = "BUS_MCEERR_AO"


class Pfn(int):
    """A page frame number: an int that prints in hex, as the kernel prints it."""

    def __repr__(self) -> str:
        return f"{int(self):#x}"


class Page:
    """One physical page: poisoned or not, mapped by some tasks. Upstream,
    `clean=True` is clean page cache (dropped and re-read from its file instead of
    killing anyone) and `pinned=True` a page `try_to_unmap()` cannot unmap (a
    long-term pin): both fixed for the whole execution."""

    def __init__(
        self,
        kernel: Kernel,
        pfn: int,
        *,
        poisoned: bool,
        mapped_by: tuple[str, ...],
        clean: bool = False,
        pinned: bool = False,
    ):
        env = kernel.env
        self.pfn = Pfn(pfn)
        self.clean = clean
        self.pinned = pinned
        self.poisoned: Any = env.var(f"page{pfn:#x}.poisoned", poisoned)
        self.mapped_by: Any = env.var(f"page{pfn:#x}.mapped_by", frozenset(mapped_by))
        self.isolated: Any = env.var(f"page{pfn:#x}.isolated", False)  # PageHWPoison
        # Processes whose PTE for the page became a hwpoison entry when it was unmapped.
        self.hwpoison_entries: Any = env.var(f"page{pfn:#x}.hwpoison_entries", frozenset())


class Memory:
    """The pages of a model and the SEA handler of the design under test."""

    def __init__(
        self,
        kernel: Kernel,
        sea_handler: Callable[[Task, Page], Steps],
        *,
        upstream: bool = False,
        early_kill: bool = False,
    ) -> None:
        self.kernel = kernel
        self.pages: dict[int, Page] = {}
        self.sea_handler = sea_handler
        self.upstream = upstream
        self.early_kill = early_kill
        self.mf_mutex = Mutex(kernel, "mf_mutex") if upstream else None
        kernel.callbacks["memory_failure"] = self._memory_failure_callback

    def page(
        self,
        pfn: int,
        *,
        poisoned: bool = False,
        mapped_by: tuple[str, ...] = (),
        clean: bool = False,
        pinned: bool = False,
    ) -> Page:
        page = Page(
            self.kernel, pfn, poisoned=poisoned, mapped_by=mapped_by, clean=clean, pinned=pinned
        )
        self.pages[page.pfn] = page
        return page

    def fault_of(self, task: Task, page: Page) -> str | None:
        """What `task`'s access to `page` takes now: the hwpoison page fault
        ("hwpoison", upstream, once `memory_failure()` left a hwpoison entry), a
        synchronous external abort ("sea", poison still mapped), or nothing."""
        if self.upstream and task.mm in page.hwpoison_entries.value:
            return "hwpoison"
        mapper = task.mm if self.upstream else task.name
        if page.poisoned.value and mapper in page.mapped_by.value:
            return "sea"
        return None

    def user_access(self, task: Task, page: Page) -> Steps:
        """The task's user code touches `page` (in the current step); poison raises an
        SEA right there."""
        k = self.kernel
        k.emit("user_access", task=task.name, pfn=page.pfn)
        fault = self.fault_of(task, page)
        if fault == "hwpoison":
            k.emit("hwpoison_fault", task=task.name, pfn=page.pfn)  # VM_FAULT_HWPOISON
            self.sigbus(task.name, AR, page.pfn)
            return
        if fault == "sea":
            cpu = k.current().cpu
            k.emit("sea", task=task.name, pfn=page.pfn, cpu=cpu.name)
            k.emit("error_reported", pfn=page.pfn, source="sea")
            yield from self.sea_handler(task, page)

    def memory_failure(self, pfn: int, flags: int) -> Steps:
        """`memory_failure()`: may sleep; isolates, unmaps and signals."""
        if self.upstream:
            return (yield from self._memory_failure_upstream(pfn, flags))
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

    def _memory_failure_upstream(self, pfn: int, flags: int) -> Steps:
        """mm/memory-failure.c `memory_failure()` for an LRU page of user memory (its
        `might_sleep()` is the one of `mutex_lock(&mf_mutex)`)."""
        k = self.kernel
        assert self.mf_mutex is not None
        yield from self.mf_mutex.mutex_lock()
        page = self.pages[pfn]
        current = k.current_task()
        required = bool(flags & MF_ACTION_REQUIRED)
        k.emit(
            "memory_failure",
            pfn=Pfn(pfn),
            flags="MF_ACTION_REQUIRED" if required else "0",
            context=k.current().describe(),
        )
        if page.isolated.value:  # TestSetPageHWPoison(): already poisoned
            k.emit("already_hwpoisoned", pfn=Pfn(pfn))
            result = EHWPOISON
            if required:
                result = self._kill_accessing_process(current, page)
        else:
            page.isolated.value = True
            victims = self._collect_procs(page, current, required)
            unmapped = self._unmap_poisoned_folio(page, must_kill=bool(flags & MF_MUST_KILL))
            if not page.clean or flags & MF_MUST_KILL or not unmapped:  # forcekill
                for victim in victims:
                    self.sigbus(victim.name, AR if required and victim is current else AO, pfn)
            result = 0 if unmapped else EBUSY  # MF_MSG_UNMAP_FAILED
        self.mf_mutex.mutex_unlock()
        return result

    def _unmap_poisoned_folio(self, page: Page, *, must_kill: bool) -> bool:
        """`unmap_poisoned_folio()`: False when the page stays mapped (pinned). Dirty
        pages leave hwpoison entries (TTU_HWPOISON); a clean page-cache page is
        dropped, and the next access reads a fresh copy from its file."""
        k = self.kernel
        if page.pinned:
            k.emit("unmap_failed", pfn=page.pfn)
            return False
        if page.clean and not must_kill:
            k.emit("dropped_clean_page", pfn=page.pfn)
        else:
            page.hwpoison_entries.value = page.hwpoison_entries.value | page.mapped_by.value
        page.mapped_by.value = frozenset()
        return True

    def _collect_procs(self, page: Page, current: Task | None, force_early: bool) -> list[Task]:
        """`collect_procs()` with `task_early_kill()`: per process mapping the page,
        `current` when the error is action-required and it is that process, else a
        thread of it only with early kill."""
        victims = []
        for mm in sorted(page.mapped_by.value):
            if force_early and current is not None and current.mm == mm:
                victims.append(current)
            elif self.early_kill:
                threads = [t for _, t in sorted(self.kernel.tasks.items()) if t.mm == mm]
                victims.extend(threads[:1])
        return victims

    def _kill_accessing_process(self, current: Task | None, page: Page) -> int:
        """mm/memory-failure.c `kill_accessing_process()`: -EFAULT without an mm;
        SIGBUS `BUS_MCEERR_AR` to `current` and -EHWPOISON if its page table still
        has the page (mapped, or as a hwpoison entry); else 0 and no signal."""
        if current is None or current.mm is None:
            return EFAULT
        if current.mm not in page.mapped_by.value | page.hwpoison_entries.value:
            return 0
        self.sigbus(current.name, AR, page.pfn)
        return EHWPOISON

    def sigbus(self, task: str, code: str, pfn: int) -> None:
        """SIGBUS to `task`: upstream, `force_sig_mceerr()` queues it (delivered, and
        fatal, on its way back to user space: `exit_to_user()`); the simple model
        only records it (a `sigbus` event)."""
        if self.upstream:
            force_sig_mceerr(self.kernel, task, code, Pfn(pfn))
        else:
            self.kernel.emit("sigbus", task=task, code=code, pfn=Pfn(pfn))

    def _memory_failure_callback(self, task: Task, pfn: int, flags: int) -> Steps:
        yield from self.memory_failure(pfn, flags)
