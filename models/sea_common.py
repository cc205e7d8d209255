"""The scenario and the properties shared by the SEA design models.

Scenario (defaults): two CPUs; tasks A and B on cpu0, each mapping its own poisoned
page and touching it from user space (two synchronous external aborts on cpu0); an
asynchronous NMI-like notification (SDEI) and an interrupt-context error report
(GHES IRQ) on cpu0, which can land at any step where they can; one preemption and
one migration to cpu1 available to the scheduler. `-D simultaneous=1` puts B on cpu1
instead, so the two SEAs happen on two CPUs at about the same time.

A design is a class built with `(kernel, memory, workqueue, params)` that provides the SEA
handler (`sea`), the SDEI handler (`sdei`) and the IRQ report (`irq_report`). The
properties carry the same names in every model, so `rasmodel compare` lines designs
up: no_sleep_in_atomic, reentrancy_safe, no_lost_error, handled_before_user,
right_task_signalled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import rasmodel as rm
from rasmodel.kernel import (
    AO,
    AR,
    Context,
    GenPool,
    IrqWork,
    Kernel,
    LList,
    Memory,
    MemoryFailureQueue,
    Page,
    Task,
    Workqueue,
    exit_to_user,
)
from rasmodel.kernel.cpu import NMI, Steps
from rasmodel.kernel.mm import Pfn

PARAMS = {
    "errors": 1,  # tasks that take an SEA (A; 2: A, then B)
    "sdei": 1,  # an asynchronous NMI-like error notification on cpu0
    "irq_report": 1,  # an interrupt-context error report on cpu0
    "preemptions": 1,
    "migrations": 1,
    "pool": 4,  # records in the preallocated estatus pool
    "simultaneous": 0,  # 1: B runs on cpu1 and takes its SEA at about the same time
}

PAGES = {"A": 0xA0, "B": 0xB0, "C": 0xC0, "D": 0xD0}  # C: SDEI's page, D: the IRQ's


class Design(Protocol):
    def sea(self, task: Task, page: Page) -> Steps: ...

    def sdei(self, context: Context, pfn: int) -> Steps: ...

    def irq_report(self, context: Context, pfn: int) -> Steps: ...


class Estatus:
    """The GHES lock-free path: copy the record into the preallocated pool, push it on
    the global `ghes_estatus_llist` and queue the global `ghes_proc_irq_work`, whose
    handler (`ghes_proc_in_irq`) drains the whole list with `llist_del_all()`."""

    def __init__(
        self, kernel: Kernel, capacity: int, handle: Callable[[Context, Any], Steps]
    ) -> None:
        self.kernel = kernel
        self.pool = GenPool(kernel, "ghes_estatus_pool", capacity)
        self.llist = LList(kernel, "ghes_estatus_llist")
        self.irq_work = IrqWork(kernel, "ghes_proc_irq_work", self._ghes_proc_in_irq)
        self.handle = handle

    def ghes_in_nmi_queue(self, record: tuple[Any, ...]) -> Steps:
        k = self.kernel
        if not self.pool.gen_pool_alloc():
            return
        yield from self.llist.llist_add(record)
        self.irq_work.irq_work_queue()
        k.emit("ghes_in_nmi_queue", record=record)

    def _ghes_proc_in_irq(self, context: Context) -> Steps:
        for record in self.llist.llist_del_all():
            self.pool.gen_pool_free()
            yield from self.handle(context, record)


def make_model(
    name: str,
    design: Callable[[Kernel, Memory, Workqueue, Mapping[str, int]], Design],
    doc: str,
    *,
    defaults: Mapping[str, int] | None = None,
    program: Callable[[Kernel, Memory, Page, Mapping[str, int]], Callable[[Task], Steps]]
    | None = None,
) -> rm.Model:
    """The model of one design: the shared scenario and the shared properties.
    `defaults` overrides scenario defaults; `program` replaces the tasks' user program
    (it gets the kernel, memory, the task's poisoned page and the parameters)."""
    model = rm.Model(name, params={**PARAMS, **(defaults or {})}, doc=doc)
    make_program = program or (lambda k, memory, page, params: _user_program(k, memory, page))

    @model.build
    def build(env: rm.Env, **params: int) -> Kernel:
        k = Kernel(env, cpus=2, preemptions=params["preemptions"], migrations=params["migrations"])
        wq = Workqueue(k)
        handlers: dict[str, Design] = {}
        memory = Memory(k, lambda task, page: handlers["design"].sea(task, page))
        handlers["design"] = impl = design(k, memory, wq, params)
        for index, who in enumerate("AB"[: params["errors"]]):
            page = memory.page(PAGES[who], poisoned=True, mapped_by=(who,))
            cpu = index if params["simultaneous"] else 0
            k.task(who, make_program(k, memory, page, params), cpu=cpu)
        if params["sdei"]:
            memory.page(PAGES["C"], poisoned=True)
            k.interrupt("sdei", _report("sdei", PAGES["C"], impl.sdei), cpu=0, kind=NMI)
        if params["irq_report"]:
            memory.page(PAGES["D"], poisoned=True)
            k.interrupt("ghes_irq", _report("ghes_irq", PAGES["D"], impl.irq_report), cpu=0)
        return k

    check_seed_properties(model)
    return model


def check_seed_properties(model: rm.Model) -> None:
    """The five properties every SEA design model checks, under the same names."""
    model.check(rm.never("sleep_in_atomic"), name="no_sleep_in_atomic")
    model.check(rm.never(("self_deadlock", "corrupted")), name="reentrancy_safe")
    model.check(rm.after("error_reported", "memory_failure", key="pfn"), name="no_lost_error")
    model.trace(name="handled_before_user", reads=("sea", "memory_failure", "ret_to_user"))(
        handled_before_user
    )
    model.trace(name="right_task_signalled", reads=("sea", "sigbus", "signal_delivered"))(
        right_task_signalled
    )


def _user_program(k: Kernel, memory: Memory, page: Page) -> Callable[[Task], Steps]:
    def program(task: Task) -> Steps:
        yield from memory.user_access(task, page)
        yield from exit_to_user(k, task)

    return program


def _report(source: str, pfn: int, handler: Callable[[Context, int], Steps]):
    def run(context: Context) -> Steps:
        context.kernel.emit("error_reported", pfn=Pfn(pfn), source=source)
        yield from handler(context, Pfn(pfn))

    return run


def handled_before_user(system: Any, params: Mapping[str, Any], trace: list[dict]) -> Any:
    """A task that took an SEA runs no user instruction before its page is handled."""
    pending: dict[str, tuple[int, int]] = {}
    for event in trace:
        kind, data = event["kind"], event["data"]
        if kind == "sea":
            pending[data["task"]] = (data["pfn"], event["step"])
        elif kind == "memory_failure":
            pending = {t: p for t, p in pending.items() if p[0] != data["pfn"]}
        elif kind == "ret_to_user" and data["task"] in pending:
            pfn, step = pending[data["task"]]
            return (
                f"{data['task']} returned to user space at step {event['step']} before "
                f"memory_failure() handled page {pfn:#x} (its SEA at step {step})"
            )
    return True


def right_task_signalled(system: Any, params: Mapping[str, Any], trace: list[dict]) -> Any:
    """The task that consumed an error gets SIGBUS BUS_MCEERR_AR for its own page
    (unless its process died first: a thread SIGKILLed by the group exit of a
    sibling's SIGBUS needs none)."""
    consumed = {e["data"]["task"]: e["data"]["pfn"] for e in trace if e["kind"] == "sea"}
    signals = [e["data"] for e in trace if e["kind"] == "sigbus"]
    killed = {
        e["data"]["task"]
        for e in trace
        if e["kind"] == "signal_delivered" and e["data"]["sig"] == "SIGKILL"
    }
    for task, pfn in consumed.items():
        for signal in signals:
            if signal["task"] == task and (signal["code"] != AR or signal["pfn"] != pfn):
                page = "no address" if signal["pfn"] is None else f"page {signal['pfn']:#x}"
                return (
                    f"{task} consumed the error in page {pfn:#x} but got SIGBUS "
                    f"{signal['code']} for {page}"
                )
        if task not in killed and not any(s["task"] == task and s["code"] == AR for s in signals):
            return f"{task} consumed the error in page {pfn:#x} but got no SIGBUS {AR}"
    return True


__all__ = ["AO", "AR", "Estatus", "MemoryFailureQueue", "check_seed_properties", "make_model"]
