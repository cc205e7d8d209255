"""The runs behind reports/upstream.md: `python reports/upstream.py` re-runs every
command and writes reports/upstream.json (the questions, each run's command and the
verdicts it found). tests/test_upstream_report.py runs them again and compares, so
the report cannot drift from the code.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JSON = ROOT / "reports" / "upstream.json"
MODEL = "models/ghes_upstream.py"


KICK = "models/ghes_kick_2020.py"
TIF = "models/sea_tif_flag.py"
TIF_2017 = "models/sea_tif_2017.py"


def _runs(*variants: str, model: str = MODEL) -> list[str]:
    return [f"rasmodel check {model}" + (f" {v}" if v else "") for v in variants]


QUESTIONS: list[tuple[str, list[str]]] = [
    (
        "Two near-simultaneous SEAs on two CPUs, one SEA error source, one global "
        "estatus list and ghes_proc_irq_work: separate processes vs threads of one process",
        _runs(
            "-D simultaneous=1",
            "-D simultaneous=1 -D same_process=1",
            "-D simultaneous=1 -D fix=per_cpu",
            "-D simultaneous=1 -D same_process=1 -D fix=per_cpu",
        ),
    ),
    (
        "The same with two SEA error sources",
        _runs(
            "-D simultaneous=1 -D sources=2",
            "-D simultaneous=1 -D sources=2 -D same_process=1",
            "-D simultaneous=1 -D sources=2 -D same_process=1 -D fix=per_cpu",
        ),
    ),
    (
        "PREEMPT_RT: is the error handled before the task returns to user space, "
        "and is the task signalled BUS_MCEERR_AR?",
        _runs(
            "-D preemptions=1 -D retries=3",
            "-D preempt_rt=1 -D preemptions=1 -D retries=3",
            "-D preempt_rt=1 -D preemptions=1 -D retries=3 -D fix=per_cpu",
            "-D preempt_rt=1 -D preemptions=1 -D retries=3 -D fix=hard_irq_work",
        ),
    ),
    (
        "ghes_estatus_pool exhaustion: the record, the firmware block and the next SEA",
        _runs(
            "-D pool=1",
            "-D simultaneous=1 -D pool=2",
            "-D simultaneous=1 -D pool=2 -D fix=per_cpu",
            "-D pool=1 -D fix=free_node_first",
            "-D simultaneous=1 -D pool=2 -D fix=free_node_first",
        ),
    ),
    (
        "Can one task's re-taken SEAs, waiting for another CPU's irq_work, use up the "
        "pool another task's error needs?",
        _runs(
            "-D simultaneous=1 -D retries=2",
            "-D simultaneous=1 -D retries=2 -D fix=per_cpu",
        ),
    ),
    (
        "The design upstream replaced in v6.17 (memory_failure_queue() and "
        "ghes_kick_task_work(), v5.8 to v6.16): does the kworker race cost the AR?",
        _runs("-D preemptions=1", "-D preemptions=1 -D early_kill=1", model=KICK)
        + _runs("-D preemptions=1 -D early_kill=1"),
    ),
    (
        "The 2017 TIF design as its patches wrote it (a table of 16 entries keyed by "
        "task): does it fix the per-CPU slot, and what does it break?",
        _runs("-D errors=2 -D sdei=0 -D irq_report=0", model=TIF)
        + _runs(
            "-D errors=2 -D sdei=0 -D irq_report=0",
            "",
            "-D errors=2 -D simultaneous=1 -D sdei=0 -D irq_report=0 -D slots=1",
            model=TIF_2017,
        ),
    ),
]


def key(command: str) -> str:
    """How the report's tables name a run: its -D options, after the model file
    when that is not ghes_upstream.py."""
    rest = command.split("rasmodel check ", 1)[1]
    return rest[len(MODEL) :].strip() if rest.startswith(MODEL + " ") else rest


def parse(command: str) -> tuple[str, dict[str, str]]:
    """The model file and the -D parameters of a `rasmodel check` command."""
    words = shlex.split(command)
    if words[:2] != ["rasmodel", "check"]:
        raise ValueError(f"not a rasmodel check command: {command}")
    params: dict[str, str] = {}
    rest = words[3:]
    for flag, value in zip(rest[::2], rest[1::2], strict=True):
        if flag != "-D":
            raise ValueError(f"only -D options are expected: {command}")
        name, _, raw = value.partition("=")
        params[name] = raw
    return words[2], params


def verdicts(command: str) -> tuple[dict[str, str], bool]:
    """The verdicts `command` reaches (run without minimisation) and whether the
    search was exhaustive."""
    sys.path.insert(0, str(ROOT))
    import rasmodel as rm

    path, params = parse(command)
    result = rm.check(str(ROOT / path), params=params, minimize=False)
    return dict(result.verdicts), result.exhaustive


def build() -> dict[str, Any]:
    questions = []
    for title, commands in QUESTIONS:
        runs = []
        for command in commands:
            found, exhaustive = verdicts(command)
            runs.append({"command": command, "exhaustive": exhaustive, "verdicts": found})
        questions.append({"title": title, "runs": runs})
    return {"model": MODEL, "questions": questions}


if __name__ == "__main__":
    JSON.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {JSON.relative_to(ROOT)}")
