"""Sleeping locks, wait queues, completions, trylock, panic and the pool's free checks:
each shows its guarantee, and its misuse is found, on a small model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import rasmodel as rm
from rasmodel.errors import ModelError
from rasmodel.kernel import (
    NMI,
    Completion,
    GenPool,
    Kernel,
    Mutex,
    SpinLock,
    Task,
    WaitQueue,
    panic,
)
from rasmodel.report.text import counterexample_lines

Build = Callable[[rm.Env, Kernel], Any]


def _model(name: str, build: Build, *, cpus: int = 1, preemptions: int = 1) -> rm.Model:
    model = rm.Model(name)

    @model.build
    def _build(env: rm.Env):
        k = Kernel(env, cpus=cpus, preemptions=preemptions, migrations=0)
        return build(env, k)

    model.check(rm.never("sleep_in_atomic"), name="no_sleep_in_atomic")
    model.check(rm.never("panic"), name="no_panic")
    return model


def _mutex_pair(take: str) -> Build:
    """Tasks A and B on one CPU each run a critical section under one mutex."""

    def build(env: rm.Env, k: Kernel) -> Any:
        mutex = Mutex(k, "m")
        inside = env.var("inside", 0)
        done = env.var("done", 0)

        def body(task: Task):
            yield k.step("start")
            if take != "trylock" or not mutex.mutex_trylock():
                yield from mutex.mutex_lock()
            inside.value += 1
            yield k.step("critical section")
            inside.value -= 1
            mutex.mutex_unlock()
            done.value += 1

        k.task("A", body)
        k.task("B", body)
        return inside, done

    return build


def _exclusive(model: rm.Model) -> rm.Model:
    @model.invariant
    def mutual_exclusion(system, params):
        return system[0].value <= 1 or "both tasks are inside"

    @model.final
    def both_done(system, params):
        return system[1].value == 2 or f"{system[1].value} done"

    return model


@pytest.mark.parametrize("take", ["lock", "trylock"])
def test_a_mutex_excludes_and_a_sleeping_waiter_gets_it_after_unlock(take: str) -> None:
    result = rm.check(_exclusive(_model(f"mutex-{take}", _mutex_pair(take))))
    assert result.exhaustive
    assert result.verdicts["mutual_exclusion"] == "holds"
    assert result.verdicts["both_done"] == "holds"
    assert result.verdicts["deadlock"] == "holds"
    assert result.verdicts["no_sleep_in_atomic"] == "holds"


def test_the_waiter_really_sleeps_and_lets_the_holder_run() -> None:
    """With one preemption on one CPU, B can only get the mutex if, asleep, it gives
    the CPU back to the preempted holder A."""
    model = _exclusive(_model("mutex-sleep", _mutex_pair("lock")))
    model.check(rm.never("sleep"), name="never_sleeps")
    result = rm.check(model)
    assert result.verdicts["never_sleeps"] == "violated"
    assert "B" in result["never_sleeps"].message
    assert result.verdicts["both_done"] == "holds"


def _mutex_misuse(kind: str) -> Build:
    def build(env: rm.Env, k: Kernel) -> Any:
        mutex = Mutex(k, "m")
        lock = SpinLock(k, "s")

        def task(task: Task):
            yield k.step("start")
            if kind == "unlock_not_held":
                mutex.mutex_unlock()
            elif kind == "recursive":
                yield from mutex.mutex_lock()
                yield from mutex.mutex_lock()
            elif kind == "under_spinlock":
                yield from lock.spin_lock()
                yield from mutex.mutex_lock()
                mutex.mutex_unlock()
                lock.spin_unlock()

        def nmi(context):
            yield from mutex.mutex_lock()
            mutex.mutex_unlock()

        k.task("A", task)
        if kind == "in_nmi":
            k.interrupt("nmi", nmi, kind=NMI)

    return build


def test_unlocking_a_mutex_not_held_is_a_model_error_naming_the_line() -> None:
    with pytest.raises(ModelError, match=r"mutex_unlock\(m\).*not held") as error:
        rm.check(_model("unlock", _mutex_misuse("unlock_not_held")))
    assert "test_kernel_sync.py" in str(error.value)


def test_taking_a_mutex_twice_hangs_the_task() -> None:
    result = rm.check(_model("recursive", _mutex_misuse("recursive")))
    assert result.verdicts["deadlock"] == "violated"
    assert "mutex_lock m sleeps" in result["deadlock"].message


@pytest.mark.parametrize("kind", ["under_spinlock", "in_nmi"])
def test_a_mutex_in_atomic_context_is_a_sleep_in_atomic(kind: str) -> None:
    result = rm.check(_model(kind, _mutex_misuse(kind)))
    assert result.verdicts["no_sleep_in_atomic"] == "violated"


def _waiter(wake: bool) -> Build:
    """A waits for `ready` on a wait queue; B sets it and (or not) wakes the queue."""

    def build(env: rm.Env, k: Kernel) -> Any:
        wq = WaitQueue(k, "wq")
        ready = env.var("ready", False)
        got = env.var("got", False)

        def waiter(task: Task):
            yield k.step("start")
            yield from wq.wait_event(lambda: ready.value)
            got.value = True

        def waker(task: Task):
            yield k.step("start")
            ready.value = True
            if wake:
                wq.wake_up()

        k.task("A", waiter)
        k.task("B", waker, cpu=1)
        return got

    return build


def test_wait_event_returns_once_woken_with_the_condition_true() -> None:
    model = _model("wait", _waiter(True), cpus=2, preemptions=0)

    @model.final
    def woke(system, params):
        return system.value

    result = rm.check(model)
    assert result.exhaustive
    assert result.verdicts["woke"] == "holds"
    assert result.verdicts["deadlock"] == "holds"


def test_a_forgotten_wake_up_leaves_the_waiter_asleep() -> None:
    """Only when A checks before B sets the flag: the search must find that order."""
    result = rm.check(_model("nowake", _waiter(False), cpus=2, preemptions=0))
    assert result.verdicts["deadlock"] == "violated"
    assert "wait_event wq sleeps" in result["deadlock"].message


def _completion(waiters: int, how: str) -> Build:
    """`waiters` tasks wait for one completion; an IRQ on cpu1 completes it once."""

    def build(env: rm.Env, k: Kernel) -> Any:
        done = Completion(k, "done")

        def waiter(task: Task):
            yield k.step("start")
            yield from done.wait_for_completion()

        def irq(context):
            done.complete_all() if how == "all" else done.complete()
            yield k.step("irq returns")

        for index in range(waiters):
            k.task(f"W{index}", waiter, cpu=0)
        k.interrupt("irq", irq, cpu=1)

    return build


@pytest.mark.parametrize(
    ("waiters", "how", "verdict"),
    [(1, "one", "holds"), (2, "one", "violated"), (2, "all", "holds")],
)
def test_complete_lets_one_waiter_through_and_complete_all_every_one(
    waiters: int, how: str, verdict: str
) -> None:
    result = rm.check(_model(f"completion-{how}", _completion(waiters, how), cpus=2))
    assert result.exhaustive or verdict == "violated"
    assert result.verdicts["deadlock"] == verdict


def _nmi_takes_lock(take: str) -> Build:
    """The NMI takes the lock that the task it interrupted may hold."""

    def build(env: rm.Env, k: Kernel) -> Any:
        lock = SpinLock(k, "lock")
        skipped = env.var("skipped", False)
        panicked = env.var("panicked", False)
        later = env.var("later", False)

        def task(task: Task):
            yield k.step("start")
            yield from lock.spin_lock()
            yield k.step("critical section")
            lock.spin_unlock()
            yield k.step("after")
            later.value = True

        def nmi(context):
            if take == "trylock":
                if lock.spin_trylock():
                    lock.spin_unlock()
                else:
                    skipped.value = True
            elif take == "panic":
                if lock.owner.value is not None:
                    panicked.value = True
                    panic(k, "NMI found the lock held")
            else:
                yield from lock.spin_lock()
                lock.spin_unlock()
            yield k.step("nmi returns")

        k.task("A", task)
        k.interrupt("nmi", nmi, kind=NMI)
        return skipped, panicked, later

    return build


def test_spin_trylock_in_an_nmi_gives_up_where_spin_lock_deadlocks() -> None:
    spin = rm.check(_model("spin", _nmi_takes_lock("spin"), preemptions=0))
    assert spin.verdicts["deadlock"] == "violated"
    model = _model("trylock", _nmi_takes_lock("trylock"), preemptions=0)

    @model.final
    def never_skipped(system, params):
        return not system[0].value

    result = rm.check(model)
    assert result.verdicts["deadlock"] == "holds"
    assert result.verdicts["never_skipped"] == "violated"  # the NMI found it held


def test_the_deadlock_report_names_the_stuck_nmi_and_who_holds_its_lock() -> None:
    """The wait-for cycle: the NMI spins on a lock its own CPU's task holds, and the
    task cannot run under it. Idle contexts (the scheduler) are left out."""
    result = rm.check(_model("spin", _nmi_takes_lock("spin"), preemptions=0))
    message = result["deadlock"].message
    assert "nmi (cpu0/nmi) waits for wait_until 'spin_lock lock' (held by A (cpu0/task))" in message
    assert "A (cpu0/task) waits for" in message and "(cpu0 runs nmi (nmi) on top of it)" in message
    assert "sched/0" not in message


def test_panic_stops_the_machine_and_is_no_exception() -> None:
    model = _model("panic", _nmi_takes_lock("panic"), preemptions=0)

    @model.invariant
    def nothing_after_panic(system, params):
        _, panicked, later = system
        return not (panicked.value and later.value) or "the task ran after the panic"

    result = rm.check(model)
    assert result.exhaustive
    assert result.verdicts["nothing_after_panic"] == "holds"
    assert result.verdicts["no_panic"] == "violated"
    assert "NMI found the lock held" in result["no_panic"].message
    assert result.verdicts["exception"] == "holds"
    assert result.verdicts["deadlock"] == "holds"  # a halt is not a hang


def _pool(kind: str) -> Build:
    def build(env: rm.Env, k: Kernel) -> Any:
        pool = GenPool(k, "pool", 2)

        def task(task: Task):
            yield k.step("start")
            first = pool.gen_pool_alloc()
            second = pool.gen_pool_alloc()
            assert first and second and first != second
            assert not pool.gen_pool_alloc()  # exhausted
            pool.gen_pool_free(first)
            if kind == "double":
                pool.gen_pool_free(first)  # the line the violation names

        k.task("A", task)
        return pool

    return build


def test_a_double_free_is_an_assertion_at_the_freeing_line() -> None:
    result = rm.check(_model("double", _pool("double")))
    assert result.verdicts["assertion"] == "violated"
    message = result["assertion"].message
    assert "not allocated" in message and "test_kernel_sync.py" in message


def test_a_missing_free_is_seen_by_a_final_property() -> None:
    model = _model("leak", _pool("leak"))

    @model.final
    def all_freed(pool, params):
        return pool.gen_pool_avail() == 2 or f"{sorted(pool.allocated.value)} still allocated"

    result = rm.check(model)
    assert result.verdicts["assertion"] == "holds"
    assert result.verdicts["all_freed"] == "violated"
    assert "[2] still allocated" in result["all_freed"].message


def _busy_task_and_nmi(cpus: int) -> rm.Model:
    """A on cpu0 is busy between two steps; an NMI on cpu0 must not find it so; with
    two CPUs, B runs on cpu1 and must not end."""

    def build(env: rm.Env, k: Kernel):
        busy = env.var("busy", False)
        hit = env.var("hit", False)

        def task(task: Task):
            busy.value = True
            yield k.step("half done")
            busy.value = False

        def nmi(context):
            hit.value = hit.value or busy.value
            yield k.step("nmi returns")

        def other(task: Task):
            yield k.step("b works")

        k.task("A", task)
        if cpus > 1:
            k.task("B", other, cpu=1)
        k.interrupt("nmi", nmi, kind=NMI)
        return hit

    model = _model(f"nmi-words-{cpus}", build, cpus=cpus, preemptions=0)

    @model.final
    def never_in_the_middle(hit, params):
        return not hit.value

    return model


def test_counterexamples_say_an_nmi_interrupts_rather_than_preempts() -> None:
    cex = rm.check(_busy_task_and_nmi(1))["never_in_the_middle"].counterexample
    text = "\n".join(counterexample_lines(cex))
    assert "nmi (NMI on cpu0 interrupts A)" in text and "(preempts" not in text
    enter = next(e for e in cex.execution.trace if e.kind == "nmi_enter")
    assert enter.data["interrupts"] == "A"


def test_a_step_on_another_cpu_runs_alongside_and_preempts_nothing() -> None:
    cex = rm.check(_busy_task_and_nmi(2))["never_in_the_middle"].counterexample
    text = "\n".join(counterexample_lines(cex))
    assert "(preempts" not in text
    assert all("  B (" not in line or "alongside A on cpu0" in line for line in text.splitlines())


def test_a_spin_no_context_can_end_is_a_deadlock_at_its_line_not_a_depth_cut() -> None:
    def build(env: rm.Env, k: Kernel):
        ready = env.var("ready", False)

        def waiter(task: Task):
            yield k.step("start")
            yield k.spin_until(lambda: ready.value, "ready")

        def setter(task: Task):
            yield k.step("forgets to set ready")

        k.task("A", waiter)
        k.task("B", setter, cpu=1)

    result = rm.check(_model("spin", build, cpus=2, preemptions=0))
    assert result.exhaustive and result.verdicts["deadlock"] == "violated"
    message = result["deadlock"].message
    expected = "A (cpu0/task) waits for wait_until 'spin_until ready' (its condition is false)"
    assert expected in message
    assert "test_kernel_sync.py" in message


@pytest.mark.parametrize("call", ["schedule_work_on", "complete", "complete_all", "wake_up"])
@pytest.mark.parametrize("kind", [NMI, "hardirq"])
def test_a_call_that_is_not_nmi_safe_is_reported_from_nmi_context(call: str, kind: str) -> None:
    """schedule_work_on() takes pool->lock, complete() the completion's wait lock and
    wake_up() the wait queue's lock, with IRQs masked: from an NMI-like handler each
    may spin on a lock the interrupted task holds (found by a review: the NMI's
    schedule_work_on() said `holds`); from a hard IRQ each is fine."""
    from rasmodel.kernel import Workqueue

    def build(env: rm.Env, k: Kernel) -> Any:
        wq = Workqueue(k)
        work = wq.work("w", lambda ctx: iter(()))
        done, waiters = Completion(k, "done"), WaitQueue(k, "wq")
        calls = {
            "schedule_work_on": lambda: wq.schedule_work_on(0, work),
            "complete": done.complete,
            "complete_all": done.complete_all,
            "wake_up": waiters.wake_up,
        }

        def handler(ctx):
            calls[call]()
            yield k.step("handled")

        def task(t):
            yield k.step("syscall")

        k.task("A", task)
        k.interrupt("h", handler, cpu=0, kind=kind)

    model = _model("nmi-unsafe", build, preemptions=0)
    model.check(rm.never("nmi_unsafe"), name="nmi_safe")
    result = rm.check(model, minimize=False)
    assert result.verdicts["nmi_safe"] == ("violated" if kind == NMI else "holds")
    if kind == NMI:
        assert call in result["nmi_safe"].message and "cpu0/nmi" in result["nmi_safe"].message


def test_schedule_work_on_a_cpu_the_kernel_lacks_is_a_model_error() -> None:
    from rasmodel.kernel import Workqueue

    def build(env: rm.Env, k: Kernel) -> Any:
        wq = Workqueue(k)
        work = wq.work("w", lambda ctx: iter(()))

        def task(t):
            wq.schedule_work_on(3, work)
            yield k.step("queued")

        k.task("A", task)

    with pytest.raises(ModelError, match=r"schedule_work_on\(3, 'w'\): there is no cpu3"):
        rm.check(_model("bad-cpu", build), minimize=False)


@pytest.mark.parametrize("what", ["task", "interrupt", "cpu_stall"])
def test_a_cpu_the_kernel_lacks_is_a_model_error_naming_the_line(what: str) -> None:
    """k.task(cpu=1) on a one-CPU kernel was an IndexError inside rasmodel, reported
    as an `exception` violation (found by a review)."""

    def build(env: rm.Env, k: Kernel) -> Any:
        def body(t):
            yield k.step("run")

        if what == "task":
            k.task("A", body, cpu=1)
        elif what == "interrupt":
            k.task("A", body)
            k.interrupt("irq", lambda ctx: iter(()), cpu=2)
        else:
            k.task("A", body)
            k.cpu_stall(cpu=5)

    with pytest.raises(ModelError, match=r"there is no cpu\d") as raised:
        rm.check(_model("bad-cpu", build), minimize=False)
    where = raised.value.where
    assert where is not None and where.file.endswith("test_kernel_sync.py")
