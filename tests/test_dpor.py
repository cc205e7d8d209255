"""DPOR is checked against plain enumeration: same verdicts, same final states."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

import rasmodel as rm
from benchmarks.models import independent, indexer, lastzero, lost_update, readers_writer
from benchmarks.traces import count_traces
from tests.programs import Program, build_model, programs

EXAMPLES = int(os.environ.get("RASMODEL_SOUNDNESS_EXAMPLES", "30"))


def _compare(program: Program, **options: object) -> tuple[rm.Result, rm.Result]:
    model = build_model(program)
    common = {"minimize": False, "collect_states": True, "max_depth": 200, **options}
    plain = rm.check(model, reduction="none", **common)
    reduced = rm.check(model, reduction="dpor", **common)
    assert reduced.verdicts == plain.verdicts, str(program)
    assert reduced.final_states == plain.final_states, str(program)
    assert reduced.stats.executions <= plain.stats.executions
    return plain, reduced


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programs(max_procs=3, max_ops=3, max_total=7))
def test_dpor_agrees_with_plain_enumeration_on_random_programs(program: Program) -> None:
    _compare(program)


@settings(
    max_examples=max(10, EXAMPLES // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programs(max_procs=3, max_ops=3, max_total=7))
def test_bounded_dpor_agrees_with_bounded_plain_enumeration(program: Program) -> None:
    model = build_model(program)
    common = {"minimize": False, "max_depth": 200, "preemption_bound": 1}
    plain = rm.check(model, reduction="none", **common)
    reduced = rm.check(model, reduction="dpor", **common)
    # A bounded search is never reduced (reduction with a preemption bound missed
    # violations, e.g. the program below), so asking for dpor changes nothing.
    assert _violated(reduced) == _violated(plain), str(program)
    assert reduced.verdicts == plain.verdicts
    assert reduced.reduction == "none"


def test_preemption_bound_keeps_violations_the_bounded_reduction_missed() -> None:
    program = Program(
        nvars=1,
        procs=((("wait", "x", 0), ("incr", "x")), (("read", "x"), ("copy", "x"))),
        invariant=("x", 1),
        final=("x", 0),
    )
    model = build_model(program)
    plain = rm.check(model, reduction="none", minimize=False, preemption_bound=1)
    bounded = rm.check(model, minimize=False, preemption_bound=1)
    assert _violated(bounded) == _violated(plain) == {"bounded", "final_value"}


def _violated(result: rm.Result) -> set[str]:
    return {name for name, verdict in result.verdicts.items() if verdict == "violated"}


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("RASMODEL_SOUNDNESS_LONG", "2000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programs(max_procs=4, max_ops=4, max_total=10))
def test_dpor_soundness_long(program: Program) -> None:
    _compare(program)


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


def test_cross_check_passes_on_a_tracked_model_and_fails_on_untracked_state(
    check_source, model_file
) -> None:
    from rasmodel.checker import cross_check
    from rasmodel.errors import RasmodelError

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


def test_a_guard_blocked_since_an_earlier_time_still_races_with_that_times_writes() -> None:
    """Found by the random-program test: p1 waits for x == 0 from time 0 while p0
    increments x at time 0; time then advances (p2's timeout) with p1 still blocked.
    The order where p1 passes its guard first must be explored too."""
    program = Program(
        nvars=1,
        procs=((("incr", "x"),), (("wait", "x", 0),), (("timeout", 1),)),
        invariant=("x", 1),
        final=("x", 1),
    )
    plain, reduced = _compare(program)
    assert reduced.verdicts["deadlock"] == plain.verdicts["deadlock"] == "violated"
    assert len(plain.final_states or ()) == 2
