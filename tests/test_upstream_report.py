"""reports/upstream.md and .json say what the checker finds now: every command is
re-run (the long ones under `-m slow`) and the report's tables list exactly the
violated properties of the runs in the JSON."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

import upstream  # noqa: E402

REPORT = json.loads(upstream.JSON.read_text())
RUNS = [run for question in REPORT["questions"] for run in question["runs"]]
SLOW = {  # runs of more than about 2 s on 2 cores, besides the simultaneous ones
    "-D simultaneous=1 -D retries=2",
    "-D simultaneous=1 -D sources=2 -D same_process=1 -D fix=per_cpu",
}


def _marks(run: dict) -> list[pytest.MarkDecorator]:
    quick = "simultaneous=1" not in run["command"] or "fix=per_cpu" in run["command"]
    return [] if quick and upstream.key(run["command"]) not in SLOW else [pytest.mark.slow]


def test_the_json_asks_the_questions_of_reports_upstream_py() -> None:
    assert [q["title"] for q in REPORT["questions"]] == [t for t, _ in upstream.QUESTIONS]
    assert [[r["command"] for r in q["runs"]] for q in REPORT["questions"]] == [
        commands for _, commands in upstream.QUESTIONS
    ]


@pytest.mark.parametrize(
    "run", [pytest.param(run, id=upstream.key(run["command"]), marks=_marks(run)) for run in RUNS]
)
def test_each_command_reaches_the_verdicts_the_report_gives(run: dict) -> None:
    verdicts, exhaustive = upstream.verdicts(run["command"])
    assert exhaustive and run["exhaustive"]
    assert verdicts == run["verdicts"]


def test_the_tables_of_the_report_list_the_violated_properties_of_each_run() -> None:
    text = (ROOT / "reports" / "upstream.md").read_text()
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\| `(models/\S+(?: -D [^`]*)?|-D [^`]*)`[^|]*\| ([^|]*) \|$", line)
        if match:
            named = {n.strip(" *") for n in match.group(2).split(",")} - {"none"}
            rows[match.group(1)] = named
    assert len(rows) == len(RUNS)
    for run in RUNS:
        violated = {name for name, verdict in run["verdicts"].items() if verdict == "violated"}
        assert rows[upstream.key(run["command"])] == violated, run["command"]


def test_a_command_that_is_not_a_check_is_refused() -> None:
    with pytest.raises(ValueError, match="not a rasmodel check"):
        upstream.parse("rasmodel compare models/ghes_upstream.py")
    with pytest.raises(ValueError, match="only -D"):
        upstream.parse("rasmodel check models/ghes_upstream.py -p no_panic")
