"""The verdict table of DOMAIN.md, reproduced by exhaustive checks of the seed models."""

from __future__ import annotations

import pytest

import rasmodel as rm
from rasmodel.loader import load_model
from rasmodel.search import replay
from tests.conftest import ROOT

pytestmark = pytest.mark.xdist_group("seed-models")  # one worker checks them once

MODELS = ROOT / "models"
H, V = "holds", "violated"
PROPS = (
    "no_sleep_in_atomic",
    "reentrancy_safe",
    "no_lost_error",
    "handled_before_user",
    "right_task_signalled",
)
# None: a blank cell of the table (whatever the exploration finds).
TABLE = {
    "sea_direct.py": (V, None, None, None, None),
    "sea_tif_flag.py": (H, H, V, V, V),
    "sea_mf_queue_in_nmi.py": (H, V, None, V, None),
    "sea_estatus_workqueue.py": (H, H, H, V, V),
    "sea_estatus_task_work.py": (H, H, H, H, H),
}
# The three largest designs (about 40 s, 20 s and 12 s at their defaults): the fast
# suite checks the workqueue one without the migration and the preemption, the
# task_work and mf_queue ones without the migration (the same rows, in about 8 s, 3 s
# and 2 s), the slow one at the defaults.
FAST = {
    "sea_estatus_workqueue.py": {"migrations": 0, "preemptions": 0},
    "sea_estatus_task_work.py": {"migrations": 0},
    "sea_mf_queue_in_nmi.py": {"migrations": 0},
}


def _check_row(result: rm.Result, file: str) -> rm.Result:
    assert result.exhaustive, f"{file} did not finish exhaustively"
    for prop, expected in zip(PROPS, TABLE[file], strict=True):
        if expected is not None:
            assert result.verdicts[prop] == expected, (file, prop, result[prop].message)
    return result


@pytest.mark.parametrize("file", sorted(TABLE))
def test_seed_model_reproduces_its_row_of_the_verdict_table(file: str, seed_check) -> None:
    result = _check_row(seed_check(file, **FAST.get(file, {})), file)
    model = load_model(str(MODELS / file))
    for name, cex in result.counterexamples.items():
        again = replay(model, cex.params, name, cex.choices)
        assert name in [v.property for v in again.violations]


@pytest.mark.slow
@pytest.mark.parametrize("file", sorted(FAST))
def test_seed_model_row_at_its_default_parameters(file: str, seed_check) -> None:
    _check_row(seed_check(file), file)


@pytest.mark.slow  # about 11 s
def test_tif_flag_second_error_overwrites_the_slot() -> None:
    """The review-thread story: A faults, is preempted, B faults on cpu0 and the slot
    now holds B's page; A returns to user space with its page still mapped."""
    result = rm.check(
        str(MODELS / "sea_tif_flag.py"),
        params={"errors": 2, "sdei": 0, "irq_report": 0, "migrations": 0},
    )
    assert result.verdicts["right_task_signalled"] == "violated"
    cex = result.counterexamples["right_task_signalled"]
    kinds = [e.kind for e in cex.execution.trace]
    assert kinds.count("sea") == 2
    assert any(e.kind == "sched_switch" and e.data["preempt"] for e in cex.execution.trace)
    assert "consumed the error in page" in cex.message
    assert result.verdicts["no_lost_error"] == "violated"


def test_mf_queue_deadlock_names_the_interrupted_lock_holder() -> None:
    result = rm.check(str(MODELS / "sea_mf_queue_in_nmi.py"), properties=["reentrancy_safe"])
    message = result["reentrancy_safe"].message
    assert "self_deadlock" in message and "mf_fifo_lock/0" in message
    assert "holder='cpu0/hardirq'" in message and "taker='cpu0/nmi'" in message


@pytest.mark.parametrize(("second", "panics"), [(0, H), (1, H), (2, V)])
def test_x86_mce_merges_the_same_page_and_panics_on_another(second: int, panics: str) -> None:
    result = rm.check(str(MODELS / "mce_task_work.py"), params={"second": second})
    assert result.exhaustive
    assert result.verdicts["no_panic"] == panics
    if second < 2:
        assert result.verdicts["handled_before_user"] == H
        assert result.verdicts["right_task_signalled"] == H


@pytest.mark.slow  # about 10 s
def test_task_work_with_simultaneous_seas_on_two_cpus_races_on_the_global_irq_work() -> None:
    """DOMAIN.md's faithful-model note: ghes_proc_irq_work is global, so B's SEA on cpu1
    while A's work is pending on cpu0 queues nothing; A's irq_work_run() then drains
    B's record too and adds its task_work to A."""
    result = rm.check(
        str(MODELS / "sea_estatus_task_work.py"),
        params={"errors": 2, "simultaneous": 1, "sdei": 0, "irq_report": 0, "migrations": 0},
    )
    assert result.exhaustive
    assert result.verdicts["right_task_signalled"] == V
    assert result.verdicts["handled_before_user"] == V
    assert result.verdicts["no_lost_error"] == H
    assert "for page 0xb0" in result["right_task_signalled"].message


def test_an_exhausted_estatus_pool_loses_the_record() -> None:
    small = {"sdei": 0, "irq_report": 0, "preemptions": 0, "migrations": 0}
    full = rm.check(
        str(MODELS / "sea_estatus_workqueue.py"), params={**small, "pool": 0}, properties=[]
    )
    assert full.verdicts["no_lost_error"] == V
    kinds = [e.kind for e in full.counterexamples["no_lost_error"].execution.trace]
    assert "gen_pool_exhausted" in kinds
    room = rm.check(str(MODELS / "sea_estatus_workqueue.py"), params={**small, "pool": 1})
    assert room.verdicts["no_lost_error"] == H


def test_tif_2017_table_handles_the_sdei_entry_in_place_of_the_tasks_own() -> None:
    """The 2017 patch's table (sea_tif_2017.py): the SDEI handler saves an entry for
    the task it interrupted; that task's one `sea_notify_process()` handles the first
    entry it finds, so it is signalled for the SDEI page and its own stays queued."""
    result = rm.check(str(MODELS / "sea_tif_2017.py"), properties=["right_task_signalled"])
    assert result.verdicts["right_task_signalled"] == "violated"
    trace = result["right_task_signalled"].counterexample.execution.trace
    saved = [e.data["pfn"] for e in trace if e.kind == "sea_save_info" and e.data["task"] == "A"]
    handled = [e.data["pfn"] for e in trace if e.kind == "sea_find_info"]
    assert saved == [0xC0, 0xA0] and handled == [0xC0]


def test_tif_2017_table_survives_two_simultaneous_seas_and_panics_when_full() -> None:
    params = {"errors": 2, "simultaneous": 1, "sdei": 0, "irq_report": 0}
    roomy = rm.check(str(MODELS / "sea_tif_2017.py"), params=params)
    assert roomy.exhaustive and not {v for v, r in roomy.verdicts.items() if r == "violated"}
    full = rm.check(str(MODELS / "sea_tif_2017.py"), params={**params, "slots": 1})
    assert full.verdicts["no_panic"] == "violated"
    assert "Too many concurrent recoverable errors" in full["no_panic"].message
