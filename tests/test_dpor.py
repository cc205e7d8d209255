"""DPOR is checked against plain enumeration: same verdicts, same final states."""

from __future__ import annotations

import pytest

import rasmodel as rm
from benchmarks import naive
from benchmarks.models import independent, indexer, lastzero, lost_update, readers_writer
from benchmarks.traces import count_traces
from rasmodel.execution import Execution, Run, Selection, execute
from rasmodel.search import Options, make_strategy


@pytest.mark.parametrize(("n", "k"), [(2, 3), (3, 3), (5, 4)])
def test_dpor_explores_one_execution_for_independent_processes(n: int, k: int) -> None:
    result = rm.check(independent(n, k), minimize=False)
    assert result.stats.executions == 1
    assert result.exhaustive


@pytest.mark.parametrize("readers", [1, 2, 3, 4, 5])
def test_dpor_explores_2_to_the_n_executions_for_one_writer_and_n_readers(readers: int) -> None:
    result = rm.check(readers_writer(readers), minimize=False)
    assert result.stats.executions == 2**readers
    assert result.stats.pruned == 0


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_dpor_explores_one_execution_per_mazurkiewicz_trace_of_the_lost_update(
    workers: int,
) -> None:
    from math import factorial

    result = rm.check(lost_update(workers), minimize=False, collect_states=True)
    assert result.stats.executions == factorial(workers) ** 2
    plain = rm.check(lost_update(workers), minimize=False, reduction="none", collect_states=True)
    assert result.final_states == plain.final_states


def test_invariants_see_every_order_of_the_writes_they_read(check_source) -> None:
    source = """
        import rasmodel as rm
        model = rm.Model("visible")

        @model.build
        def build(env):
            x = env.var("x", 0)
            y = env.var("y", 0)

            def p():
                x.value = 1
                yield env.pause()

            def q():
                y.value = 1
                yield env.pause()

            env.process(p(), name="p")
            env.process(q(), name="q")
            return x, y

        @model.invariant
        def not_x_alone(system, params):
            x, y = system
            return not (x.value == 1 and y.value == 0)
        """
    for reduction in ("dpor", "none"):
        result = check_source(source, reduction=reduction)
        assert result.verdicts["not_x_alone"] == "violated"


_EMITS = """
    import rasmodel as rm
    model = rm.Model("emits")

    @model.build
    def build(env):
        def p():
            env.emit("a")
            yield env.pause()

        def q():
            env.emit("b")
            yield env.pause()

        env.process(p(), name="p")
        env.process(q(), name="q")
        env.process(q(), name="r")

    PROPERTY
    """


@pytest.mark.parametrize(
    ("prop", "executions", "verdict"),
    [
        ('model.check(rm.never("b"), name="prop")', 1, "violated"),
        ('model.check(rm.eventually("b"), name="prop")', 1, "holds"),
        ('model.check(rm.at_most_once("b"), name="prop")', 1, "violated"),
        ('model.check(rm.before("a", "b"), name="prop")', 6, "violated"),
        ('model.check(rm.after("b", "a"), name="prop")', 4, "violated"),
        (
            "@model.trace(reads=('a', 'b'))\n"
            "def prop(system, params, trace):\n"
            "    assert [e['kind'] for e in trace] == ['a', 'b', 'b']",
            6,
            "violated",
        ),
    ],
)
def test_emits_are_ordered_only_where_a_trace_property_reads_their_order(
    check_source, prop: str, executions: int, verdict: str
) -> None:
    """p emits a, q and r emit b. `never`, `eventually` and `at_most_once` depend on
    which events happen, so steps that only emit commute; `before` keeps a and b in
    order (and b with b), `after("b", "a")` a with b but not two triggers, a trace
    function every order of what it reads; each finds the order that breaks it."""
    source = _EMITS.replace("PROPERTY", prop.replace("\n", "\n    "))
    reduced = check_source(source, minimize=False)
    plain = check_source(source, minimize=False, reduction="none")
    assert reduced.stats.executions == executions
    assert reduced.verdicts["prop"] == plain.verdicts["prop"] == verdict


def test_cross_check_passes_on_a_tracked_model_and_fails_on_untracked_state(
    check_source, model_file
) -> None:
    from rasmodel.errors import RasmodelError
    from rasmodel.search import cross_check

    tracked = cross_check(
        str(__import__("pathlib").Path(__file__).parent.parent / "models/examples/lost_update.py")
    )
    assert tracked.verdicts["all_counted"] == "violated"
    path = model_file(
        """
        import rasmodel as rm
        model = rm.Model("untracked")
        shared = []

        @model.build
        def build(env):
            shared.clear()
            log = env.var("log", ())

            def p(name):
                shared.append(name)
                yield env.pause()
                log.value = tuple(shared)

            env.process(p("a"), name="a")
            env.process(p("b"), name="b")
        """
    )
    with pytest.raises(RasmodelError, match="untracked|not tracked"):
        cross_check(path)


@pytest.mark.parametrize(
    ("make", "traces"),
    [
        (lambda: lost_update(3), 36),
        (lambda: readers_writer(3), 8),
        (lambda: lastzero(3), 12),
        (lambda: indexer(2), 1),
    ],
)
def test_dpor_explores_exactly_the_mazurkiewicz_traces_plain_enumeration_counts(
    make, traces: int
) -> None:
    counted, plain = count_traces(make())
    assert counted == traces
    reduced = rm.check(make(), minimize=False, collect_states=True)
    assert reduced.stats.executions == traces
    assert reduced.final_states == plain.final_states


def test_a_guard_blocked_since_an_earlier_time_still_races_with_that_times_writes(
    check_source,
) -> None:
    """Found by the random-program test: p1 waits for x == 0 from time 0 while p0
    increments x at time 0; time then advances (p2's timeout) with p1 still blocked.
    The order where p1 passes its guard first must be explored too."""
    source = """
        import rasmodel as rm
        model = rm.Model("guard-across-time")

        @model.build
        def build(env):
            x = env.var("x", 0)

            def p0():
                x.value = x.value + 1
                yield env.pause()

            def p1():
                yield env.wait_until(lambda: x.value == 0, "x is 0")

            def p2():
                yield env.timeout(1)

            env.process(p0(), name="p0")
            env.process(p1(), name="p1")
            env.process(p2(), name="p2")
        """
    reduced = check_source(source, minimize=False, collect_states=True)
    plain = check_source(source, reduction="none", minimize=False, collect_states=True)
    assert reduced.verdicts["deadlock"] == plain.verdicts["deadlock"] == "violated"
    assert reduced.final_states == plain.final_states
    assert len(plain.final_states or ()) == 2


LOCK_THEN_COPY = """
    import rasmodel as rm
    model = rm.Model("bounded")

    @model.build
    def build(env):
        x = env.var("x", 0)

        def p0():
            yield env.wait_until(lambda: x.value == 0, "x is 0")
            x.value = x.value + 1
            yield env.pause()

        def p1():
            t = x.value
            yield env.pause()
            x.value = t
            yield env.pause()

        env.process(p0(), name="p0")
        env.process(p1(), name="p1")
        return x

    @model.invariant
    def bounded(x, params):
        return x.value != 1

    @model.final
    def final_value(x, params):
        return x.value != 0
    """


@pytest.mark.parametrize("bound", [0, 1, 2])
@pytest.mark.parametrize("program", ["lock then copy", "lost update"])
def test_a_bounded_search_is_reduced_and_finds_what_bounded_enumeration_finds(
    model_file, program: str, bound: int
) -> None:
    """The program the old bounded DPOR got wrong (p0 waits for x == 0 then
    increments; p1 copies x), and the lost update: the same verdicts and final
    states as plain iterative context bounding, in no more executions."""
    model = model_file(LOCK_THEN_COPY) if program == "lock then copy" else lost_update(3)
    options = {"minimize": False, "collect_states": True, "preemption_bound": bound}
    plain = rm.check(model, reduction="none", **options)
    reduced = rm.check(model, **options)
    assert reduced.reduction == "dpor"
    assert reduced.verdicts == plain.verdicts
    assert reduced.final_states == plain.final_states
    assert reduced.stats.executions <= plain.stats.executions


def test_bounded_dpor_finds_the_one_preemption_bug_and_skips_independent_orders() -> None:
    none0 = rm.check(lost_update(4), preemption_bound=0, minimize=False)
    assert none0.verdicts["all_counted"] == "no-violation-found"
    one = rm.check(lost_update(4), preemption_bound=1, minimize=False)
    plain = rm.check(lost_update(4), preemption_bound=1, reduction="none", minimize=False)
    assert one.verdicts["all_counted"] == plain.verdicts["all_counted"] == "violated"
    assert one["all_counted"].counterexample is not None
    assert one["all_counted"].counterexample.preemptions == 1

    for model in (independent(3, 3), readers_writer(3)):
        reduced = rm.check(model, preemption_bound=1, minimize=False, properties=["deadlock"])
        plain = rm.check(
            model, preemption_bound=1, reduction="none", minimize=False, properties=["deadlock"]
        )
        assert reduced.stats.executions * 3 < plain.stats.executions, model.name


@pytest.mark.parametrize("reduction", ["dpor", "none"])
def test_a_bounded_search_keeps_only_its_current_path(reduction: str) -> None:
    """Memory grows with the depth of the search, not with the executions explored:
    the path never holds more branch points than the longest execution made choices."""
    model = lost_update(4)
    opts = Options(preemption_bound=2, reduction=reduction, properties=["deadlock"])
    selection = Selection.of(model, ["deadlock"])
    strategy = make_strategy(opts, selection)
    params = model.resolve_params({})
    seen = {"executions": 0, "deepest": 0, "largest": 0}

    def run(path: Run) -> Execution:
        execution = execute(model, params, selection, path)
        seen["executions"] += 1
        seen["deepest"] = max(seen["deepest"], len(execution.choices))
        seen["largest"] = max(seen["largest"], len(strategy.path.branches))
        return execution

    strategy.explore(run, lambda: False)
    assert seen["executions"] > 50
    assert seen["largest"] <= seen["deepest"]
    assert strategy.exhaustive is False  # the bound kept orders out


TIMER_CALLBACKS = """
    import rasmodel as rm
    model = rm.Model("timer-callbacks")

    @model.build
    def build(env):
        log = env.var("log", ())

        def p(name):
            timer = env.timeout(1)
            timer.callbacks.append(lambda ev: setattr(log, "value", log.value + (name,)))
            yield env.timeout(2)

        env.process(p("a"), name="a")
        env.process(p("b"), name="b")
        return log

    @model.final
    def a_first(log, params):
        return log.value != ("b", "a")
    """


def test_callbacks_on_timers_run_in_the_order_of_the_steps_that_made_the_timers(
    model_file,
) -> None:
    """SimPy runs them in insertion order when time advances: the steps that made
    the timers, independent otherwise, must be explored in both orders."""
    path = model_file(TIMER_CALLBACKS)
    reduced = rm.check(path, minimize=False, collect_states=True)
    plain = rm.check(path, reduction="none", minimize=False, collect_states=True)
    assert reduced.verdicts["a_first"] == plain.verdicts["a_first"] == "violated"
    assert reduced.final_states == plain.final_states
    assert len(plain.final_states or ()) == 2


def test_peek_orders_the_steps_that_schedule_timers(check_source) -> None:
    source = """
        import rasmodel as rm
        model = rm.Model("peek")

        @model.build
        def build(env):
            seen = env.var("seen", None)

            def sleeper():
                yield env.timeout(3)

            def peeker():
                seen.value = env.peek()
                yield env.pause()

            env.process(sleeper(), name="sleeper")
            env.process(peeker(), name="peeker")
            return seen

        @model.final
        def saw_the_timer(seen, params):
            assert seen.value == 3, f"peek saw {seen.value}"
        """
    reduced = check_source(source, minimize=False, collect_states=True)
    plain = check_source(source, reduction="none", minimize=False, collect_states=True)
    assert reduced.verdicts == plain.verdicts
    assert reduced.verdicts["saw_the_timer"] == "violated"
    assert reduced.final_states == plain.final_states


def test_an_interrupt_that_ends_a_wait_until_races_with_the_guard_passing(check_source) -> None:
    """Found by the generator: p0 waits for y == 2 while a child and p2 each increment
    y, and p2 then interrupts p0 if it is alive. When both increments land before the
    interrupt, p0 can pass its guard and finish first: the interrupted step was not
    made possible only by the interrupt, so DPOR must also run p0 before it."""
    source = """
        import rasmodel as rm
        model = rm.Model("interrupt-a-wait")

        @model.build
        def build(env):
            y = env.var("y", 0)
            procs = {}

            def child():
                y.value = y.value + 1
                yield env.pause()

            def p0():
                env.process(child(), name="child")
                yield env.wait_until(lambda: y.value == 2, "y is 2")

            def p2():
                y.value = y.value + 1
                yield env.pause()
                if procs["p0"].is_alive:
                    procs["p0"].interrupt("stop")

            procs["p0"] = env.process(p0(), name="p0")
            procs["p2"] = env.process(p2(), name="p2")
        """
    reduced = check_source(source, minimize=False, collect_states=True)
    plain = check_source(source, reduction="none", minimize=False, collect_states=True)
    assert reduced.verdicts == plain.verdicts
    assert reduced.verdicts["exception"] == "violated"
    assert reduced.final_states == plain.final_states
    assert plain.final_states


def test_an_interrupt_of_a_wait_until_depends_on_what_the_guard_reads(check_source) -> None:
    """Found by the generator: p1 interrupts p0, which waits for y == 1, while p2
    may set y to 1 first; then p0 passes its guard and p1 finds it finished."""
    source = """
        import rasmodel as rm
        model = rm.Model("interrupt-a-guard")

        @model.build
        def build(env):
            y = env.var("y", 0)
            procs = {}

            def p0():
                yield env.wait_until(lambda: y.value == 1, "y is 1")

            def p1():
                if procs["p0"].is_alive:
                    procs["p0"].interrupt("stop")
                yield env.pause()

            def p2():
                y.value = env.choose([0, 1], "y")
                yield env.pause()

            procs["p0"] = env.process(p0(), name="p0")
            procs["p1"] = env.process(p1(), name="p1")
            procs["p2"] = env.process(p2(), name="p2")
        """
    reduced = check_source(source, minimize=False, collect_states=True)
    plain = check_source(source, reduction="none", minimize=False, collect_states=True)
    assert reduced.verdicts == plain.verdicts
    assert reduced.final_states == plain.final_states and plain.final_states


def test_after_time_moves_on_no_process_is_running(check_source) -> None:
    """Found by the generator: two processes wake at the same time; the one that
    ran last before time moved on was waiting for it, so either may run first with
    no preemption, and a bound of 0 must reach both orders."""
    source = """
        import rasmodel as rm
        model = rm.Model("tie-after-time")

        @model.build
        def build(env):
            x = env.var("x", 0)

            def writer(value):
                yield env.timeout(1)
                x.value = value

            env.process(writer(1), name="a")
            env.process(writer(2), name="b")
        """
    options = {"minimize": False, "collect_states": True, "preemption_bound": 0}
    reduced = check_source(source, **options)
    plain = check_source(source, reduction="none", **options)
    assert reduced.final_states == plain.final_states
    assert len(plain.final_states or ()) == 2


def test_bounded_search_memory_grows_with_depth_not_with_executions() -> None:
    """Issue: memory grew by about 36 KB per execution of a bounded search. The
    path is all it keeps: what is allocated after 150 executions and after 600 is
    about the same."""
    import gc
    import tracemalloc

    count = [0]
    held: dict[int, int] = {}

    def measure(execution: Execution) -> None:
        count[0] += 1
        if count[0] in (150, 600):
            gc.collect()
            held[count[0]] = tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        result = rm.check(
            lost_update(5),
            preemption_bound=2,
            max_executions=750,
            minimize=False,
            observer=measure,
        )
    finally:
        tracemalloc.stop()
    assert result.stats.executions == 750
    assert held[600] - held[150] < 450 * 100, held  # under 100 bytes an execution


@pytest.mark.parametrize(
    ("bare", "model"),
    [
        (lambda: naive.independent(3, 2), lambda: independent(3, 2)),
        (lambda: naive.lost_update(3), lambda: lost_update(3)),
    ],
)
def test_the_naive_explorer_runs_what_plain_enumeration_runs(bare, model) -> None:
    """The floor the benchmarks measure per-step cost against does the same work."""
    executions, _ = naive.explore(*bare())
    result = rm.check(model(), reduction="none", minimize=False)
    assert result.stats.executions == executions
