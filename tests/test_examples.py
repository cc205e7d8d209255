"""Every example model gives the verdicts its docstring promises, and each
counterexample replays to the same violation."""

from __future__ import annotations

import pytest

import rasmodel as rm
from rasmodel.loader import load_model
from rasmodel.search import replay
from tests.conftest import EXAMPLES

CASES = [
    ("lost_update.py", {}, {"all_counted": "violated"}),
    ("lost_update.py", {"workers": 3}, {"all_counted": "violated"}),
    ("lost_update.py", {"atomic": True, "workers": 3}, {"all_counted": "holds"}),
    ("peterson.py", {}, {"mutual_exclusion": "holds", "someone_enters": "holds"}),
    ("peterson.py", {"rounds": 2}, {"mutual_exclusion": "holds", "deadlock": "holds"}),
    ("peterson.py", {"broken": True}, {"mutual_exclusion": "violated"}),
    ("dining_philosophers.py", {}, {"deadlock": "violated", "everyone_ate": "holds"}),
    ("dining_philosophers.py", {"ordered": True}, {"deadlock": "holds", "everyone_ate": "holds"}),
    ("watchdog.py", {}, {"meets_deadline": "holds"}),
    ("watchdog.py", {"work": 6}, {"meets_deadline": "violated"}),
    ("watchdog.py", {"work": 5}, {"meets_deadline": "violated"}),
    ("lossy_channel.py", {}, {"delivered": "holds", "delivered_once": "holds"}),
    ("lossy_channel.py", {"losses": 2}, {"delivered": "violated", "deadlock": "holds"}),
    ("lossy_channel.py", {"losses": 0}, {"delivered": "holds"}),
]


@pytest.mark.parametrize(("file", "params", "expected"), CASES)
def test_example_verdicts_and_replays(file: str, params: dict, expected: dict) -> None:
    path = str(EXAMPLES / file)
    result = rm.check(path, params=params)
    assert result.exhaustive
    for name, verdict in expected.items():
        assert result.verdicts[name] == verdict, result[name].message
    model = load_model(path)
    for name, cex in result.counterexamples.items():
        again = replay(model, cex.params, name, cex.choices)
        assert name in [v.property for v in again.violations]


def test_peterson_broken_counterexample_shows_both_inside() -> None:
    result = rm.check(str(EXAMPLES / "peterson.py"), params={"broken": True})
    cex = result.counterexamples["mutual_exclusion"]
    assert cex.message == "2 processes in the critical section"
    enters = [e for e in cex.execution.trace if e.kind == "enter"]
    assert sorted(e.data["who"] for e in enters) == [0, 1]


def test_watchdog_tie_is_explored_in_both_orders() -> None:
    result = rm.check(str(EXAMPLES / "watchdog.py"), params={"work": 5})
    cex = result.counterexamples["meets_deadline"]
    at_five = [s.actor for s in cex.execution.steps if s.time == 5]
    assert at_five[0] == "watchdog"
