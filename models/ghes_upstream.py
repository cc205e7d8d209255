"""Today's arm64 firmware-first memory-error path, as upstream Linux has it (7.x).

A task in user space reads a poisoned page. Firmware writes the error record into a
free GHES error status block of an SEA error source and raises a synchronous
external abort (SEA) on that CPU. Then, read from the kernel sources (file:function):

- arch/arm64/kernel/entry-common.c `el0_da`: the exception is entered with IRQs
  enabled again, so an IRQ or the scheduler may run before the abort is handled.
- arch/arm64/mm/fault.c `do_sea`: `apei_claim_sea()`; on failure the task gets
  SIGBUS `BUS_OBJERR` (`arm64_notify_die`). On success it returns to user space
  without moving the PC: the faulting access runs again.
- arch/arm64/kernel/acpi.c `apei_claim_sea`: masks all exceptions, runs
  `ghes_notify_sea()` between `nmi_enter()`/`nmi_exit()`, then, if that claimed the
  error, `irq_work_run()` on this CPU (IRQ context, `current` still the task).
- drivers/acpi/apei/ghes.c `ghes_notify_sea`: under the raw spinlock
  `ghes_notify_lock_sea`, spools EVERY SEA source (`ghes_in_nmi_spool_from_list`):
  per block, an empty one is -ENOENT; `gen_pool_alloc` of the node failing is
  -ENOMEM and leaves the block uncleared (firmware cannot reuse it); otherwise read,
  clear and ack the block, drop a record the estatus cache holds (still success),
  `llist_add` to the global `ghes_estatus_llist`. Success of any source queues the
  single global `ghes_proc_irq_work` (a no-op while it is pending anywhere).
- `ghes_proc_in_irq`: every record on the list, oldest first: `ghes_do_proc()`
  (`MF_ACTION_REQUIRED`, the source being synchronous): with `current->mm` a
  `ghes_task_work` from the same pool is added to `current` (`TWA_RESUME`), without
  one `memory_failure_queue()`; nothing queued (pool empty): `force_sig(SIGBUS)` to
  `current`. Then the record goes into the estatus cache and the node is freed.
- `memory_failure_cb` (task_work, in the task): `memory_failure(pfn,
  MF_ACTION_REQUIRED)` (mm/memory-failure.c as `Memory(upstream=True)` models it:
  `mf_mutex`, AR only to `current` if its process maps the page, -EHWPOISON and
  `kill_accessing_process`), frees its pool record, `force_sig(SIGBUS)` on an error
  other than -EHWPOISON.
- kernel/entry/common.c: on the way out, pending task_work runs before any signal
  is dequeued (`get_signal` runs it first); a SIGBUS is then delivered (the default
  action kills the task, and SIGKILL the other threads of its process). SIGBUS is a
  legacy signal: a second one while one is pending is dropped (kernel/signal.c
  `legacy_queue`), whatever its code. (The library's `rasmodel.kernel.signal` and
  `exit_to_user()`.)
- A re-executed access to a page `memory_failure()` unmapped takes the hwpoison page
  fault: SIGBUS `BUS_MCEERR_AR` from the fault path, no firmware involved.

Scenario: task A on cpu0 reads its poisoned page; with `-D simultaneous=1` task B on
cpu1 reads another one at about the same time (`-D same_process=1`: A and B are
threads of one process). Parameters: `sources` (SEA error sources, each one error
status block; firmware waits for a free block before it raises the SEA), `pool`
(records in `ghes_estatus_pool`), `preempt_rt` (`ghes_proc_irq_work` is not
IRQ_WORK_HARD_IRQ, so it runs in the `irq_work/N` kthread), `retries` (how often a
task re-executes a faulting access before the model calls it a loop),
`preemptions`, `early_kill` (vm.memory_failure_early_kill), and `fix`:

- `none`: upstream as it is;
- `per_cpu`: a per-CPU estatus list and irq_work (the records a CPU spooled are
  processed by its own `irq_work_run()`), and each CPU spools only the sources
  firmware gave it (per-CPU sources, or a CPU field in the record);
- `hard_irq_work`: `ghes_proc_irq_work` made `IRQ_WORK_INIT_HARD`, so PREEMPT_RT
  runs it in hard-IRQ context too (whether everything `ghes_proc_in_irq()` calls
  may run there on RT is not modelled);
- `free_node_first`: `ghes_proc_in_irq()` copies the record and frees the
  estatus node before `ghes_do_proc()` allocates the task_work.

Modelling choices, where the sources leave it open: firmware fills a block only once
the OS acked the previous record in it (GHESv2 read ack) and writes the record of
the CPU that consumed the poison; every record processed enters the estatus cache
(printing is not ratelimited); a delivered SIGBUS kills the task.

    rasmodel check models/ghes_upstream.py -D simultaneous=1 -D same_process=1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sea_common import check_seed_properties

import rasmodel as rm
from rasmodel.kernel import (
    AR,
    BUS_OBJERR,
    EHWPOISON,
    HARDIRQ,
    MF_ACTION_REQUIRED,
    NMI,
    SIGBUS,
    GenPool,
    IrqWork,
    Kernel,
    LList,
    Memory,
    MemoryFailureQueue,
    Page,
    SpinLock,
    Task,
    Workqueue,
    exit_to_user,
    force_sig,
    force_sig_fault,
    task_work_add,
)
from rasmodel.kernel.cpu import Context, Steps

ENOENT, ENOMEM = -2, -12
FIXES = ("none", "per_cpu", "hard_irq_work", "free_node_first")
PAGES = {"A": 0xA0, "B": 0xB0}

PARAMS = {
    "simultaneous": 0,
    "same_process": 0,
    "sources": 1,
    "pool": 4,
    "preempt_rt": 0,
    "retries": 1,
    "preemptions": 0,
    "early_kill": 0,  # vm.memory_failure_early_kill: BUS_MCEERR_AO to other mappers
    "fix": "none",
}


class UpstreamMemory(Memory):
    """`Memory(upstream=True)` whose SEA handler is the GHES side built after it."""

    def __init__(self, kernel: Kernel, **options: Any) -> None:
        super().__init__(kernel, self._sea, upstream=True, **options)
        self.handler: Any = None  # the GHES side, set once built

    def _sea(self, task: Task, page: Page) -> Steps:
        yield from self.handler.do_sea(task, page)


class Firmware:
    """The GHES error status blocks of the SEA sources, one record each."""

    def __init__(self, kernel: Kernel, sources: int) -> None:
        self.kernel = kernel
        env = kernel.env
        self.blocks: list[Any] = [env.var(f"ghes_sea{i}.block", None) for i in range(sources)]

    def raise_sea(self, task: Task, page: Page) -> Steps:
        """Write the record (pfn, cpu) into a free block, waiting for one (the CPU is
        in firmware meanwhile), then raise the SEA on this CPU."""
        k = self.kernel
        context = k.current()
        label = "firmware: wait for a free error status block"
        yield k.env.wait_until(lambda: context.may_run() and self._free() is not None, label)
        index = self._free()
        assert index is not None
        cpu = context.cpu.index
        self.blocks[index].value = (page.pfn, cpu)
        k.emit("firmware_record", source=index, pfn=page.pfn, cpu=f"cpu{cpu}")

    def _free(self) -> int | None:
        return next((i for i, b in enumerate(self.blocks) if b.value is None), None)


class Ghes:
    """drivers/acpi/apei/ghes.c and its arm64 callers (see the module docstring)."""

    def __init__(self, kernel: Kernel, memory: UpstreamMemory, params: Mapping[str, Any]) -> None:
        self.kernel = kernel
        self.memory = memory
        self.firmware = Firmware(kernel, params["sources"])
        self.per_cpu = params["fix"] == "per_cpu"
        self.pool = GenPool(kernel, "ghes_estatus_pool", params["pool"])
        self.lock = SpinLock(kernel, "ghes_notify_lock_sea")
        self.cache: Any = kernel.env.var("ghes_estatus_cache", frozenset())
        lists = kernel.cpus if self.per_cpu else kernel.cpus[:1]
        suffix = (lambda c: f"/{c}") if self.per_cpu else (lambda c: "")
        self.llists = [LList(kernel, f"ghes_estatus_llist{suffix(c.index)}") for c in lists]
        hard = params["fix"] == "hard_irq_work"
        self.free_node_first = params["fix"] == "free_node_first"
        self.irq_works = [
            IrqWork(kernel, f"ghes_proc_irq_work{suffix(c.index)}", self._proc_in_irq(i), hard=hard)
            for i, c in enumerate(lists)
        ]
        self.mf_queue = MemoryFailureQueue(kernel, memory, Workqueue(kernel))
        kernel.callbacks["memory_failure_cb"] = self.memory_failure_cb

    def _mine(self, cpu: int) -> int:
        return cpu if self.per_cpu else 0

    # ------------------------------------------------------------ arch/arm64
    def do_sea(self, task: Task, page: Page) -> Steps:
        """fault.c `do_sea()` for a user-mode SEA, from `el0_da()` (IRQs enabled)."""
        k = self.kernel
        yield from self.firmware.raise_sea(task, page)
        yield k.step("el0_da: do_mem_abort")
        ret = yield from self.apei_claim_sea()
        if ret != 0:
            k.emit("sea_unclaimed", task=task.name, pfn=page.pfn, ret=ret)
            force_sig_fault(k, task, SIGBUS, BUS_OBJERR)  # arm64_notify_die()

    def apei_claim_sea(self) -> Steps:
        """acpi.c `apei_claim_sea()`: NMI-like spool, then this CPU's irq_work."""
        k = self.kernel
        flags = k.local_irq_save()  # local_daif_restore(DAIF_ERRCTX)
        ret = yield from k.nested(NMI, self.ghes_notify_sea)
        if ret == 0:
            work = self.irq_works[self._mine(k.smp_processor_id())]
            yield k.step("apei_claim_sea: irq_work_run")
            yield from k.nested(HARDIRQ, work.irq_work_run)
        k.local_irq_restore(flags)
        return ret

    # ------------------------------------------------------------ ghes.c, NMI side
    def ghes_notify_sea(self) -> Steps:
        k = self.kernel
        yield k.step("ghes_notify_sea")
        yield from self.lock.spin_lock()  # raw_spin_lock(&ghes_notify_lock_sea)
        cpu = k.smp_processor_id()
        ret = ENOENT
        for index in range(len(self.firmware.blocks)):
            rc = yield from self.ghes_in_nmi_queue_one_entry(index, cpu)
            if rc == 0:
                ret = 0
        if ret == 0:
            self.irq_works[self._mine(cpu)].irq_work_queue()
        self.lock.spin_unlock()
        return ret

    def ghes_in_nmi_queue_one_entry(self, index: int, cpu: int) -> Steps:
        k = self.kernel
        block = self.firmware.blocks[index]
        record = block.value
        if record is None or (self.per_cpu and record[1] != cpu):
            return ENOENT  # empty block (or, with the fix, another CPU's)
        node = self.pool.gen_pool_alloc()
        if not node:
            k.emit("ghes_enomem", source=index, pfn=record[0])
            return ENOMEM  # neither cleared nor acked: the record stays in firmware
        yield k.step(f"ghes_sea{index}: read estatus")
        block.value = None  # ghes_clear_estatus() and the GHESv2 ack
        pfn = record[0]
        if pfn in self.cache.value:
            k.emit("ghes_estatus_cached", source=index, pfn=pfn)
            self.pool.gen_pool_free(node)
            return 0
        yield from self.llists[self._mine(cpu)].llist_add((pfn, node))
        return 0

    # ------------------------------------------------------------ ghes.c, IRQ side
    def _proc_in_irq(self, index: int) -> Any:
        def ghes_proc_in_irq(context: Context) -> Steps:
            for pfn, node in self.llists[index].llist_del_all():
                if self.free_node_first:
                    self.pool.gen_pool_free(node)
                yield from self.ghes_do_proc(pfn)
                self.cache.value = self.cache.value | {pfn}  # ghes_estatus_cache_add
                if not self.free_node_first:
                    self.pool.gen_pool_free(node)
                yield self.kernel.step("ghes_proc_in_irq: next record")

        return ghes_proc_in_irq

    def ghes_do_proc(self, pfn: int) -> Steps:
        """`ghes_do_proc()` of a recoverable memory error from a synchronous source:
        `ghes_do_memory_failure(pfn, MF_ACTION_REQUIRED)`."""
        k = self.kernel
        current = k.current_task()
        k.emit("ghes_do_proc", pfn=pfn, current=current.name if current else None)
        queued = True
        if current is not None and current.mm is not None:
            twcb = self.pool.gen_pool_alloc()
            if twcb:
                task_work_add(k, current, "memory_failure_cb", pfn, twcb)
            else:
                queued = False
        else:
            yield from self.mf_queue.memory_failure_queue(pfn, MF_ACTION_REQUIRED)
        if not queued and current is not None:
            force_sig(k, current, SIGBUS)

    def memory_failure_cb(self, task: Task, pfn: int, twcb: int) -> Steps:
        ret = yield from self.memory.memory_failure(pfn, MF_ACTION_REQUIRED)
        self.pool.gen_pool_free(twcb)
        if ret not in (0, EHWPOISON):
            force_sig(self.kernel, task, SIGBUS)


def user_program(k: Kernel, memory: UpstreamMemory, page: Page, retries: int) -> Any:
    """The task reads its page; after an abort it returns to user space and the
    access runs again. An access that would take its SEA number `retries` + 2 is
    where the model stops the task (`sea_loop`): the error was not handled while
    the task went round `retries` + 1 times."""

    def program(task: Task) -> Steps:
        seas = 0
        while True:
            fault = memory.fault_of(task, page)
            if fault == "sea" and seas > retries:
                k.emit("sea_loop", task=task.name, pfn=page.pfn, seas=seas)
                return
            seas += fault == "sea"
            yield from memory.user_access(task, page)
            if fault is None:
                k.emit("user_read_ok", task=task.name, pfn=page.pfn)
                return
            if (yield from exit_to_user(k, task)):
                return  # killed by the SIGBUS

    return program


def make_model(
    name: str, ghes: type[Ghes], doc: str, params: Mapping[str, Any] | None = None
) -> rm.Model:
    """The scenario and properties of this module around the GHES side `ghes` (a
    design that replaced or preceded today's subclasses `Ghes`)."""
    model = rm.Model(name, params={**PARAMS, **(params or {})}, doc=doc)

    @model.build
    def build(env: rm.Env, **params: Any) -> Kernel:
        if params["fix"] not in FIXES:
            raise rm.ModelError(f"-D fix={params['fix']}: choose one of {', '.join(FIXES)}.")
        for name, low in (("sources", 1), ("pool", 1), ("retries", 0), ("simultaneous", 0)):
            if params[name] < low:
                raise rm.ModelError(f"-D {name}={params[name]}: it must be at least {low}.")
        k = Kernel(
            env,
            cpus=2,
            preemptions=params["preemptions"],
            migrations=0,
            preempt_rt=bool(params["preempt_rt"]),
        )
        memory = UpstreamMemory(k, early_kill=bool(params["early_kill"]))
        memory.handler = ghes(k, memory, params)
        for index, who in enumerate("AB"[: 1 + params["simultaneous"]]):
            mm = "P" if params["same_process"] else who
            page = memory.page(PAGES[who], poisoned=True, mapped_by=(mm,))
            k.task(who, user_program(k, memory, page, params["retries"]), cpu=index, mm=mm)
        return k

    check_seed_properties(model)
    model.trace(name="no_wrong_sigbus", reads=("sea", "sigbus"))(no_wrong_sigbus)
    model.check(rm.never("sea_unclaimed"), name="sea_claimed")
    model.check(rm.never("sea_loop"), name="no_sea_loop")
    model.check(rm.never("panic"), name="no_panic")
    return model


def no_wrong_sigbus(system: Any, params: Mapping[str, Any], trace: list[dict]) -> Any:
    """No task that consumed an error gets a SIGBUS other than BUS_MCEERR_AR for its
    own page (`right_task_signalled` also wants that one to come)."""
    consumed = {e["data"]["task"]: e["data"]["pfn"] for e in trace if e["kind"] == "sea"}
    for event in trace:
        data = event["data"]
        if event["kind"] != "sigbus" or data["task"] not in consumed:
            continue
        if data["code"] != AR or data["pfn"] != consumed[data["task"]]:
            page = "no address" if data["pfn"] is None else f"page {data['pfn']:#x}"
            return f"{data['task']} got SIGBUS {data['code']} for {page}"
    return True


model = make_model("ghes-upstream", Ghes, __doc__)
