"""The built-in `livelock` property: a spin that no process can ever end is a
violation with a replayable counterexample; a spin another process ends, an endless
loop that makes progress, or a loop that starves someone is not one."""

from __future__ import annotations

from typing import Any

import pytest

import rasmodel as rm
from rasmodel.kernel import NMI, Kernel
from rasmodel.search import replay

SEARCHES = [
    pytest.param({}, id="dpor"),
    pytest.param({"reduction": "none"}, id="plain"),
    pytest.param({"cache": "on"}, id="cache"),
]


def _flag_spin(setter_sets: bool) -> rm.Model:
    """A spins until B sets a flag; B does some work and sets it, or forgets to."""
    model = rm.Model(f"flag-spin-{setter_sets}")

    @model.build
    def build(env: rm.Env):
        flag = env.var("flag", 0)
        data = env.var("data", 0)

        def a():
            while not flag.value:
                yield env.pause("cpu_relax")
            data.value += 1

        def b():
            yield env.pause("work")
            data.value = 5
            if setter_sets:
                flag.value = 1

        env.process(a(), name="A")
        env.process(b(), name="B")
        return data

    return model


@pytest.mark.parametrize("options", SEARCHES)
def test_a_spin_nobody_can_end_is_a_livelock_with_a_counterexample_that_replays(
    options: dict[str, Any],
) -> None:
    model = _flag_spin(setter_sets=False)
    result = rm.check(model, max_depth=200, **options)
    assert result.verdicts["livelock"] == "violated"
    cex = result.counterexamples["livelock"]
    assert cex.message.startswith("A (at ") and "never finishes" in cex.message
    assert len(cex.execution.steps) <= 10  # from the last write on, not the whole spin
    replayed = replay(model, {}, "livelock", cex.choices, steps=len(cex.execution.steps))
    assert [v.property for v in replayed.violations] == ["livelock"]


@pytest.mark.parametrize("options", SEARCHES)
def test_a_spin_another_process_ends_is_no_livelock(options: dict[str, Any]) -> None:
    result = rm.check(_flag_spin(setter_sets=True), max_depth=200, **options)
    assert result.verdicts["livelock"] == "no-violation-found"  # pause loops never end
    assert not result.exhaustive


def test_a_loop_that_makes_progress_forever_is_bounded_not_a_livelock() -> None:
    model = rm.Model("counter")

    @model.build
    def build(env: rm.Env):
        count = env.var("count", 0)

        def a():
            while True:
                count.value += 1
                yield env.pause("tick")

        env.process(a(), name="A")
        return count

    result = rm.check(model, max_depth=200)
    assert result.verdicts["livelock"] == "no-violation-found"


def _each_waits_for_the_other() -> rm.Model:
    """A and B each spin until the other's flag is set, before setting their own."""
    model = rm.Model("each-waits")

    @model.build
    def build(env: rm.Env):
        flags = {name: env.var(f"{name}.flag", 0) for name in "AB"}

        def spinner(me: str, other: str):
            while not flags[other].value:
                yield env.pause("cpu_relax")
            flags[me].value = 1

        env.process(spinner("A", "B"), name="A")
        env.process(spinner("B", "A"), name="B")
        return flags

    return model


def test_two_spinners_waiting_for_each_other_livelock_together() -> None:
    result = rm.check(_each_waits_for_the_other(), max_depth=200, minimize=False)
    cex = result.counterexamples["livelock"]
    assert cex.message.startswith("A (at ") and " and B (at " in cex.message
    assert "A, B never finish" in cex.message


def test_under_a_preemption_bound_a_livelock_is_not_claimed() -> None:
    """Going round a loop of two spinners forever switches without end."""
    result = rm.check(_each_waits_for_the_other(), preemption_bound=1)
    assert result.verdicts["livelock"] == "no-violation-found"


def _nmi_spins_on_the_lock_of_the_task_it_interrupted(nmi: bool) -> rm.Model:
    """A hand-written spin in an NMI handler on a lock the interrupted task holds."""
    model = rm.Model(f"nmi-spin-{nmi}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        lock = env.var("lock", None)

        def task(t: Any):
            yield k.step("take lock")
            lock.value = "A"
            yield k.step("critical section")
            lock.value = None

        def handler(context: Any):
            while lock.value is not None:
                yield k.cpu_relax()
            lock.value = "nmi"
            yield k.step("nmi critical section")
            lock.value = None

        def other(t: Any):
            yield k.step("work on cpu1")

        k.task("A", task, cpu=0)
        k.task("B", other, cpu=1)
        if nmi:
            k.interrupt("nmi", handler, cpu=0, kind=NMI)
        return lock

    return model


def test_a_kernel_spin_on_a_lock_held_beneath_is_a_livelock_and_holds_without_the_nmi() -> None:
    result = rm.check(_nmi_spins_on_the_lock_of_the_task_it_interrupted(True), minimize=False)
    assert result.verdicts["livelock"] == "violated"
    assert result.counterexamples["livelock"].message.startswith("nmi (at ")
    quiet = rm.check(_nmi_spins_on_the_lock_of_the_task_it_interrupted(False))
    assert quiet.exhaustive
    assert quiet.verdicts["livelock"] == "holds"


def _spin_until_a_timer(delay: float) -> rm.Model:
    """A spins until a timer, `delay` from now, sets the flag."""
    model = rm.Model("timer-spin")

    @model.build
    def build(env: rm.Env):
        flag = env.var("flag", 0)

        def a():
            while not flag.value:
                yield env.pause("cpu_relax")

        def timer():
            yield env.timeout(delay)
            flag.value = 1

        env.process(a(), name="A")
        env.process(timer(), name="timer")
        return flag

    return model


def test_a_spin_a_timer_due_later_ends_is_no_livelock() -> None:
    result = rm.check(_spin_until_a_timer(5), max_depth=100)
    assert result.verdicts["livelock"] == "no-violation-found"


def _spin_the_preemption_budget_keeps_going(preemptions: int) -> rm.Model:
    """On one CPU, A spins until B sets a flag; C, already running, takes one step.
    Only a preemption of A lets B run, and the search allows `preemptions`."""
    model = rm.Model(f"budget-spin-{preemptions}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=preemptions, migrations=0)
        flag = env.var("flag", 0)

        def a(task: Any):
            while not flag.value:
                yield k.cpu_relax()

        def c(task: Any):
            yield k.step("one step")

        def b(task: Any):
            yield k.step("set the flag")
            flag.value = 1

        k.task("A", a)
        k.task("C", c)
        k.task("B", b)
        return flag

    return model


def test_a_spin_only_the_preemption_budget_keeps_going_is_no_livelock() -> None:
    """Once the budget is spent A spins alone, but a real scheduler would preempt it
    and B would end the spin: a bound of the search, not a livelock of the design."""
    result = rm.check(_spin_the_preemption_budget_keeps_going(1), max_depth=150)
    assert result.verdicts["livelock"] == "no-violation-found"


def test_a_property_named_after_a_built_in_one_is_refused_naming_them_all() -> None:
    model = rm.Model("clash")
    with pytest.raises(rm.ModelError) as error:

        @model.invariant
        def livelock(system: Any, params: Any) -> bool:
            return True

    assert "already has a property named 'livelock'" in str(error.value)
    assert "deadlock, livelock, assertion, exception are built in" in str(error.value)


def _retry(succeeds: bool) -> rm.Model:
    """A retries while a `choose` says it failed; when `succeeds` is False both
    options fail (a spin on a flag nobody sets, whichever way it waits)."""
    model = rm.Model(f"retry-{succeeds}")

    @model.build
    def build(env: rm.Env):
        done = env.var("done", 0)

        def a():
            while not done.value:
                ok = env.choose([False, True], "cmpxchg succeeded")
                if ok and succeeds:
                    done.value = 1
                yield env.pause("retry")

        env.process(a(), name="A")
        return done

    return model


def test_a_retry_a_choose_could_end_is_no_livelock_and_one_it_cannot_is() -> None:
    """Choices are fair as processes are: a loop that keeps taking one option of a
    `choose` whose other option leaves it is not a livelock."""
    assert rm.check(_retry(True), max_depth=100).verdicts["livelock"] == "no-violation-found"
    assert rm.check(_retry(False), max_depth=100).verdicts["livelock"] == "violated"
