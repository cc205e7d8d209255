"""Where the library follows today's upstream: task_work order and kernel threads,
irq_work on PREEMPT_RT, per-CPU variables and local_irq_disable()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import rasmodel as rm
from rasmodel.errors import ModelError
from rasmodel.kernel import (
    AO,
    AR,
    EBUSY,
    EHWPOISON,
    MF_ACTION_REQUIRED,
    NMI,
    IrqWork,
    Kernel,
    Memory,
    PerCpu,
    Task,
    Workqueue,
    exit_to_user,
    task_work_add,
)


def test_task_works_run_most_recent_first() -> None:
    model = rm.Model("lifo")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        ran = env.var("ran", ())

        def callback(task: Task, label: str):
            ran.value = (*ran.value, label)
            yield k.step("callback")

        k.callbacks["cb"] = callback

        def body(task: Task):
            yield k.step("syscall")
            task_work_add(k, task, "cb", "first")
            task_work_add(k, task, "cb", "second")
            yield from exit_to_user(k, task)

        k.task("A", body)
        return ran

    @model.final
    def order(ran, params):
        return ran.value == ("second", "first") or f"ran {ran.value}"

    result = rm.check(model)
    assert result.exhaustive
    assert result.verdicts["order"] == "holds"


def _irq_work_adds_task_work(preempt_rt: bool) -> rm.Model:
    """An NMI on cpu0 queues an irq_work whose callback adds task_work to `current`;
    task A waits for that, then returns to user space. Every task_work added must
    run (upstream GHES relies on it for `memory_failure_cb`)."""
    model = rm.Model(f"irq-work-rt-{preempt_rt}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=1, migrations=0, preempt_rt=preempt_rt)
        queued = env.var("queued", False)

        def callback(task: Task):
            yield k.step("memory_failure_cb")

        k.callbacks["cb"] = callback

        def work(context):
            current = k.current_task()
            assert current is not None
            task_work_add(k, current, "cb")
            queued.value = True
            yield k.step("irq_work done")

        irq_work = IrqWork(k, "ghes_proc_irq_work", work)

        def nmi(context):
            irq_work.irq_work_queue()
            yield k.step("nmi returns")

        def body(task: Task):
            yield k.env.wait_until(lambda: queued.value and k.contexts["A"].may_run(), "wait")
            yield from exit_to_user(k, task)

        k.task("A", body)
        k.interrupt("nmi", nmi, kind=NMI)

    model.check(rm.after("task_work_add", "task_work_run", key="work"), name="task_work_runs")
    return model


def test_irq_work_runs_in_hard_irq_on_top_of_the_task_it_interrupted() -> None:
    result = rm.check(_irq_work_adds_task_work(preempt_rt=False))
    assert result.exhaustive
    assert result.verdicts["task_work_runs"] == "holds"


def test_on_preempt_rt_the_irq_work_kthread_is_current_and_its_task_work_never_runs() -> None:
    result = rm.check(_irq_work_adds_task_work(preempt_rt=True))
    assert result.verdicts["task_work_runs"] == "violated"
    trace = result["task_work_runs"].counterexample.execution.trace
    added = [e for e in trace if e.kind == "task_work_add"]
    assert added and added[0].data["task"] == "irq_work/0" and added[0].data["kthread"]


def _lazy_irq_work_before_next_step(preempt_rt: bool, preemptions: int = 0) -> rm.Model:
    """Task A queues an irq_work, then takes one more step."""
    model = rm.Model(f"irq-workd-fifo-{preempt_rt}-{preemptions}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=preemptions, migrations=0, preempt_rt=preempt_rt)

        def work(context):
            yield k.step("irq_work starts")
            k.emit("work_ran")

        irq_work = IrqWork(k, "lazy_work", work)

        def body(task: Task):
            irq_work.irq_work_queue()
            yield k.step("after queue")
            k.emit("a_next")

        k.task("A", body)
        return k

    model.check(rm.before("work_ran", "a_next"), name="work_first")

    @model.final
    def budget_kept(k, params):
        """Neither the kthread's preemption of A nor anything else spent the budget:
        nothing can preempt a running SCHED_FIFO thread."""
        return k.preemptions.value == preemptions

    return model


@pytest.mark.parametrize(("preempt_rt", "verdict"), [(True, "holds"), (False, "violated")])
def test_the_rt_irq_work_kthread_preempts_the_task_at_its_next_preemption_point(
    preempt_rt: bool, verdict: str
) -> None:
    """irq_work/N is SCHED_FIFO: woken, it takes the CPU before A's next step without
    spending the preemption budget, and A cannot preempt it back. A hard-IRQ irq_work
    may arrive after that step."""
    result = rm.check(_lazy_irq_work_before_next_step(preempt_rt))
    assert result.exhaustive
    assert result.verdicts["work_first"] == verdict
    if preempt_rt:
        with_budget = rm.check(_lazy_irq_work_before_next_step(preempt_rt, preemptions=1))
        assert with_budget.verdicts["work_first"] == "holds"
        assert with_budget.verdicts["budget_kept"] == "holds"


def test_per_cpu_copies_are_apart_and_this_cpu_follows_the_context() -> None:
    model = rm.Model("percpu")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        count = PerCpu(k, "count", 0)

        def body(task: Task):
            yield k.step("work")
            count.this_cpu_inc()
            count.this_cpu_write(count.this_cpu_read() + 1)

        k.task("A", body, cpu=0)
        k.task("B", body, cpu=1)
        return count

    @model.final
    def two_each(count, params):
        values = [count.per_cpu(c).value for c in (0, 1)]
        return values == [2, 2] or f"{values}"

    result = rm.check(model)
    assert result.verdicts["two_each"] == "holds"
    assert result.stats.executions == 1  # the copies never conflict


@pytest.mark.parametrize("enable_first", [False, True])
def test_local_irq_disable_keeps_an_irq_out_until_enable(enable_first: bool) -> None:
    model = rm.Model("irqs-off")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        inside = env.var("inside", False)
        seen = env.var("seen", False)

        def body(task: Task):
            yield k.step("start")
            if enable_first:
                k.local_irq_enable()
            k.local_irq_disable()
            inside.value = True
            yield k.step("irqs off")
            inside.value = False
            k.local_irq_enable()

        def irq(context):
            if inside.value:
                seen.value = True
            yield k.step("irq returns")

        k.task("A", body)
        k.interrupt("irq", irq)
        return seen

    @model.final
    def never_inside(seen, params):
        return not seen.value

    if enable_first:
        with pytest.raises(ModelError, match="IRQs already enabled"):
            rm.check(model)
        return
    result = rm.check(model)
    assert result.exhaustive
    assert result.verdicts["never_inside"] == "holds"


def _flush_model(how: str) -> rm.Model:
    """Task A queues a work on cpu1 and then flushes or cancels it."""
    model = rm.Model(f"flush-{how}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        wq = Workqueue(k)
        ran = env.var("ran", 0)
        seen = env.var("seen", None)
        cancelled = env.var("cancelled", None)

        def fn(context):
            if how == "self":
                yield from wq.flush_work(work)
            ran.value = ran.value + 1
            yield k.step("work runs")

        work = wq.work("w", fn)

        def body(task: Task):
            yield k.step("start")
            wq.schedule_work_on(1, work)
            yield k.step("queued")
            if how == "cancel":
                cancelled.value = yield from wq.cancel_work_sync(work)
            else:
                yield from wq.flush_work(work)
            seen.value = ran.value

        k.task("A", body)
        return ran, seen, cancelled

    @model.final
    def after_flush(system, params):
        ran, seen, cancelled = system
        if how == "cancel":
            expected = 0 if cancelled.value else 1
            return (seen.value, ran.value) == (expected, expected) or f"{system}"
        return seen.value == 1 or f"A saw ran={seen.value} after flush_work"

    return model


@pytest.mark.parametrize("how", ["flush", "cancel"])
def test_flush_and_cancel_work_sync_return_with_the_work_done_or_gone(how: str) -> None:
    result = rm.check(_flush_model(how))
    assert result.exhaustive
    assert result.verdicts["after_flush"] == "holds"
    assert result.verdicts["deadlock"] == "holds"


def test_flush_work_from_the_work_itself_is_a_model_error() -> None:
    with pytest.raises(ModelError, match=r"flush_work\(w\) from the work itself") as error:
        rm.check(_flush_model("self"))
    assert "test_kernel_upstream.py" in str(error.value)


def _wrong_page(same_process: bool, early_kill: bool = False) -> rm.Model:
    """A handles B's error in A's context (memory_failure(B's page, AR) from A, as a
    task_work queued on the wrong task would); then B touches its page."""
    model = rm.Model(f"wrong-page-{same_process}-{early_kill}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        memory = Memory(k, lambda task, page: iter(()), upstream=True, early_kill=early_kill)
        page = memory.page(0xB0, poisoned=True, mapped_by=("procB",))
        results = env.var("results", ())

        def a(task: Task):
            yield k.step("task_work")
            first = yield from memory.memory_failure(0xB0, MF_ACTION_REQUIRED)
            again = yield from memory.memory_failure(0xB0, MF_ACTION_REQUIRED)
            results.value = (first, again)

        def b(task: Task):
            yield k.step("user")
            yield from memory.user_access(task, page)

        k.task("A", a, mm="procB" if same_process else "procA")
        k.task("B", b, mm="procB")
        return results

    def to(name: str, code: str) -> Callable[[dict[str, Any]], bool]:
        return lambda data: data["task"] == name and data["code"] == code

    model.check(rm.never("sigbus", where=to("A", AR)), name="A_not_signalled_AR")
    model.check(rm.never("sigbus", where=to("B", AO)), name="B_not_signalled_AO")
    model.check(rm.never("sea"), name="no_poison_consumed")

    @model.final
    def errno(results, params):
        """The first call handles the page; the second finds it already poisoned and
        signals A only if A's process has it in its page table (-EHWPOISON), else
        returns 0 (kill_accessing_process() found nothing to kill)."""
        expected = (0, EHWPOISON if same_process else 0)
        return results.value == expected or f"memory_failure returned {results.value}"

    return model


def test_upstream_memory_failure_does_not_signal_current_for_another_process_page() -> None:
    result = rm.check(_wrong_page(same_process=False))
    assert result.exhaustive
    assert result.verdicts["A_not_signalled_AR"] == "holds"
    assert result.verdicts["B_not_signalled_AO"] == "holds"  # late kill: nothing at unmap
    # B then takes the hwpoison fault (SIGBUS from the fault path), never the poison
    assert result.verdicts["no_poison_consumed"] == "violated"  # only when B runs first
    assert result.verdicts["errno"] == "holds"


def test_upstream_memory_failure_signals_current_when_it_is_a_thread_of_that_process() -> None:
    result = rm.check(_wrong_page(same_process=True))
    assert result.verdicts["A_not_signalled_AR"] == "violated"
    assert result.verdicts["errno"] == "holds"


def test_upstream_early_kill_signals_the_other_process_at_unmap_time() -> None:
    result = rm.check(_wrong_page(same_process=False, early_kill=True))
    assert result.verdicts["B_not_signalled_AO"] == "violated"
    assert result.verdicts["A_not_signalled_AR"] == "holds"


def _two_irq_works(target: int | None) -> rm.Model:
    """An NMI on cpu0 queues works a then b (on cpu0, or with irq_work_queue_on on
    `target`); each records where it ran. Upstream `irq_work_run_list()`: one IPI
    context per CPU (not one per work) runs both, and `llist_del_all()` hands them
    over newest first."""
    model = rm.Model("two-irq-works")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        ran = env.var("ran", ())

        def recorder(label: str):
            def work(context):
                ran.value = (*ran.value, (label, context.process, k.smp_processor_id()))
                yield k.step(f"work {label}")

            return work

        works = [IrqWork(k, label, recorder(label)) for label in ("a", "b")]

        def nmi(context):
            for work in works:
                if target is None:
                    work.irq_work_queue()
                else:
                    work.irq_work_queue_on(target)
            yield k.step("nmi returns")

        def body(task: Task):
            yield k.step("user")

        k.task("A", body)
        k.interrupt("nmi", nmi, kind=NMI)
        return ran

    cpu = target or 0
    expected = (("b", f"irq_work_ipi/{cpu}", cpu), ("a", f"irq_work_ipi/{cpu}", cpu))

    @model.final
    def one_ipi_newest_first(ran, params):
        return ran.value == expected or f"ran {ran.value}"

    return model


@pytest.mark.parametrize("target", [None, 1])
def test_irq_works_raised_on_a_cpu_run_in_its_one_ipi_newest_first(target: int | None) -> None:
    result = rm.check(_two_irq_works(target))
    assert result.exhaustive and result.stats.executions > 1
    assert result.verdicts["one_ipi_newest_first"] == "holds"


def test_irq_work_queue_on_a_cpu_that_does_not_exist_is_a_model_error() -> None:
    with pytest.raises(ModelError, match=r"irq_work_queue_on\('a', 5\): there is no cpu5"):
        rm.check(_two_irq_works(5))


def _own_page(kind: str) -> rm.Model:
    """memory_failure(A's page, MF_ACTION_REQUIRED) in A, then A touches the page
    again: a dirty anonymous page, clean page cache, or a page that stays pinned."""
    model = rm.Model(f"own-page-{kind}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        memory = Memory(k, lambda task, page: iter(()), upstream=True)
        page = memory.page(
            0xA0, poisoned=True, mapped_by=("A",), clean=kind == "clean", pinned=kind == "pinned"
        )
        seen = env.var("seen", ())

        def a(task: Task):
            yield k.step("task_work")
            ret = yield from memory.memory_failure(0xA0, MF_ACTION_REQUIRED)
            seen.value = (ret, memory.fault_of(task, page))

        k.task("A", a)
        return seen

    model.check(rm.never("sigbus"), name="no_sigbus")

    @model.final
    def outcome(seen, params):
        return f"returned {seen.value[0]}, next access: {seen.value[1]}"

    return model


@pytest.mark.parametrize(
    ("kind", "signalled", "outcome"),
    [
        ("dirty", True, "returned 0, next access: hwpoison"),
        ("clean", False, "returned 0, next access: None"),  # dropped, re-read from file
        ("pinned", True, f"returned {EBUSY}, next access: sea"),  # still mapped
    ],
)
def test_upstream_memory_failure_kills_only_for_dirty_or_unmappable_pages(
    kind: str, signalled: bool, outcome: str
) -> None:
    result = rm.check(_own_page(kind))
    assert result.verdicts["no_sigbus"] == ("violated" if signalled else "holds")
    assert result.counterexamples["outcome"].message == outcome
