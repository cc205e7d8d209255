"""The real command line, run in a subprocess: outputs, files, exit codes, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import EXAMPLES, ROOT, SLOW_LOST_UPDATE, run_cli, stop_midway

LOST_UPDATE = str(EXAMPLES / "lost_update.py")


def _no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout


def test_check_prints_verdicts_and_the_counterexample_trace(tmp_path: Path) -> None:
    proc = run_cli("check", LOST_UPDATE, "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "VIOLATED  all_counted" in proc.stdout
    assert "counter is 1" in proc.stdout
    assert "step  time  context  actor" in proc.stdout
    assert "(preempts w0)" in proc.stdout
    assert "state counter=1" in proc.stdout  # the tracked state each step changed
    assert proc.stderr == ""  # no progress display when piped
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["exhaustive"] is True
    assert result["stats"]["executions"] == 4  # one per Mazurkiewicz trace (DPOR)
    verdicts = {p["name"]: p["verdict"] for p in result["properties"]}
    assert verdicts == {
        "all_counted": "violated",
        "deadlock": "holds",
        "livelock": "holds",
        "assertion": "holds",
        "exception": "holds",
    }
    cex_path = [p for p in result["properties"] if p["name"] == "all_counted"][0]["counterexample"]
    cex = json.loads(Path(cex_path).read_text())
    assert cex["property"] == "all_counted"
    assert cex["message"] == "counter is 1"
    assert cex["params"] == {"workers": 2, "atomic": False}
    assert cex["choices"][0] == {"run": "w0"}
    assert {"step", "time", "actor", "context", "kind", "data"} <= set(cex["trace"][0])
    assert {"counter": "1"} in [row.get("state") for row in cex["trace"]]  # what changed


def test_holding_model_exits_zero_and_says_exhaustive() -> None:
    proc = run_cli("check", LOST_UPDATE, "-D", "atomic=true", "-D", "workers=3")
    assert proc.returncode == 0, proc.stderr
    assert "exhaustive" in proc.stdout
    assert "holds     all_counted" in proc.stdout


def test_json_format_is_the_result_document() -> None:
    proc = run_cli("check", LOST_UPDATE, "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["model"].endswith("lost_update.py")
    assert data["properties"][0]["verdict"] == "violated"
    assert data["stats"]["steps"] == 16
    assert data["reduction"] == "dpor"


def test_junit_format_parses_with_one_failure() -> None:
    proc = run_cli("check", LOST_UPDATE, "--format", "junit")
    root = ET.fromstring(proc.stdout)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["all_counted"].find("failure") is not None
    assert cases["deadlock"].find("failure") is None


def test_require_exhaustive_exits_3_when_bounded() -> None:
    args = ("check", LOST_UPDATE, "-D", "atomic=true", "--max-executions", "2")
    assert run_cli(*args).returncode == 0
    assert run_cli(*args, "--require-exhaustive").returncode == 3


def test_property_selection() -> None:
    proc = run_cli("check", LOST_UPDATE, "-p", "deadlock")
    assert proc.returncode == 0
    assert "all_counted" not in proc.stdout


def test_replay_exit_codes(tmp_path: Path) -> None:
    run_cli("check", LOST_UPDATE, "--out", str(tmp_path))
    cex = str(tmp_path / "all_counted.json")
    reproduced = run_cli("replay", LOST_UPDATE, cex)
    assert reproduced.returncode == 1
    assert "all_counted violated: counter is 1" in reproduced.stdout
    fixed = run_cli("replay", LOST_UPDATE, cex, "-D", "atomic=true")
    assert fixed.returncode == 0
    assert "holds on this sequence" in fixed.stdout
    renamed = tmp_path / "renamed.py"
    renamed.write_text(Path(LOST_UPDATE).read_text().replace('name=f"w{i}"', 'name=f"x{i}"'))
    gone = run_cli("replay", str(renamed), cex)
    assert gone.returncode == 2
    assert "no longer fits" in gone.stderr
    _no_traceback(gone)


CHOOSER = """
import rasmodel as rm
model = rm.Model("chooser")

@model.build
def build(env):
    x = env.var("x", 0)

    def p():
        x.value = env.choose([1, 2, 3], "value")
        yield env.pause()
        x.value = x.value * 10

    env.process(p(), name="p")
    return x

@model.final
def small(x, params):
    assert x.value < 30, f"x is {x.value}"
"""


def test_replay_of_a_sequence_that_does_not_fit_exits_2(tmp_path: Path) -> None:
    """Choices cut short, a choose index out of range, an actor that never exists:
    "does not fit the model" (exit 2), never "the property now holds" (exit 0)."""
    model = tmp_path / "chooser.py"
    model.write_text(CHOOSER)
    assert run_cli("check", str(model), "--out", str(tmp_path)).returncode == 1
    cex = json.loads((tmp_path / "small.json").read_text())
    assert cex["steps"] == 2 and len(cex["choices"]) == 3
    cases = {
        "truncated": {**cex, "choices": cex["choices"][:2]},
        "out of range": {
            **cex,
            "choices": [{**c, "index": 7} if "choose" in c else c for c in cex["choices"]],
        },
        "unknown actor": {**cex, "choices": [{"run": "ghost"}, *cex["choices"][1:]]},
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        proc = run_cli("replay", str(model), str(path))
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert "no longer fits" in proc.stderr, name
        _no_traceback(proc)
    assert run_cli("replay", str(model), str(tmp_path / "small.json")).returncode == 1


def test_cross_check_cut_short_by_a_time_limit_says_it_is_incomplete() -> None:
    proc = run_cli(
        "check", "models/sea_tif_flag.py", "--cross-check", "--time-limit", "0.5", "--no-minimize"
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "--cross-check is incomplete" in proc.stdout
    assert "not tracked" not in proc.stdout + proc.stderr


def test_list_shows_parameters_and_properties() -> None:
    proc = run_cli("list", LOST_UPDATE)
    assert proc.returncode == 0
    assert "workers = 2 (int)" in proc.stdout
    assert "all_counted" in proc.stdout and "final" in proc.stdout


def test_list_takes_parameters_like_check() -> None:
    proc = run_cli("list", LOST_UPDATE, "-D", "workers=3")
    assert proc.returncode == 0
    assert "workers = 3 (int) (default 2)" in proc.stdout
    wrong = run_cli("list", LOST_UPDATE, "-D", "nope=1")
    assert wrong.returncode == 2 and "no parameter 'nope'" in wrong.stderr


@pytest.mark.parametrize("kind", ["invariant", "final"])
def test_a_property_that_crashes_is_a_model_error_naming_its_line(model_file, kind: str) -> None:
    path = model_file(
        f"""
        import rasmodel as rm

        model = rm.Model("crashing-property")


        @model.build
        def build(env):
            x = env.var("x", 0)

            def p():
                x.value = 1
                yield env.pause()

            env.process(p(), name="p")
            return x


        @model.{kind}
        def broken(x, params):
            return {{}}["missing"]
        """
    )
    proc = run_cli("check", path)
    assert proc.returncode == 2, proc.stdout
    assert "model.py:21: property 'broken' raised KeyError" in proc.stderr  # its return line
    assert "after" in proc.stderr and "VIOLATED" not in proc.stdout
    _no_traceback(proc)


@pytest.mark.parametrize(
    "spec",
    ['rm.at_most_once("x", key=lambda d: d["valu"])', 'rm.never("x", where=lambda e: e.data)'],
)
@pytest.mark.parametrize("only", [True, False])
def test_a_where_or_key_function_that_crashes_is_a_model_error(model_file, spec, only) -> None:
    """Not "holds" (the monitor never finished) and not a nondeterminism error (the
    crash, inside the emitting step, read as that step raising)."""
    path = model_file(
        f"""
        import rasmodel as rm

        model = rm.Model("crashing-where")


        @model.build
        def build(env):
            def p():
                yield env.pause()
                env.emit("x", value=1)

            env.process(p(), name="p")
            env.process(p(), name="q")


        model.check({spec}, name="watched")
        """
    )
    proc = run_cli("check", path, *(["-p", "watched"] if only else []))
    assert proc.returncode == 2, proc.stdout
    assert "model.py:17: property 'watched' raised" in proc.stderr
    assert "the event's data" in proc.stderr and "holds" not in proc.stdout
    _no_traceback(proc)


def test_help_lists_the_options() -> None:
    proc = run_cli("check", "--help")
    assert proc.returncode == 0
    for flag in ("--max-depth", "--preemption-bound", "--out", "--format", "-D"):
        assert flag in proc.stdout


BAD_MODELS = {
    "syntax": (
        "import rasmodel as rm\nmodel = rm.Model('x')\ndef f(:\n    pass\n",
        "syntax error",
        ":3",
    ),
    "import": ("import rasmodel as rm\nimport not_a_module_xyz\n", "not_a_module_xyz", ":2"),
    "no_model": ("x = 1\n", "defines no rasmodel Model", ":1"),
    "build_raises": (
        "import rasmodel as rm\nmodel = rm.Model('x')\n\n@model.build\ndef build(env):\n"
        "    return 1 / 0\n",
        "ZeroDivisionError",
        ":6",
    ),
    "no_process": (
        "import rasmodel as rm\nmodel = rm.Model('x')\n\n@model.build\ndef build(env):\n"
        "    env.var('v', 0)\n",
        "started no process",
        ":4",
    ),
    "random": (
        "import random\nimport rasmodel as rm\nmodel = rm.Model('x')\n\n@model.build\n"
        "def build(env):\n    v = env.var('v', 0)\n    def p():\n        yield env.pause()\n"
        "        v.value = random.random()\n        yield env.pause()\n"
        "    env.process(p(), name='p')\n    env.process(p(), name='q')\n",
        "nondeterministic",
        ":11",
    ),
    "set_order": (
        "import rasmodel as rm\nmodel = rm.Model('x')\n\nclass Task:\n"
        "    def __init__(self, n):\n        self.n = n\n\n@model.build\ndef build(env):\n"
        "    order = env.queue('order')\n    def p(t):\n        order.append(t.n)\n"
        "        yield env.pause()\n    for t in {Task(i) for i in range(6)}:\n"
        "        env.process(p(t))\n",
        "nondeterministic",
        "",
    ),
    "not_a_generator": (
        "import rasmodel as rm\nmodel = rm.Model('x')\n\n@model.build\ndef build(env):\n"
        "    def p():\n        return 1\n    env.process(p(), name='p')\n",
        "not a generator",
        ":8",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_bad_models_exit_2_with_one_paragraph(tmp_path: Path, case: str) -> None:
    source, needle, line = BAD_MODELS[case]
    path = tmp_path / f"{case}.py"
    path.write_text(source)
    proc = run_cli("check", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert needle in proc.stderr
    assert f"{case}.py{line}" in proc.stderr
    assert proc.stderr.startswith("rasmodel: error:")
    assert proc.stderr.count("\n") == 1  # one paragraph
    _no_traceback(proc)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "missing_model.py"), "no such model file"),
        (("check", LOST_UPDATE, "-p", "nope"), "no property 'nope'"),
        (("check", LOST_UPDATE, "-D", "nope=1"), "no parameter 'nope'"),
        (("check", LOST_UPDATE, "-D", "workers=many"), "not a valid int"),
        (("check", LOST_UPDATE, "-D", "workers"), "NAME=VALUE"),
        (("check", LOST_UPDATE, "--max-depth", "-1"), "non-negative"),
        (("check", LOST_UPDATE, "--bogus"), "unrecognized arguments"),
        (("replay", LOST_UPDATE, "missing.json"), "no such counterexample"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], needle: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    _no_traceback(proc)


def test_spin_loop_on_pause_stops_bounded_with_the_wait_until_hint(tmp_path: Path) -> None:
    path = tmp_path / "spin.py"
    path.write_text(
        "import rasmodel as rm\nmodel = rm.Model('spin')\n\n@model.build\ndef build(env):\n"
        "    flag = env.var('flag', False)\n    def setter():\n        yield env.pause()\n"
        "        flag.value = True\n    def spinner():\n        while not flag.value:\n"
        "            yield env.pause('spin')\n"
        "    env.process(setter(), name='setter')\n    env.process(spinner(), name='spinner')\n"
    )
    proc = run_cli("check", str(path), "--max-depth", "200")
    assert proc.returncode == 0
    assert "bounded" in proc.stdout
    assert "wait_until" in proc.stdout
    assert "spin.py:12" in proc.stdout
    assert run_cli("check", str(path), "--require-exhaustive").returncode == 3


def test_a_model_importing_its_sibling_module_runs_from_any_directory(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "lost_update.py", tmp_path / "lost_update.py")
    proc = run_cli("check", "lost_update.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert str(ROOT) not in proc.stdout


def test_progress_line_is_drawn_on_a_terminal() -> None:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasmodel",
            "check",
            str(EXAMPLES / "dining_philosophers.py"),
            "-D",
            "n=4",
            "-D",
            "ordered=true",
            "--max-executions",
            "3000",
        ],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=ROOT,
        env=dict(os.environ, TERM="xterm", COLUMNS="200"),
        timeout=120,
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert b"executions" in drawn and b"steps/s" in drawn


def test_stop_first_stops_at_the_first_violation() -> None:
    proc = run_cli(
        "check", str(EXAMPLES / "dining_philosophers.py"), "--stop-first", "--format", "json"
    )
    data = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert data["stopped_by"] == "stop-first"  # not "every property decided": one is not
    assert data["stats"]["executions"] < 795
    verdicts = {p["name"]: p["verdict"] for p in data["properties"]}
    assert verdicts["deadlock"] == "violated"
    assert verdicts["everyone_ate"] == "no-violation-found"


def test_time_limit_bounds_the_search() -> None:
    proc = run_cli(
        "check",
        str(EXAMPLES / "dining_philosophers.py"),
        "-D",
        "n=5",
        "-D",
        "ordered=true",
        "--time-limit",
        "0.5",
        "--format",
        "json",
    )
    data = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert data["exhaustive"] is False
    assert data["stopped_by"] == "time-limit"
    assert data["stats"]["seconds"] < 5


@pytest.mark.parametrize(
    ("signame", "code", "why"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")]
)
def test_a_stopped_search_still_reports_and_writes_what_it_found(
    model_file, tmp_path: Path, signame: str, code: int, why: str
) -> None:
    import signal

    out = tmp_path / "out"
    args = ("check", model_file(SLOW_LOST_UPDATE), "--format", "json", "--out", str(out))
    returncode, stdout = stop_midway(args, getattr(signal, signame))
    assert returncode == code
    data = json.loads(stdout)  # stdout is the JSON document alone
    assert data["stopped_by"] == why and data["exhaustive"] is False
    verdicts = {p["name"]: p["verdict"] for p in data["properties"]}
    assert verdicts["all_counted"] == "violated"
    assert verdicts["deadlock"] == "no-violation-found"
    assert data["stats"]["executions"] > 2
    written = json.loads((out / "result.json").read_text())
    assert written["stopped_by"] == why
    cex = json.loads((out / "all_counted.json").read_text())
    assert cex["message"].startswith("count is")


def test_out_that_cannot_be_written_is_an_error_before_the_search(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = run_cli("check", LOST_UPDATE, "--out", str(blocker / "results"))
    assert proc.returncode == 2
    assert "--out" in proc.stderr and "cannot write there" in proc.stderr
    assert "nothing was checked" in proc.stderr and proc.stdout == ""
    _no_traceback(proc)


def test_with_json_format_what_the_model_prints_goes_to_stderr(model_file) -> None:
    proc = run_cli("check", model_file(SLOW_LOST_UPDATE), "-D", "n=2", "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["properties"][0]["verdict"] == "violated"
    assert "worker done" in proc.stderr


@pytest.mark.parametrize(
    ("signame", "workers"),
    [
        ("SIGINT", ["--jobs", "2"]),
        pytest.param("SIGTERM", ["--jobs", "2"], marks=pytest.mark.slow),
        pytest.param("SIGINT", ["--jobs", "2", "--cluster", "local"], marks=pytest.mark.slow),
        pytest.param("SIGTERM", ["--jobs", "2", "--cluster", "local"], marks=pytest.mark.slow),
    ],
)
def test_a_stopped_parallel_search_reports_what_it_committed(
    model_file, signame: str, workers: list[str]
) -> None:
    """The signal reaches the coordinator while it waits for workers: with Dask it
    landed in a garbage-collector callback, which dropped it, and the search ran on."""
    import signal

    pytest.importorskip("distributed")
    args = ["check", model_file(SLOW_LOST_UPDATE), "--format", "json", *workers]
    after = 10.0 if "--cluster" in workers else None  # Dask workers' prints do not reach us
    returncode, stdout = stop_midway(args, getattr(signal, signame), after)
    assert returncode == {"SIGINT": 130, "SIGTERM": 143}[signame]
    data = json.loads(stdout)
    assert data["stopped_by"] in ("interrupted", "terminated") and data["exhaustive"] is False


@pytest.mark.parametrize(
    "call", ['env.maybe("oops")', 'env.emit("checked")', "env.process(iter(()), name='p')"]
)
@pytest.mark.parametrize("kind", ["invariant", "final"])
def test_a_property_that_chooses_emits_or_starts_a_process_is_a_model_error(
    model_file, call, kind
) -> None:
    """A property only reads: a choice in one added executions, an emit changed the
    trace it checks, and a process started in one ran into the step watchdog after
    10 s, with a message naming rasmodel's own file."""
    path = model_file(
        f"""
        import rasmodel as rm

        model = rm.Model("property-acts")


        @model.build
        def build(env):
            def p():
                yield env.pause()

            env.process(p(), name="w")
            return env


        @model.{kind}
        def acts(env, params):
            {call}
        """
    )
    proc = run_cli("check", path, "--no-minimize")
    assert proc.returncode == 2, proc.stdout
    assert "model.py:18:" in proc.stderr  # the call in the property
    assert "was called in an invariant or a final property" in proc.stderr
    _no_traceback(proc)
