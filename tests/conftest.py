"""Shared helpers: write a model file, run the real CLI in a subprocess."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import rasmodel as rm

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "models" / "examples"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m rasmodel ARGS` the way a user would, output piped."""
    env = dict(os.environ, PYTHONHASHSEED="random", COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "rasmodel", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


@pytest.fixture
def model_file(tmp_path: Path):
    """Write model source (dedented) to a file and return its path as a string."""

    def write(source: str, name: str = "model.py") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return str(path)

    return write


@pytest.fixture
def check_source(model_file):
    """Check model source through the Python API."""

    def run(source: str, **options) -> rm.Result:
        return rm.check(model_file(source), **options)

    return run


@functools.cache
def _seed_check(file: str, params: tuple[tuple[str, int], ...]) -> rm.Result:
    return rm.check(str(ROOT / "models" / file), params=dict(params), minimize=False)


@pytest.fixture(scope="session")
def seed_check() -> Callable[..., rm.Result]:
    """`seed_check("sea_direct.py", errors=2)`: the exhaustive check of a seed model
    without minimisation, run once per test session however many tests read it."""

    def check(file: str, **params: int) -> rm.Result:
        return _seed_check(file, tuple(sorted(params.items())))

    return check


SLOW_LOST_UPDATE = """
    import rasmodel as rm

    model = rm.Model("slow-lost-update", params={"n": 7})


    @model.build
    def build(env, n):
        count = env.var("count", 0)

        def worker():
            value = count.value
            yield env.pause()
            count.value = value + 1
            print("worker done", flush=True)

        for i in range(n):
            env.process(worker(), name=f"w{i}")
        return count


    @model.final
    def all_counted(count, params):
        return count.value == params["n"] or f"count is {count.value}"
"""


def stop_midway(args: Sequence[str], signum: int, after: float | None = None) -> tuple[int, str]:
    """Run `rasmodel ARGS` on SLOW_LOST_UPDATE, a search far too long to finish; once
    the model has printed enough to be well past its first violation (or, when the
    prints do not reach us, as from Dask workers, `after` seconds), send `signum`.
    Returns the exit code and stdout."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasmodel", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if after is None else subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, COLUMNS="200"),
    )
    assert proc.stdout is not None
    seen = 0
    while after is None and seen < 300:  # printed on stdout, or on stderr with json
        assert proc.stderr is not None
        line = (proc.stderr if "json" in args else proc.stdout).readline()
        assert line, "the search ended before it was stopped"
        seen += "worker done" in line
    if after is not None:
        time.sleep(after)
    os.kill(proc.pid, signum)
    stdout, _ = proc.communicate(timeout=60)
    return proc.returncode, stdout
