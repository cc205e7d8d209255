"""Soundness: every strategy, reduction and bound agrees with an oracle that runs every
schedule, on generated models that use the whole API (tests/soundness), and on the
models on which an earlier reduction was wrong (tests/models/soundness).

CI runs a sample; `python -m tests.soundness -n 10000` runs as many as you like
(RASMODEL_SOUNDNESS_PROGRAMS and RASMODEL_SOUNDNESS_SEED change the sample here).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import rasmodel as rm
from rasmodel.search import cross_check
from tests.soundness.compare import check_program
from tests.soundness.gen import generate, render

FIRST = int(os.environ.get("RASMODEL_SOUNDNESS_SEED", "0"))
PROGRAMS = int(os.environ.get("RASMODEL_SOUNDNESS_PROGRAMS", "40"))
FINDINGS = Path(__file__).parent / "models" / "soundness"


SLOW_SEEDS = {3, 14, 24, 28, 35, 39}  # their oracles take 4-15 s: run with -m slow


@pytest.mark.parametrize(
    "seed",
    [
        pytest.param(seed, marks=pytest.mark.slow) if seed in SLOW_SEEDS else seed
        for seed in range(FIRST, FIRST + PROGRAMS)
    ],
)
def test_every_strategy_agrees_with_the_oracle_on_a_generated_model(seed: int) -> None:
    program = generate(seed)
    report = check_program(
        program, samplers=seed % 4 == 0, plain=seed % 8 == 0, split=seed % 4 == 1
    )
    assert not report.problems, "\n".join([*report.problems, render(program)])


def test_the_sample_covers_the_api() -> None:
    """The features the generator draws, so a narrowed generator shows up here."""
    seen: set[str] = set()
    for seed in range(300):
        seen |= generate(seed).features
    expected = {
        "wait_until reading different keys",
        "wait_until on and/or",
        "wait_until on a changing local",
        "value put back",
        "guards",
        "engine",
        "shared vars",
        "kernel",
        "store",
        "store attribute",
        "container",
        "container attribute",
        "resource",
        "resource attribute",
        "interrupt",
        "catch interrupt",
        "condition",
        "condition with timeout",
        "daemon",
        "spawn child",
        "join child",
        "event.fail",
        "failing step",
        "timeout",
        "choose in build",
        "choose in step",
        "invariant",
        "wait_until",
        "kernel NMI",
        "kernel HARDIRQ",
        "kernel 2 cpus",
        "lock",
        "llist_add",
        "kfifo_put",
        "pool",
        "irq_work_queue",
        "irq_work_queue_on",
        "seqlock",
        "cpu_stall",
        "task_work_add",
        "signal",
        "memory_failure upstream",
    } | {f"trace:{k}" for k in ("never", "before", "at_most_once", "eventually", "after", "fn")}
    assert expected <= seen, sorted(expected - seen)


EXPECTED = {
    "tie_interrupt.py": {"never_cut_short": "violated"},
    "preempt_grant.py": {"low_enters_before_preemption": "violated"},
    "preempt_tie.py": {"batch_completes": "violated"},
    "finding_1.py": {"first_wins": "violated"},
    "finding_2.py": {"not_y_alone": "violated"},
    "finding_3.py": {"caught": "holds", "exception": "holds"},
    "finding_4.py": {"peeked_before_put": "violated"},
    "finding_5.py": {"assertion": "violated", "exception": "violated"},
    "finding_6.py": {"deadlock": "holds"},
    "finding_7.py": {"not_after_join": "violated"},
    "finding_8.py": {"deadlock": "violated", "assertion": "violated"},
    "woken_sleeper.py": {"zeroed_only_before_p0": "violated"},
    "short_circuit_guard.py": {"g_waited": "violated"},
    "trace_read_by_process.py": {"reader_saw_the_error": "violated"},
    "step_index_read.py": {"b_never_first": "violated"},
    "trace_step_number.py": {"emitted_first": "violated"},
    "process_target_read.py": {"b_started_first": "violated"},
    "process_target_guard.py": {"deadlock": "holds"},
    "process_target_invariant.py": {"not_one_after_x": "violated"},
    "guard_reads_trace.py": {"deadlock": "holds", "assertion": "violated"},
    "guard_reads_peek.py": {"deadlock": "holds", "assertion": "violated"},
    "filter_reads_other_store.py": {"deadlock": "violated"},
    "invariant_reads_live.py": {"b_outlives_x": "violated"},
    "guard_reads_live.py": {"deadlock": "holds"},
    "nan_value.py": {"deadlock": "holds", "assertion": "holds"},  # no false nondeterminism
    "invariant_reads_peek.py": {"timer_before_x": "violated"},
    "final_reads_steps.py": {"a_was_step_0": "violated"},
    "callback_reads_step_index.py": {"a_triggered_first": "violated"},
    "complex_nan_value.py": {"deadlock": "holds", "assertion": "holds"},
    "process_table_read.py": {"procs": "violated"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_model_the_old_reduction_got_wrong_gets_the_same_verdicts_either_way(name: str) -> None:
    path = str(FINDINGS / name)
    reduced = cross_check(path, minimize=False)  # raises unless both agree, states too
    plain = rm.check(path, reduction="none", minimize=False)
    assert reduced.verdicts == plain.verdicts
    for prop, verdict in EXPECTED[name].items():
        assert reduced.verdicts[prop] == verdict, (name, prop)
    for bound in (0, 1):
        bounded = rm.check(path, preemption_bound=bound, minimize=False)
        unreduced = rm.check(path, preemption_bound=bound, reduction="none", minimize=False)
        assert _violated(bounded) == _violated(unreduced), (name, bound)


def _violated(result: rm.Result) -> set[str]:
    return {name for name, verdict in result.verdicts.items() if verdict == "violated"}


def test_the_trace_check_counts_the_traces_a_search_missed() -> None:
    """DPOR runs one execution per trace of the lost update: without its last one a
    trace is missed; an execution run twice is no problem."""
    from benchmarks.models import lost_update
    from tests.soundness.compare import compare_traces
    from tests.soundness.oracle import enumerate_all

    model = lost_update(2)
    truth = enumerate_all(model)
    explored: list = []
    rm.check(model, minimize=False, observer=explored.append)
    assert compare_traces(model, truth, explored) == []
    assert compare_traces(model, truth, explored[:-1]) == [f"1 of {len(explored)} traces missed"]
    assert compare_traces(model, truth, explored + explored[:1]) == []


def test_the_trace_check_ignores_what_an_invariant_reads_after_it_was_violated() -> None:
    """Seed 910918: the invariant fails in the sixth execution, reads z only when x is
    2, and the search (rightly) stops evaluating it before it gets there; the trace
    check must not ask for the orders of z writes that nothing left observes."""
    report = check_program(generate(910918), samplers=False, split=False)
    assert report.problems == []


@pytest.mark.parametrize(
    "name",
    [
        "condition_count.py",
        "failing_sleeper.py",
        "woken_sleeper.py",
        "blocked_guard_join.py",
        "chosen_cover.py",
        "short_circuit_guard.py",
        "interrupt_cover.py",
        "reversed_step_footprint.py",
        "interrupted_guard_cover.py",
        "racing_step_cover.py",
        "passing_guard_reads.py",
        "guard_reads_time.py",
        "blocked_reversal_chain.py",
        "blocked_reversal_values_seen.py",
        "trace_read_by_process.py",
        "step_index_read.py",
    ],
)
def test_dpor_explores_every_trace_of_a_model_it_once_missed_a_trace_of(name: str) -> None:
    from rasmodel.loader import load_model
    from tests.soundness.compare import compare_traces
    from tests.soundness.oracle import enumerate_all

    model = load_model(str(FINDINGS / name))
    explored: list = []
    rm.check(model, minimize=False, observer=explored.append)
    assert compare_traces(model, enumerate_all(model), explored) == []


def test_bounded_dpor_finds_what_bounded_enumeration_finds_on_a_model_it_once_missed() -> None:
    path = str(FINDINGS / "bounded_missed_exception.py")
    bounded = rm.check(path, preemption_bound=0, minimize=False)
    unreduced = rm.check(path, preemption_bound=0, reduction="none", minimize=False)
    assert _violated(unreduced) == {"exception"}
    assert _violated(bounded) == _violated(unreduced)
