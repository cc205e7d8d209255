"""Sequence counts and seqlocks, and CPU stalls: each shows its guarantee, and its
misuse is found, on a small model."""

from __future__ import annotations

from typing import Any

import pytest

import rasmodel as rm
from rasmodel.errors import ModelError
from rasmodel.kernel import NMI, STALL, Kernel, SeqCount, SeqLock, Task
from rasmodel.report.text import counterexample_lines


def _reader_writer(*, retry: bool) -> rm.Model:
    """A task on cpu0 writes a pair under a seqlock, field by field; a task on cpu1
    reads it and keeps what it read (retrying when the count moved, if `retry`)."""
    model = rm.Model(f"seqlock-retry-{retry}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        lock = SeqLock(k, "pair")
        a, b = env.var("a", 0), env.var("b", 0)
        seen = env.var("seen", None)

        def writer(task: Task):
            yield from lock.write_seqlock()
            a.value = 1
            yield k.step("a written")
            b.value = 1
            lock.write_sequnlock()
            yield k.step("unlocked")

        def reader(task: Task):
            while True:
                start = yield from lock.read_seqbegin()
                first = a.value
                yield k.step("a read")
                pair = (first, b.value)
                if not (retry and lock.read_seqretry(start)):
                    break
                yield k.step("retry")
            seen.value = pair

        k.task("W", writer, cpu=0)
        k.task("R", reader, cpu=1)
        return seen

    @model.final
    def not_torn(seen, params):
        return seen.value[0] == seen.value[1] or f"read the torn pair {seen.value}"

    return model


def test_a_reader_that_retries_never_keeps_a_torn_pair() -> None:
    result = rm.check(_reader_writer(retry=True))
    assert result.exhaustive and result.verdicts["not_torn"] == "holds"


def test_a_reader_that_ignores_the_count_keeps_a_torn_pair() -> None:
    result = rm.check(_reader_writer(retry=False))
    assert result.verdicts["not_torn"] == "violated"


def _nmi_reads_what_its_task_writes() -> rm.Model:
    model = rm.Model("seqcount-nmi-reader")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        count = SeqCount(k, "stats")

        def writer(task: Task):
            yield k.step("syscall")
            count.write_seqcount_begin()
            yield k.step("writing")
            count.write_seqcount_end()

        def nmi(context):
            yield from count.read_seqcount_begin()
            yield k.step("nmi read")

        k.task("W", writer)
        k.interrupt("nmi", nmi, kind=NMI)

    return model


def test_an_nmi_reading_the_count_its_own_cpu_is_writing_spins_forever() -> None:
    result = rm.check(_nmi_reads_what_its_task_writes())
    assert result.verdicts["deadlock"] == "violated"
    trace = result["deadlock"].counterexample.execution.trace
    stuck = [e for e in trace if e.kind == "self_deadlock"]
    assert stuck and stuck[0].data["lock"] == "stats"


def _unserialised_writers() -> rm.Model:
    model = rm.Model("seqcount-two-writers")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        count = SeqCount(k, "stats")

        def writer(task: Task):
            count.write_seqcount_begin()
            yield k.step("writing")
            count.write_seqcount_end()

        k.task("W0", writer, cpu=0)
        k.task("W1", writer, cpu=1)

    model.check(rm.never("seqcount_concurrent_write"), name="writers_serialised")
    return model


def test_two_writers_without_a_lock_are_reported() -> None:
    result = rm.check(_unserialised_writers())
    assert result.verdicts["writers_serialised"] == "violated"


def test_ending_a_write_section_never_begun_is_a_model_error() -> None:
    model = rm.Model("seqcount-misuse")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        count = SeqCount(k, "stats")

        def writer(task: Task):
            yield k.step("syscall")
            count.write_seqcount_end()

        k.task("W", writer)

    expected = r"write_seqcount_end\(stats\).*opened no write section"
    with pytest.raises(ModelError, match=expected) as err:
        rm.check(model)
    assert "test_kernel_seqlock.py" in str(err.value)


def _stall_model() -> rm.Model:
    """Task A on cpu0; an NMI may arrive on cpu0; cpu0 may stall once."""
    model = rm.Model("cpu-stall")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        nmi_in_stall = env.var("nmi_in_stall", False)

        def body(task: Task):
            yield k.step("user")
            yield k.step("more")

        def nmi(context):
            if any(kind == STALL for _, kind in context.cpu.stack.value):
                nmi_in_stall.value = True
            yield k.step("nmi")

        k.task("A", body)
        k.interrupt("nmi", nmi, kind=NMI)
        k.cpu_stall(0, reason="SDEI")
        return nmi_in_stall

    @model.final
    def nothing_arrives_on_a_stalled_cpu(nmi_in_stall, params):
        return not nmi_in_stall.value

    model.check(rm.never("cpu_stall"), name="never_stalls")
    return model


def test_a_stall_shows_in_the_counterexample_and_masks_even_nmis() -> None:
    result = rm.check(_stall_model())
    assert result.exhaustive
    assert result.verdicts["nothing_arrives_on_a_stalled_cpu"] == "holds"
    assert result.verdicts["never_stalls"] == "violated"
    trace: list[Any] = result["never_stalls"].counterexample.execution.trace
    stall = next(e for e in trace if e.kind == "cpu_stall")
    assert stall.data == {"cpu": "cpu0", "reason": "SDEI"}


def test_a_stall_of_a_cpu_that_does_not_exist_is_a_model_error() -> None:
    model = rm.Model("bad-stall")

    @model.build
    def build(env: rm.Env):
        Kernel(env, cpus=1, preemptions=0, migrations=0).cpu_stall(3)

    with pytest.raises(ModelError, match=r"cpu_stall\(cpu=3\): there is no cpu3"):
        rm.check(model)


def test_a_reader_task_waiting_for_a_preempted_writer_is_no_self_deadlock() -> None:
    """The writer is a task the reader's CPU preempted: it can run again, so this is
    no self-deadlock (that the reader may then spin out the CPU is why the kernel wants
    seqcount writers non-preemptible); the same process reading in an exception it
    took while writing never gets its write finished."""

    def model_of(nested: bool) -> rm.Model:
        model = rm.Model(f"seq-nested-{nested}")

        @model.build
        def build(env: rm.Env):
            k = Kernel(env, cpus=1, preemptions=1, migrations=0)
            count = SeqCount(k, "stats")

            def read():
                yield from count.read_seqcount_begin()
                yield k.step("read")

            def writer(task: Task):
                count.write_seqcount_begin()
                yield k.step("writing")
                if nested:
                    yield from k.nested(NMI, read)
                count.write_seqcount_end()

            def reader(task: Task):
                yield from read()

            k.task("W", writer)
            if not nested:
                k.task("R", reader)

        model.check(rm.never("self_deadlock"), name="no_self_deadlock")
        return model

    preempted = rm.check(model_of(nested=False))
    assert preempted.exhaustive and preempted.verdicts["no_self_deadlock"] == "holds"
    nested = rm.check(model_of(nested=True))
    assert nested.verdicts["no_self_deadlock"] == "violated"


def test_a_counterexample_that_needs_a_cpu_stalled_says_so() -> None:
    """A reads x once B has taken all its steps on cpu1, although A was ready on cpu0
    before B began: on hardware, cpu0 stalled for B's steps."""
    model = rm.Model("needs-a-stall")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        x = env.var("x", 0)
        first = env.var("first", None)
        seen = env.var("seen", 0)

        def a(task: Task):
            first.value = first.value or "A"
            yield k.step("ready")
            seen.value = x.value

        def b(task: Task):
            first.value = first.value or "B"
            for _ in range(7):
                x.value += 1
                yield k.step("work")

        k.task("A", a, cpu=0)
        k.task("B", b, cpu=1)
        return first, seen

    @model.final
    def a_sees_b_unfinished(system, params):
        first, seen = system
        return not (first.value == "A" and seen.value == 7)

    cex = rm.check(model)["a_sees_b_unfinished"].counterexample
    assert cex is not None
    notes = [n for n in cex.execution.notes if n.startswith("cpu0 made no progress for ")]
    assert notes and "while A was ready there" in notes[0]
    assert "note: cpu0 made no progress" in "\n".join(counterexample_lines(cex))


def test_no_stall_is_claimed_for_steps_the_waiting_task_commutes_with() -> None:
    """A and B touch different state: the counterexample may run B first, but A
    could as well have run meanwhile, so no stall is needed (or claimed)."""
    model = rm.Model("independent-cpus")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=0, migrations=0)
        x, y = env.var("x", 0), env.var("y", 0)

        def a(task: Task):
            for _ in range(3):
                y.value += 1
                yield k.step("a")

        def b(task: Task):
            for _ in range(7):
                x.value += 1
                yield k.step("work")

        k.task("A", a, cpu=0)
        k.task("B", b, cpu=1)
        return x, k.tasks["A"]

    @model.invariant
    def x_below_7(system, params):
        return not (system[0].value >= 7 and system[1].ran.value)

    cex = rm.check(model)["x_below_7"].counterexample
    assert cex is not None and not cex.execution.notes
