"""Signals as upstream queues and delivers them (rasmodel.kernel.signal): SIGBUS is a
legacy signal, get_signal() runs task_work first, a delivered SIGBUS kills the task
before it reaches user space and SIGKILLs the other threads of its process."""

from __future__ import annotations

from typing import Any

import pytest

import rasmodel as rm
from rasmodel.errors import ModelError
from rasmodel.kernel import (
    AO,
    AR,
    MF_ACTION_REQUIRED,
    NMI,
    SIGKILL,
    Kernel,
    Memory,
    Task,
    exit_to_user,
    force_sig,
    force_sig_mceerr,
    set_tsk_thread_flag,
    task_work_add,
)


def _kinds(trace: list[dict], task: str) -> list[str]:
    return [e["kind"] for e in trace if e["data"].get("task") == task]


def _own_page_in_task_work(threads: bool) -> rm.Model:
    """A's task_work runs memory_failure(A's page, MF_ACTION_REQUIRED) (the SIGBUS
    AR is queued there), then A returns to user space; B, a thread of A's process
    or another process, returns to user space once A's way out has begun."""
    model = rm.Model(f"own-page-{threads}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        memory = Memory(k, lambda task, page: iter(()), upstream=True)
        memory.page(0xA0, poisoned=True, mapped_by=("P",))
        outcome = env.var("outcome", {})
        started = env.var("A_exiting", False)

        def memory_failure_cb(task: Task, pfn: int):
            yield from memory.memory_failure(pfn, MF_ACTION_REQUIRED)

        k.callbacks["memory_failure_cb"] = memory_failure_cb

        def a(task: Task):
            yield k.step("do_sea")
            task_work_add(k, task, "memory_failure_cb", 0xA0)
            started.value = True
            killed = yield from exit_to_user(k, task)
            outcome.value = {**outcome.value, "A": killed}

        def b(task: Task):
            yield env.wait_until(lambda: started.value, "A on its way out")
            yield k.step("syscall")
            yield k.step("syscall returns")
            killed = yield from exit_to_user(k, task)
            outcome.value = {**outcome.value, "B": killed}

        k.task("A", a, cpu=0, mm="P")
        k.task("B", b, cpu=1, mm="P" if threads else "Q")
        return outcome

    @model.trace(reads=("task_work_run", "sigbus", "signal_delivered", "ret_to_user"))
    def a_killed_before_user(system: Any, params: Any, trace: list[dict]):
        """The AR queued by A's task_work is delivered in the same exit, after it."""
        kinds = _kinds(trace, "A")
        wanted = ["task_work_run", "sigbus", "signal_delivered"]
        return [k for k in kinds if k in wanted + ["ret_to_user"]] == wanted or str(kinds)

    @model.final
    def b_killed(outcome, params):
        return outcome.value.get("B") is True or f"B: {outcome.value}"

    @model.final
    def b_lives(outcome, params):
        return outcome.value.get("B") is False or f"B: {outcome.value}"

    @model.final
    def a_killed(outcome, params):
        return outcome.value.get("A") is True or f"A: {outcome.value}"

    return model


def test_a_sigbus_queued_by_task_work_is_delivered_before_the_task_reaches_user() -> None:
    result = rm.check(_own_page_in_task_work(threads=False))
    assert result.exhaustive
    assert result.verdicts["a_killed_before_user"] == "holds"
    assert result.verdicts["a_killed"] == "holds"
    assert result.verdicts["b_killed"] == "violated"  # another process lives on
    assert result.verdicts["b_lives"] == "holds"


def test_the_other_threads_of_a_killed_process_die_at_their_next_exit() -> None:
    result = rm.check(_own_page_in_task_work(threads=True))
    assert result.exhaustive
    assert result.verdicts["b_killed"] == "violated"  # when B returned before A died
    assert result.verdicts["b_lives"] == "violated"  # the SIGKILL reached B first
    assert result.verdicts["a_killed"] == "holds"


def _two_sigbuses(task_work: bool) -> rm.Model:
    """Two SIGBUSes for task A before it returns (AO for one page, then AR for
    another); with `task_work`, a task_work is pending too."""
    model = rm.Model(f"two-sigbuses-{task_work}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        got = env.var("got", ())

        def note(task: Task):
            got.value = (*got.value, "task_work")
            yield k.step("task_work")

        k.callbacks["note"] = note

        def a(task: Task):
            yield k.step("kernel")
            force_sig_mceerr(k, task, AO, 0xB0)
            force_sig_mceerr(k, "A", AR, 0xA0)
            if task_work:
                task_work_add(k, task, "note")
            yield from exit_to_user(k, task)

        k.task("A", a)
        return got

    @model.trace(reads=("sigbus", "signal_dropped", "signal_delivered", "task_work_run"))
    def story(system: Any, params: Any, trace: list[dict]):
        events = [(e["kind"], e["data"].get("code")) for e in trace if e["kind"] != "sched"]
        wanted = [("sigbus", AO), ("signal_dropped", AR)]
        if task_work:
            wanted.append(("task_work_run", None))
        wanted.append(("signal_delivered", AO))
        relevant = [e for e in events if e[0] in {k for k, _ in wanted}]
        return relevant == wanted or str(relevant)

    return model


def test_a_second_sigbus_while_one_is_pending_is_dropped_and_task_work_runs_first() -> None:
    for task_work in (False, True):
        result = rm.check(_two_sigbuses(task_work))
        assert result.exhaustive
        assert result.verdicts["story"] == "holds", task_work


def test_the_simple_memory_model_only_records_its_sigbus() -> None:
    """Memory() without upstream=True keeps the seed models' abstraction: a `sigbus`
    event, no pending signal, the task returns to user space."""
    model = rm.Model("simple-sigbus")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        memory = Memory(k, lambda task, page: iter(()))
        memory.page(0xA0, poisoned=True, mapped_by=("A",))

        def a(task: Task):
            yield k.step("task_work")
            yield from memory.memory_failure(0xA0, MF_ACTION_REQUIRED)
            yield from exit_to_user(k, task)

        k.task("A", a)
        return k

    model.check(rm.eventually("ret_to_user"), name="returns")
    model.check(rm.never("signal_delivered"), name="not_killed")
    result = rm.check(model)
    assert result.verdicts["returns"] == "holds"
    assert result.verdicts["not_killed"] == "holds"


def _task_a(name: str, body: Any) -> rm.Model:
    """One CPU, no preemption, one task A running `body(k, task)`."""
    model = rm.Model(name)

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        k.task("A", lambda task: body(k, task))
        return k

    return model


def test_a_signal_for_a_task_that_does_not_exist_is_a_model_error_naming_the_line() -> None:
    def a(k: Kernel, task: Task):
        yield k.step("kernel")
        force_sig_mceerr(k, "Z", AR, 0xA0)

    with pytest.raises(ModelError, match=r"test_kernel_signal.py:\d+: a signal for 'Z'"):
        rm.check(_task_a("no-such-task", a))


def _sigkill_then_sigbus() -> rm.Model:
    """A SIGKILLs B, a thread of its process with a SIGBUS AO pending, then sends B a
    SIGBUS AR; B returns to user space after that."""
    model = rm.Model("sigkill-group")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        killed = env.var("killed", {})
        ao_sent = env.var("ao_sent", False)
        kill_sent = env.var("kill_sent", False)

        def a(task: Task):
            yield env.wait_until(lambda: ao_sent.value, "B's AO pending")
            yield k.step("kill")
            force_sig(k, "B", SIGKILL)
            force_sig_mceerr(k, "B", AR, 0xA0)
            kill_sent.value = True
            died = yield from exit_to_user(k, task)
            killed.value = {**killed.value, "A": died}

        def b(task: Task):
            force_sig_mceerr(k, task, AO, 0xB0)
            ao_sent.value = True
            yield env.wait_until(lambda: kill_sent.value, "A's SIGKILL sent")
            died = yield from exit_to_user(k, task)
            killed.value = {**killed.value, "B": died}

        k.task("A", a, cpu=0, mm="P")
        k.task("B", b, cpu=1, mm="P")
        return killed

    @model.final
    def both_killed(killed, params):
        return killed.value == {"A": True, "B": True} or str(killed.value)

    @model.trace(reads=("signal_dropped", "signal_delivered"))
    def b_dies_of_sigkill_and_the_late_sigbus_is_dropped(system: Any, params: Any, trace):
        b = [(e["kind"], e["data"].get("sig")) for e in trace if e["data"].get("task") == "B"]
        wanted = [("signal_dropped", "SIGBUS"), ("signal_delivered", "SIGKILL")]
        return [e for e in b if e[0] in {"signal_dropped", "signal_delivered"}] == wanted or str(b)

    return model


def test_sigkill_to_one_thread_kills_its_process_and_a_dying_process_takes_no_signal() -> None:
    result = rm.check(_sigkill_then_sigbus())
    assert result.exhaustive
    assert result.verdicts["both_killed"] == "holds"
    assert result.verdicts["b_dies_of_sigkill_and_the_late_sigbus_is_dropped"] == "holds"


def _flag_set_by_nmi_during_its_handler() -> rm.Model:
    """A's TIF_MCE handler runs on its way out; an NMI on A's CPU may set the flag
    again, at any point."""
    model = rm.Model("tif-again")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)

        def handler(task: Task):
            yield k.step("handle TIF_MCE")
            k.emit("handler_done")

        k.tif_handlers["TIF_MCE"] = handler

        def a(task: Task):
            set_tsk_thread_flag(k, task, "TIF_MCE")
            yield k.step("kernel")
            yield from exit_to_user(k, task)

        def nmi(context: Any):
            set_tsk_thread_flag(k, k.tasks["A"], "TIF_MCE")
            k.emit("flag_set")
            yield k.step("nmi")

        k.task("A", a)
        k.interrupt("sea", nmi, kind=NMI)
        return k

    @model.trace(reads=("flag_set", "do_notify_resume", "handler_done", "ret_to_user"))
    def handled_before_user(system: Any, params: Any, trace: list[dict]):
        """A flag the NMI set while the handler ran is handled again before A
        returns (only one set after the last check may reach user space)."""
        kinds = [e["kind"] for e in trace if e["kind"] != "sched"]
        for index, kind in enumerate(kinds):
            rest = kinds[index:]
            upto = rest[: rest.index("ret_to_user")] if "ret_to_user" in rest else rest
            if kind == "flag_set" and "handler_done" in upto and "do_notify_resume" not in upto:
                return str(kinds)
        return True

    model.check(rm.at_most_once("do_notify_resume"), name="handled_once")
    return model


def test_a_flag_an_nmi_sets_while_its_handler_runs_is_handled_again_before_user() -> None:
    result = rm.check(_flag_set_by_nmi_during_its_handler())
    assert result.exhaustive
    assert result.verdicts["handled_once"] == "violated"  # the second round ran
    assert result.verdicts["handled_before_user"] == "holds"


def test_a_pending_signal_does_not_hide_returning_to_user_with_preemption_disabled() -> None:
    def a(k: Kernel, task: Task):
        yield k.step("kernel")
        force_sig_mceerr(k, task, AR, 0xA0)
        k.preempt_disable()
        yield from exit_to_user(k, task)

    with pytest.raises(ModelError, match="preempt"):
        rm.check(_task_a("signal-preempt-off", a))
