"""The sampling strategies (random, pct, hypothesis): they find bugs, are seeded, and
produce the same counterexample files as dfs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import rasmodel as rm
from rasmodel.loader import load_model
from rasmodel.report.text import counterexample_lines
from rasmodel.search import replay
from tests.conftest import EXAMPLES, run_cli

STRATEGIES = ["random", "pct", "hypothesis"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    ("file", "params", "prop"),
    [
        ("lost_update.py", {"workers": 3}, "all_counted"),
        ("peterson.py", {"broken": True}, "mutual_exclusion"),
        ("dining_philosophers.py", {}, "deadlock"),
    ],
)
def test_sampling_strategies_find_the_bug_and_it_replays(
    strategy: str, file: str, params: dict, prop: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the hypothesis database goes under ./.rasmodel
    path = str(EXAMPLES / file)
    result = rm.check(path, strategy=strategy, params=params, max_executions=500)
    assert result.verdicts[prop] == "violated"
    assert not result.exhaustive
    cex = result.counterexamples[prop]
    again = replay(load_model(path), cex.params, prop, cex.choices)
    assert prop in [v.property for v in again.violations]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_holding_properties_are_bounded_not_proven(strategy: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = rm.check(str(EXAMPLES / "peterson.py"), strategy=strategy, max_executions=50)
    assert result.verdicts["mutual_exclusion"] == "no-violation-found"


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_same_seed_same_run_other_seed_other_run(strategy: str) -> None:
    def run(seed: int) -> list:
        result = rm.check(
            str(EXAMPLES / "lost_update.py"),
            strategy=strategy,
            seed=seed,
            params={"workers": 4},
            max_executions=200,
            minimize=False,
        )
        return [c.to_json() for c in result.counterexamples["all_counted"].choices]

    assert run(1) == run(1)
    assert any(run(1) != run(seed) for seed in (2, 3, 4))


def test_hypothesis_keeps_its_database_under_dot_rasmodel(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rm.check(str(EXAMPLES / "lost_update.py"), strategy="hypothesis", max_executions=50)
    assert (tmp_path / ".rasmodel" / "hypothesis").is_dir()
    assert not (tmp_path / ".hypothesis").exists()  # nor Hypothesis's other files


def test_pct_finds_a_depth_two_bug_that_needs_one_change_point() -> None:
    result = rm.check(
        str(EXAMPLES / "peterson.py"),
        strategy="pct",
        pct_depth=3,
        params={"broken": True},
        max_executions=300,
    )
    assert result.verdicts["mutual_exclusion"] == "violated"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--strategy", "pct", "--pct-depth", "9"), "needs at least 8 steps"),
        (("--strategy", "pct", "--pct-depth", "0"), "at least 1"),
        (("--preemption-bound", "-1"), "non-negative"),
        (("--strategy", "bogus"), "invalid choice"),
        (("--reduction", "bogus"), "invalid choice"),
        (("--cross-check", "--strategy", "random"), "--cross-check"),
    ],
)
def test_bad_strategy_options_exit_2(args: tuple[str, ...], needle: str) -> None:
    proc = run_cli("check", str(EXAMPLES / "lost_update.py"), *args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_strategy_writes_the_same_counterexample_format(tmp_path: Path) -> None:
    proc = run_cli(
        "check", str(EXAMPLES / "lost_update.py"), "--strategy", "random", "--out", str(tmp_path)
    )
    assert proc.returncode == 1
    assert "random search (seed 0)" in proc.stdout
    cex = json.loads((tmp_path / "all_counted.json").read_text())
    assert cex["property"] == "all_counted" and cex["choices"]
    replayed = run_cli(
        "replay", str(EXAMPLES / "lost_update.py"), str(tmp_path / "all_counted.json")
    )
    assert replayed.returncode == 1


def test_cross_check_on_the_command_line(tmp_path: Path) -> None:
    ok = run_cli("check", str(EXAMPLES / "lost_update.py"), "--cross-check")
    assert ok.returncode == 1  # the model's own violation, found by both
    untracked = tmp_path / "untracked.py"
    untracked.write_text(
        "import rasmodel as rm\nmodel = rm.Model('untracked')\nshared = []\n\n"
        "@model.build\ndef build(env):\n    shared.clear()\n    log = env.var('log', ())\n"
        "    def p(name):\n        shared.append(name)\n        yield env.pause()\n"
        "        log.value = tuple(shared)\n"
        "    env.process(p('a'), name='a')\n    env.process(p('b'), name='b')\n"
    )
    bad = run_cli("check", str(untracked), "--cross-check")
    assert bad.returncode == 2
    assert "not tracked" in bad.stderr


@pytest.mark.slow  # about 5 s (500 Hypothesis examples)
def test_hypothesis_ignores_the_loaded_profile(tmp_path: Path, monkeypatch) -> None:
    """Hypothesis loads a derandomized profile on CI: the search must not depend on
    it (derandomized, every chunk of examples is the same one)."""
    from hypothesis import settings

    monkeypatch.chdir(tmp_path)
    settings.register_profile("rasmodel-test-ci", derandomize=True, database=None)
    settings.load_profile("rasmodel-test-ci")
    try:
        path = str(EXAMPLES / "peterson.py")
        result = rm.check(path, strategy="hypothesis", params={"broken": True}, max_executions=500)
    finally:
        settings.load_profile("default")
    assert result.verdicts["mutual_exclusion"] == "violated"


def test_a_counterexample_says_when_its_minimisation_was_cut_short() -> None:
    model = str(EXAMPLES / "lost_update.py")
    params = {"workers": 3}
    cut = rm.check(model, params=params, minimize_executions=1)["all_counted"].counterexample
    full = rm.check(model, params=params)["all_counted"].counterexample
    raw = rm.check(model, params=params, minimize=False)["all_counted"].counterexample
    assert cut is not None and full is not None and raw is not None
    assert cut.minimization.startswith("minimisation cut short by its budget")
    assert full.minimization == "minimal" and full.minimal
    assert raw.minimization == "not minimised (--no-minimize)"
    assert cut.minimization in "\n".join(counterexample_lines(cut))
    assert cut.to_json()["minimization"] == cut.minimization


def test_the_progress_estimate_grows_with_the_depth_first_walk() -> None:
    """Plain enumeration knows every branch point's options when it opens it, so the
    share of the tree left behind only grows, to nearly all of it at the end."""
    from rasmodel.execution import Limits, Selection, execute
    from rasmodel.explore.dfs import DepthFirst

    model = load_model(str(EXAMPLES / "lost_update.py"))
    params = model.resolve_params({"workers": 3})
    selection = Selection.of(model, model.all_property_names())
    search = DepthFirst()
    fractions: list[float] = []

    def run(path):
        execution = execute(model, params, selection, path, Limits())
        fractions.append(search.path.explored_fraction())
        return execution

    search.explore(run, lambda: False)
    assert len(fractions) == 90  # every interleaving of three read-increment workers
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] > 0.9


def test_a_library_caller_gets_the_keyboard_interrupt_back() -> None:
    """Only the command line turns Ctrl-C into a result; `rm.check` re-raises it, so a
    test runner or a script is interrupted as it expects."""

    def interrupt(execution) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rm.check(str(EXAMPLES / "lost_update.py"), observer=interrupt)
    kept = rm.check(str(EXAMPLES / "lost_update.py"), observer=interrupt, keep_on_interrupt=True)
    assert kept.stopped_by == "interrupted" and not kept.exhaustive


def test_hypothesis_with_a_fresh_database_finds_the_same_example_every_time(
    tmp_path: Path, monkeypatch
) -> None:
    """Hypothesis seeds itself from a private Random, not the `random` module: the
    seed has to reach it, or each run draws other examples."""
    monkeypatch.chdir(tmp_path)

    def run() -> list[object]:
        for cache in (".rasmodel", ".hypothesis"):
            shutil.rmtree(tmp_path / cache, ignore_errors=True)
        result = rm.check(
            str(EXAMPLES / "lost_update.py"),
            strategy="hypothesis",
            params={"workers": 4},
            max_executions=60,
            minimize=False,
        )
        return [c.to_json() for c in result.counterexamples["all_counted"].choices]

    assert run() == run() == run()
