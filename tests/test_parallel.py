"""`--jobs` and `--cluster`: a search split into units gives the results of one search.

Most tests run the split inline (`cluster="inline"`: units run in this process, one
execution each, the finest split there is) so that every commit, speculation and
re-run of the coordinator is exercised in a few seconds; the others use real worker
processes and a Dask LocalCluster, and kill a worker in the middle of a run.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import rasmodel as rm
from rasmodel.errors import UsageError
from rasmodel.explore.units import Unit
from rasmodel.loader import load_model
from rasmodel.parallel import Job, pool, run_unit
from rasmodel.search import cross_check
from tests.conftest import EXAMPLES, ROOT, run_cli

SPIN = ROOT / "benchmarks" / "spin"
MODELS = ROOT / "models"
SOUNDNESS = ROOT / "tests" / "models" / "soundness"

CASES: list[tuple[Path, dict[str, Any], dict[str, Any]]] = [
    (SPIN / "lost_update.py", {"n": 3}, {}),
    (SPIN / "nmi_spinlock.py", {"n": 2}, {}),
    (EXAMPLES / "printk_in_nmi.py", {}, {}),
    (EXAMPLES / "peterson.py", {}, {}),  # invariants: the search restarts once
    (MODELS / "mce_task_work.py", {}, {}),
    (SPIN / "nmi_spinlock.py", {"n": 2}, {"preemption_bound": 1}),
    (SPIN / "lost_update.py", {"n": 3}, {"preemption_bound": 1}),
    (SPIN / "lost_update.py", {"n": 3}, {"reduction": "none"}),
    (SPIN / "lost_update.py", {"n": 4}, {"stop_first": True}),
    (EXAMPLES / "printk_in_nmi.py", {}, {"max_executions": 25}),
    (SOUNDNESS / "racing_step_cover.py", {}, {}),
    (SOUNDNESS / "interrupted_guard_cover.py", {}, {}),
]


def _summary(result: rm.Result) -> tuple[Any, ...]:
    return (
        result.stats.executions,
        result.stats.pruned,
        sorted(result.verdicts.items()),
        result.exhaustive,
        result.final_states,
        [(p.name, p.executions) for p in result.properties if p.verdict.value == "violated"],
    )


@pytest.mark.parametrize(
    ("path", "params", "options"), CASES, ids=[f"{c[0].stem}{c[2] or ''}" for c in CASES]
)
def test_a_split_search_is_the_single_search(
    path: Path, params: dict[str, Any], options: dict[str, Any]
) -> None:
    """Verdicts, executions, pruned runs, final states and the execution each
    violation was found after: the same, with a unit per execution."""
    common = {"params": params, "minimize": False, "collect_states": True, **options}
    single = rm.check(str(path), **common)
    split = rm.check(str(path), jobs=3, cluster="inline", **common)
    assert _summary(split) == _summary(single)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sea_tif_flag.py", "sea_direct.py"])
def test_seed_models_split(name: str) -> None:
    path = str(MODELS / name)
    single = rm.check(path, minimize=False, collect_states=True)
    split = rm.check(path, minimize=False, collect_states=True, jobs=2, cluster="inline")
    assert _summary(split) == _summary(single)


def test_worker_processes_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real worker processes, with slices short enough to cut the search into many
    units (the slices are the coordinator's to hand out)."""
    monkeypatch.setattr(pool, "FIRST_SLICE", 0.01)
    monkeypatch.setattr(pool, "SLICE", 0.02)
    path = str(SPIN / "lost_update.py")
    single = rm.check(path, params={"n": 4}, minimize=False)
    split = rm.check(path, params={"n": 4}, minimize=False, jobs=2)
    assert _summary(split) == _summary(single)
    assert split.stats.executions == 576


DYING = '''
"""Dies (the whole worker process) the first time it runs where a marker file exists."""
import os
import rasmodel as rm

model = rm.Model("dying", params={"n": 4})


@model.build
def build(env, n):
    counter = env.var("counter", 0)
    marker = os.environ.get("RASMODEL_TEST_MARKER", "")

    def worker(i):
        tmp = counter.value
        yield env.pause("after read")
        if i == n - 1 and marker and os.path.exists(marker):
            os.remove(marker)
            os._exit(1)  # the worker process dies mid-unit
        counter.value = tmp + 1

    for i in range(n):
        env.process(worker(i), name=f"w{i}")
    return counter


@model.final
def all_counted(counter, params):
    assert counter.value == params["n"]
'''


@pytest.mark.parametrize("cluster", [None, "local"])
def test_a_worker_that_dies_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cluster: str | None
) -> None:
    if cluster is not None:
        pytest.importorskip("distributed")
    monkeypatch.setattr(pool, "FIRST_SLICE", 0.005)  # many units, on many workers
    monkeypatch.setattr(pool, "SLICE", 0.01)
    model = tmp_path / "dying.py"
    model.write_text(DYING)
    single = rm.check(str(model), minimize=False)
    marker = tmp_path / "die-once"
    marker.write_text("")
    monkeypatch.setenv("RASMODEL_TEST_MARKER", str(marker))
    split = rm.check(str(model), minimize=False, jobs=2, cluster=cluster)
    assert not marker.exists()  # a worker did die
    assert _summary(split) == _summary(single)


def test_a_worker_of_another_version_refuses_the_job() -> None:
    model = load_model(str(SPIN / "lost_update.py"))
    from rasmodel.parallel import job_for
    from rasmodel.search import Options

    job = job_for(model, {"n": 2}, ["all_counted"], Options())
    old = Job("0.0.1", job.files, job.main, job.model_name, job.params, job.names, job.options)
    outcome = pickle.loads(run_unit(old, pickle.dumps(Unit([], 0, analysed=0))))
    kind, message, _where, _hint = outcome.error
    assert kind == "UsageError"
    assert "0.0.1" in message and rm.__version__ in message


def test_the_model_reaches_workers_by_content(tmp_path: Path) -> None:
    """A model and the module it imports from its directory: the worker loads both
    from what was sent, not from the disk it shares with the coordinator."""
    (tmp_path / "helpers.py").write_text("START = 1\n")
    (tmp_path / "uses_helper.py").write_text(
        textwrap.dedent(
            """
            import rasmodel as rm
            from helpers import START

            model = rm.Model("uses-helper")

            @model.build
            def build(env):
                x = env.var("x", START)

                def p(i):
                    x.value = x.value * 10 + i
                    yield env.pause()

                env.process(p(2), name="a")
                env.process(p(3), name="b")
                return x

            @model.final
            def is_small(x, params):
                assert x.value < 130, x.value
            """
        )
    )
    path = str(tmp_path / "uses_helper.py")
    single = rm.check(path, minimize=False, collect_states=True)
    (tmp_path / "helpers.py").write_text("START = 5\n")  # too late: it was sent
    split = rm.check(path, minimize=False, collect_states=True, jobs=2, cluster="inline")
    assert _summary(split)[:4] == _summary(single)[:4]
    assert split.verdicts["is_small"] == "violated"  # 132 > 130 with START = 1


READS_DATA = """
import json, os
import rasmodel as rm

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "conf", "start.json")) as handle:
    START = json.load(handle)["start"]
model = rm.Model("reads-data")

@model.build
def build(env):
    x = env.var("x", START)
    if os.environ.get("RASMODEL_TEST_LATE"):
        open(os.path.join(HERE, "late.txt")).close()

    def p(i):
        x.value = x.value * 10 + i
        yield env.pause()

    env.process(p(2), name="a")
    env.process(p(3), name="b")
    return x

@model.final
def is_small(x, params):
    assert x.value < 130, x.value
"""


def test_files_a_model_opens_when_imported_reach_workers(tmp_path: Path) -> None:
    """A configuration the model reads next to it when imported is sent with it (a
    worker has no other way to it); one it opens only while it runs is an error that
    says so, naming the user's file, not the worker's copy."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "start.json").write_text('{"start": 1}')
    (tmp_path / "late.txt").write_text("")
    path = str(tmp_path / "reads_data.py")
    Path(path).write_text(READS_DATA)
    single = rm.check(path, minimize=False, collect_states=True)
    (tmp_path / "conf" / "start.json").write_text('{"start": 5}')  # too late: it was sent
    split = rm.check(path, minimize=False, collect_states=True, jobs=2, cluster="inline")
    assert _summary(split)[:4] == _summary(single)[:4]
    assert split.verdicts["is_small"] == "violated"  # 132 > 130 with start 1


def test_a_file_opened_while_the_model_runs_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "start.json").write_text('{"start": 1}')
    (tmp_path / "late.txt").write_text("")
    path = tmp_path / "reads_late.py"
    path.write_text(READS_DATA)
    monkeypatch.setenv("RASMODEL_TEST_LATE", "1")
    assert rm.check(str(path), minimize=False).verdicts["is_small"] == "violated"
    with pytest.raises(rm.ModelError) as raised:
        rm.check(str(path), jobs=2, cluster="inline", minimize=False)
    error = raised.value
    assert "FileNotFoundError" in error.message and "late.txt" in error.message
    assert error.where is not None and error.where.file == str(path)
    assert "opened while it was imported" in error.hint
    assert "rasmodel-" not in str(error) + error.hint


def test_sampling_runs_one_shard_per_worker_with_disjoint_seeds() -> None:
    path = str(SPIN / "lost_update.py")
    options = {"params": {"n": 3}, "minimize": False, "max_executions": 40}
    first = rm.check(path, strategy="random", jobs=2, cluster="inline", **options)
    again = rm.check(path, strategy="random", jobs=2, cluster="inline", **options)
    assert first.stats.executions == 40
    assert _summary(first) == _summary(again)
    assert first.verdicts["all_counted"] == "violated"


def test_the_command_line_takes_jobs() -> None:
    model = str(SPIN / "nmi_spinlock.py")
    single = run_cli("check", model, "-D", "n=2", "--no-minimize", "--format", "json")
    split = run_cli("check", model, "-D", "n=2", "--no-minimize", "--format", "json", "--jobs", "2")
    assert split.returncode == single.returncode == 1
    mine, theirs = json.loads(split.stdout), json.loads(single.stdout)
    assert mine["stats"]["executions"] == theirs["stats"]["executions"]
    assert mine["stats"]["pruned"] == theirs["stats"]["pruned"]


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--jobs", "0"], "--jobs must be"),
        (["--jobs", "2", "--cache", "on"], "cannot be combined with --jobs"),
    ],
)
def test_bad_parallel_options_are_explained(arguments: list[str], words: str) -> None:
    done = run_cli("check", str(SPIN / "lost_update.py"), *arguments)
    assert done.returncode == 2
    assert words in done.stderr


@pytest.mark.slow  # Dask tries for CONNECT_SECONDS before it gives up
def test_an_unreachable_cluster_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the watchdog's "a step ran without yielding" (it fired first, blaming the
    model): connecting is not a step."""
    pytest.importorskip("distributed")
    monkeypatch.setattr(pool, "CONNECT_SECONDS", 3)
    with pytest.raises(UsageError, match="cannot reach a Dask scheduler there within 3 s"):
        rm.check(
            str(SPIN / "lost_update.py"),
            cluster="tcp://127.0.0.1:9",
            minimize=False,
            step_timeout=1.0,
        )


@pytest.mark.parametrize("address", ["nonsense", "", "http://127.0.0.1:8786"])
def test_a_malformed_cluster_address_is_a_usage_error(address: str) -> None:
    pytest.importorskip("distributed")
    done = run_cli("check", str(SPIN / "lost_update.py"), "--cluster", address)
    assert done.returncode == 2
    assert "is not a Dask scheduler address" in done.stderr and "internal error" not in done.stderr


def test_a_model_defined_in_the_running_script_is_refused(tmp_path: Path) -> None:
    """A worker would run the script again when it loads the model's file."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import rasmodel as rm
            from rasmodel.errors import UsageError

            model = rm.Model("scripted")

            @model.build
            def build(env):
                def p():
                    yield env.pause()

                env.process(p(), name="p")

            try:
                rm.check(model, jobs=2)
            except UsageError as error:
                print(error)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, timeout=60
    )
    assert "in the script being run" in done.stdout, done.stdout + done.stderr


def test_cross_check_runs_split() -> None:
    result = cross_check(
        str(SPIN / "lost_update.py"), params={"n": 3}, jobs=2, cluster="inline", minimize=False
    )
    assert result.verdicts["all_counted"] == "violated"


def test_a_model_not_from_a_file_is_refused() -> None:
    model = rm.Model("in-memory")

    @model.build
    def build(env: rm.Env) -> None:
        def p() -> Any:
            yield env.pause()

        env.process(p(), name="p")

    with pytest.raises(UsageError, match="is not defined at module level in a file"):
        rm.check(model, jobs=2)


def test_progress_shows_the_workers_and_the_units() -> None:
    lines: list[str] = []
    rm.check(
        str(SPIN / "lost_update.py"),
        params={"n": 3},
        minimize=False,
        jobs=2,
        cluster="inline",
        progress=lambda stats, depth, text: lines.append(text),
    )
    assert any("workers busy" in line and "units done" in line for line in lines)


FLAG_SPIN = """
import rasmodel as rm

model = rm.Model("flag-spin", params={"sets": 0})


@model.build
def build(env, sets):
    flag = env.var("flag", 0)
    data = env.var("data", 0)

    def a():
        while not flag.value:
            yield env.pause("cpu_relax")
        data.value += 1

    def b():
        yield env.pause("work")
        data.value = 5
        if sets:
            flag.value = 1

    env.process(a(), name="A")
    env.process(b(), name="B")
    return data
"""


@pytest.mark.parametrize("sets", [0, 1])
def test_depth_bounds_and_livelocks_split(tmp_path: Path, sets: int) -> None:
    """Executions cut by --max-depth, a livelock confirmed in a worker and replayed
    by the coordinator: as in one process."""
    path = tmp_path / "flag_spin.py"
    path.write_text(FLAG_SPIN)
    common = {"params": {"sets": sets}, "max_depth": 60, "minimize": False}
    single = rm.check(str(path), **common)
    split = rm.check(str(path), jobs=3, cluster="inline", **common)
    assert _summary(split) == _summary(single)
    assert split.hints == single.hints
    assert split.verdicts["livelock"] == ("violated" if not sets else "no-violation-found")


NONDETERMINISTIC = """
import itertools
import rasmodel as rm

model = rm.Model("nondeterministic")
CALLS = itertools.count()  # state outside the model: each execution writes another value


@model.build
def build(env):
    x = env.var("x", 0)

    def p():
        x.value = next(CALLS)
        yield env.pause()

    env.process(p(), name="p")
    env.process(p(), name="q")
    return x
"""


def test_an_error_in_a_worker_names_the_users_file(tmp_path: Path) -> None:
    path = tmp_path / "nondet.py"
    path.write_text(NONDETERMINISTIC)
    with pytest.raises(rm.ModelError) as raised:
        rm.check(str(path), jobs=2, cluster="inline", minimize=False)
    error = raised.value
    assert "nondeterministic" in error.message
    assert error.where is not None and error.where.file == str(path)
    assert "rasmodel-" not in str(error) + error.hint


def test_more_jobs_than_cores_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasmodel.parallel import coordinator

    monkeypatch.setattr(coordinator.os, "cpu_count", lambda: 1)
    result = rm.check(str(SPIN / "lost_update.py"), params={"n": 2}, jobs=2, minimize=False)
    assert any("--jobs 2 started 2 worker processes on the 1 cores" in h for h in result.hints)
    assert result.verdicts["all_counted"] == "violated"


SPINNER = """
import rasmodel as rm

model = rm.Model("spinner")


@model.build
def build(env):
    flag = env.var("flag", False)

    def poller():
        while not flag.value:
            yield env.pause("poll")

    env.process(poller(), name="poller")
"""


def test_a_search_that_ends_on_a_livelock_ends_as_the_single_one(tmp_path: Path) -> None:
    """The last unit found the livelock: the search is done, not stopped by it."""
    path = tmp_path / "spinner.py"
    path.write_text(SPINNER)
    single = rm.check(str(path), max_depth=50, minimize=False)
    split = rm.check(str(path), max_depth=50, minimize=False, jobs=2, cluster="inline")
    assert single.verdicts["livelock"] == split.verdicts["livelock"] == "violated"
    assert split.stopped_by == single.stopped_by is None
    assert split.exhaustive == single.exhaustive
