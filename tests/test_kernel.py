"""Each kernel primitive shows its hazard and its guarantee on a small model."""

from __future__ import annotations

from pathlib import Path

import pytest

import rasmodel as rm
from rasmodel.errors import ModelError
from rasmodel.kernel import NMI, Kernel, KFifo, LList, Memory, SpinLock, exit_to_user
from tests.conftest import run_cli


def _nmi_over_task(queue_kind: str) -> rm.Model:
    """A task puts one entry on cpu0 while an NMI-like handler on cpu0 may put another;
    the task then takes what is there. Every entry must be taken or still queued, once."""
    model = rm.Model(f"nmi-{queue_kind}")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        if queue_kind == "kfifo":
            fifo = KFifo(k, "fifo", 4)

            def put(item):
                yield from fifo.kfifo_put(item)

            def take_all():
                return [x for x in iter(fifo.kfifo_get, None)]
        else:
            llist = LList(k, "llist")

            def put(item):
                yield from llist.llist_add(item)

            def take_all():
                return list(llist.llist_del_all())

        got = env.var("got", ())

        def producer(task):
            yield k.step("produce")
            yield from put("task")
            yield k.step("consume")
            got.value = tuple(take_all())

        def handler(context):
            yield from put("nmi")

        k.task("A", producer)
        k.interrupt("nmi", handler, kind=NMI)
        return got, take_all

    @model.final
    def each_once(system, params):
        got, take_all = system
        seen = sorted((*got.value, *take_all()))
        return seen == ["nmi", "task"] or f"taken or queued: {seen}"

    model.check(rm.never("corrupted"), name="not_corrupted")
    return model


def test_kfifo_without_its_lock_loses_an_entry_under_an_nmi() -> None:
    result = rm.check(_nmi_over_task("kfifo"))
    assert result.verdicts["not_corrupted"] == "violated"
    assert "unpublished entry overwritten" in result["not_corrupted"].message
    assert "cpu0/task" in result["not_corrupted"].message
    assert result.verdicts["each_once"] == "violated"


def test_llist_keeps_every_entry_under_an_nmi() -> None:
    result = rm.check(_nmi_over_task("llist"))
    assert result.exhaustive
    assert result.verdicts["each_once"] == "holds"
    assert result.verdicts["not_corrupted"] == "holds"


def _lock_in_nmi(irqsave_in_nmi_path: bool) -> rm.Model:
    model = rm.Model("nmi-lock")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)
        lock = SpinLock(k, "lock")

        def task(t):
            yield k.step("work")
            flags = yield from lock.spin_lock_irqsave()
            yield k.step("critical section")
            lock.spin_unlock_irqrestore(flags)

        def handler(context):
            yield from lock.spin_lock()
            lock.spin_unlock()

        k.task("A", task)
        k.interrupt("nmi", handler, kind=NMI if irqsave_in_nmi_path else "hardirq")
        return k

    model.check(rm.never("self_deadlock"), name="no_self_deadlock")
    return model


def test_spinlock_taken_in_nmi_over_its_holder_is_a_self_deadlock_naming_both() -> None:
    result = rm.check(_lock_in_nmi(True))
    assert result.verdicts["no_self_deadlock"] == "violated"
    message = result["no_self_deadlock"].message
    assert "holder='cpu0/task'" in message and "taker='cpu0/nmi'" in message
    assert result.verdicts["deadlock"] == "violated"


def test_spin_lock_irqsave_keeps_hard_irqs_out_of_the_critical_section() -> None:
    result = rm.check(_lock_in_nmi(False))
    assert result.exhaustive
    assert result.verdicts["no_self_deadlock"] == "holds"
    assert result.verdicts["deadlock"] == "holds"


def test_memory_failure_in_nmi_is_sleep_in_atomic_but_not_in_task_context() -> None:
    def model_for(in_nmi: bool) -> rm.Model:
        model = rm.Model("mf")

        @model.build
        def build(env: rm.Env):
            k = Kernel(env, cpus=1, preemptions=0, migrations=0)
            memory = Memory(k, lambda task, page: iter(()))
            memory.page(0x10, poisoned=True)

            def task(t):
                yield k.step("work")
                if in_nmi:
                    yield from k.nested(NMI, lambda: memory.memory_failure(0x10, 0))
                else:
                    yield from memory.memory_failure(0x10, 0)
                yield from exit_to_user(k, t)

            k.task("A", task)

        model.check(rm.never("sleep_in_atomic"), name="no_sleep_in_atomic")
        return model

    assert rm.check(model_for(True)).verdicts["no_sleep_in_atomic"] == "violated"
    assert rm.check(model_for(False)).verdicts["no_sleep_in_atomic"] == "holds"


def test_preemption_and_migration_are_explored() -> None:
    model = rm.Model("sched")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=2, preemptions=1, migrations=1)
        where = env.var("where", ())

        def task(t):
            yield k.step("one")
            yield k.step("two")
            where.value = (*where.value, (t.name, t.cpu.value))

        k.task("A", task)
        k.task("B", task)
        return where

    @model.final
    def stays_on_cpu0(where, params):
        return all(cpu == 0 for _, cpu in where.value) or f"ended on {where.value}"

    result = rm.check(model)
    assert result.verdicts["stays_on_cpu0"] == "violated"
    assert result.exhaustive


MISUSE = {
    "unlock_not_held": ("lock.spin_unlock()", "spin_unlock(lock)", "not held"),
    "restore_without_save": ("k.local_irq_restore(0)", "local_irq_restore(0)", "save"),
    "task_work_unknown_callback": (
        "task_work_add(k, t, 'no_such_callback', 1, 0)",
        "no callback named 'no_such_callback'",
        "kernel.callbacks[name]",
    ),
    "return_with_preemption_off": (
        "k.preempt_disable()\n    yield from exit_to_user(k, t)",
        "returns to user space with preemption disabled",
        "preempt_disable",
    ),
}


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_kernel_misuse_is_a_model_error_naming_the_model_line(tmp_path: Path, case: str) -> None:
    statement, needle, hint = MISUSE[case]
    source = (
        "import rasmodel as rm\n"
        "from rasmodel.kernel import Kernel, Memory, SpinLock, exit_to_user, task_work_add\n"
        "model = rm.Model('misuse')\n\n"
        "@model.build\n"
        "def build(env):\n"
        "  k = Kernel(env, cpus=1, preemptions=0, migrations=0)\n"
        "  Memory(k, lambda t, p: iter(()))\n"
        "  lock = SpinLock(k, 'lock')\n"
        "  def body(t):\n"
        "    yield k.step('work')\n"
        f"    {statement}\n"
        "  k.task('A', body)\n"
        "  k.task('kt', body, kthread=True)\n"
    )
    path = tmp_path / f"{case}.py"
    path.write_text(source)
    proc = run_cli("check", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert needle in proc.stderr
    assert hint in proc.stderr
    line = 13 if "\n" in statement else 12  # the statement's (last) line
    assert f"{case}.py:{line}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_kernel_code_outside_a_kernel_context_is_a_model_error() -> None:
    model = rm.Model("outside")

    @model.build
    def build(env: rm.Env):
        k = Kernel(env, cpus=1, preemptions=0, migrations=0)

        def plain():
            k.preempt_disable()
            yield env.pause()

        env.process(plain(), name="plain")

    with pytest.raises(ModelError, match="outside a kernel context"):
        rm.check(model)
