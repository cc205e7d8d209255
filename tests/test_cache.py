"""The state cache (`--cache on`): its keys tell apart states that can behave
differently, and a search with it reaches the verdicts and final states of one without."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rasmodel as rm
from rasmodel.sim.footprint import Footprint
from rasmodel.sim.statekey import Keying, _Walk
from tests.conftest import EXAMPLES, ROOT, run_cli

MODELS = [
    pytest.param(path, marks=pytest.mark.slow) if path.name == "mce_task_work.py" else path
    for path in sorted(
        [
            *EXAMPLES.glob("*.py"),
            *(ROOT / "tests" / "models" / "soundness").glob("*.py"),
            ROOT / "models" / "mce_task_work.py",  # 5 s with the cache: run with -m slow
        ]
    )
]
PLAIN_TOO_BIG = {"printk_in_nmi.py", "mce_task_work.py"}  # without a reduction


class _Env:
    """Just enough of an Env for keying loose values."""

    def __init__(self) -> None:
        self.footprint = Footprint()


def _key(*values: Any) -> Any:
    return _Walk(Keying(), _Env()).of(values)


def _advanced(gen: Any, steps: int) -> Any:
    for _ in range(steps):
        next(gen)
    return gen


def test_a_loop_at_another_item_of_equal_value_is_another_state() -> None:
    """Only the loop's iterator, on the frame's value stack, knows how far it is."""

    def walk(items: list[int]) -> Any:
        for item in items:  # noqa: UP028 - the loop (its iterator) is the point
            yield item

    items = [5, 5, 7]
    assert _key(_advanced(walk(items), 1)) != _key(_advanced(walk(items), 2))
    assert _key(_advanced(walk(items), 2)) == _key(_advanced(walk(items), 2))


def test_which_locals_are_bound_is_part_of_the_state() -> None:
    def branch(left: bool) -> Any:
        if left:
            a = 1  # noqa: F841 - bound or not is the point
        else:
            b = 1  # noqa: F841
        yield

    assert _key(_advanced(branch(True), 1)) != _key(_advanced(branch(False), 1))


def test_one_list_under_two_names_is_not_two_equal_lists() -> None:
    def hold(p: list[int], q: list[int]) -> Any:
        yield

    shared = [1]
    assert _key(_advanced(hold(shared, shared), 1)) != _key(_advanced(hold([1], [1]), 1))


def test_an_lru_cache_is_keyed_by_its_entries_and_their_order() -> None:
    """A cached result can be stale (the function read state that changed since),
    and a bounded cache evicts by recency: both decide what later calls return."""
    import functools

    table = {"a": 1, "b": 2}

    @functools.cache
    def lookup(name: str) -> int:
        return table[name]

    @functools.lru_cache(maxsize=2)
    def recent(name: str) -> int:
        return table[name]

    empty = _key(lookup, recent)
    lookup("a"), recent("a"), recent("b")
    filled = _key(lookup, recent)
    lookup.cache_clear(), recent.cache_clear()
    table["a"] = 3
    lookup("a"), recent("b"), recent("a")  # a stale 1 before; the other order
    assert len({empty, filled, _key(lookup, recent)}) == 3
    assert _key(recent) != _key(recent.__wrapped__)


def test_closures_are_keyed_by_what_they_captured() -> None:
    def guard(limit: int) -> Any:
        return lambda value: value < limit

    assert _key(guard(1)) != _key(guard(2))
    assert _key(guard(1)) == _key(guard(1))


def _outcome(result: rm.Result) -> tuple[Any, ...]:
    return result.verdicts, result.exhaustive, result.final_states


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_the_cache_changes_no_verdict_and_no_final_state(path: Path) -> None:
    options: dict[str, Any] = {"minimize": False, "collect_states": True, "max_depth": 300}
    reductions = ["dpor"] if path.name in PLAIN_TOO_BIG else ["dpor", "none"]
    baseline = rm.check(str(path), reduction=reductions[-1], **options)
    for reduction in reductions:
        cached = rm.check(str(path), reduction=reduction, cache="on", **options)
        assert _outcome(cached) == _outcome(baseline), reduction
        assert cached.cache == "on"


SEEDS = sorted(p for p in (ROOT / "models").glob("*.py") if p.name != "sea_common.py")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_the_seed_models_are_keyed(path: Path) -> None:
    """Every state of the seed models can be keyed: a key that walked into a proxy's
    class (`types.GenericAlias` forwards `__dict__` to its origin's, which holds a C
    object) once left them all unkeyed, and the cache silently idle."""
    result = rm.check(str(path), cache="on", minimize=False, max_executions=2)
    assert result.stats.keyed > 0 and result.stats.unkeyed == 0


def test_the_cache_cuts_runs_at_explored_states() -> None:
    model = str(ROOT / "benchmarks" / "spin" / "lost_update.py")
    off = rm.check(model, params={"n": 4}, minimize=False)
    on = rm.check(model, params={"n": 4}, minimize=False, cache="on")
    assert on.verdicts == off.verdicts and on.exhaustive
    assert on.stats.cached > 0
    assert on.stats.steps < off.stats.steps


UNKEYABLE = """
import select
import rasmodel as rm

model = rm.Model("unkeyable")


@model.build
def build(env):
    x = env.var("x", 0)

    def worker():
        poller = select.poll()  # a C object that neither pickles nor shows its state
        for _ in range(2):
            x.value += 1
            yield env.pause()
        del poller

    env.process(worker(), name="a")
    env.process(worker(), name="b")
    return x


@model.final
def counted(x, params):
    assert x.value == 4
"""


def test_a_state_it_cannot_key_is_explored_without_it(tmp_path: Path) -> None:
    path = tmp_path / "unkeyable.py"
    path.write_text(UNKEYABLE)
    off = rm.check(str(path), minimize=False, collect_states=True)
    on = rm.check(str(path), minimize=False, collect_states=True, cache="on")
    assert _outcome(on) == _outcome(off)
    assert on.stats.unkeyed > 0 and on.stats.cached == 0
    assert any("could not key" in hint for hint in on.hints)


def test_cli_cache_on_says_so_in_text_and_json() -> None:
    model = str(ROOT / "benchmarks" / "spin" / "lost_update.py")
    proc = run_cli("check", model, "-D", "n=3", "--cache", "on")
    assert proc.returncode == 1
    assert "dfs with dpor, state cache:" in proc.stdout
    assert "cut at explored states" in proc.stdout
    proc = run_cli("check", model, "-D", "n=3", "--cache", "on", "--format", "json")
    document = json.loads(proc.stdout)
    assert document["cache"] == "on" and document["stats"]["cached"] > 0
    assert document["stats"]["keyed"] > 0 and document["stats"]["unkeyed"] == 0
    proc = run_cli("check", model, "--cache", "on", "--preemption-bound", "1", "--format", "json")
    assert json.loads(proc.stdout)["cache"].startswith("off")
    proc = run_cli("check", model, "--cache", "on", "--preemption-bound", "1")
    assert "note: --cache on: not used with a preemption bound." in proc.stdout
    proc = run_cli("check", model, "--cache", "on", "--strategy", "random")
    assert "--cache on: used only by the exhaustive search, not --strategy random" in proc.stdout
    proc = run_cli("check", model, "--cache", "maybe")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


HIDDEN_STATE = """
import rasmodel as rm
import hidden_helper

model = rm.Model("hidden-state")


class Dev:
    errors = 0  # class-level state, a C `static`

    def record(self):
        type(self).errors += 1


@model.build
def build(env):
    Dev.errors = 0
    hidden_helper.reset()
    seen = env.var("seen", 0)
    dev = Dev() if WHERE == "instance" else None

    def worker():
        if env.maybe("error"):
            if WHERE == "instance":
                dev.record()
            elif WHERE == "class":
                Dev.errors += 1  # by its name: no process holds an instance
            else:
                hidden_helper.bump()
        yield env.pause("p")  # the two choices meet here, differing only in hidden state
        seen.value = 1
        yield env.pause("q")
        seen.value = Dev.errors + hidden_helper.read()

    env.process(worker(), name="a")
    return seen


@model.final
def no_error(seen, params):
    assert seen.value == 0
"""

HELPER = """
counts = {"errors": 0}


def reset():
    counts["errors"] = 0


def bump():
    counts["errors"] += 1


def read():
    return counts["errors"]
"""


@pytest.mark.parametrize("where", ["instance", "class", "module"])
def test_state_in_a_class_attribute_or_a_helper_module_is_keyed(tmp_path: Path, where) -> None:
    """State no process holds directly (a class attribute changed through a method,
    a dict in a helper module next to the model) is part of the key: the execution
    with the error must not be cut at the state of the one without."""
    (tmp_path / "hidden_helper.py").write_text(HELPER)
    path = tmp_path / f"hidden_{where}.py"
    path.write_text(HIDDEN_STATE.replace("WHERE", repr(where)))
    off = rm.check(str(path), minimize=False, collect_states=True)
    on = rm.check(str(path), minimize=False, collect_states=True, cache="on")
    assert off.verdicts["no_error"] == "violated"
    assert _outcome(on) == _outcome(off)


@pytest.mark.slow  # three processes
def test_the_cached_search_does_not_depend_on_the_hash_seed() -> None:
    """Sets of strings iterate in another order in every process: keyed in that
    order, equal states missed each other and the counts changed from run to run."""
    import subprocess
    import sys

    code = (
        "import rasmodel as rm; s = rm.check('models/examples/printk_in_nmi.py', "
        "cache='on', minimize=False).stats; print(s.executions, s.cached, s.pruned, s.steps)"
    )
    counts = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(counts) == 1, counts


def test_cross_check_blames_the_cache_for_state_it_cannot_see() -> None:
    model = str(ROOT / "tests" / "models" / "cache_hidden_in_package.py")
    assert rm.check(model, minimize=False).verdicts["never_bumped"] == "violated"
    proc = run_cli("check", model, "--cache", "on", "--cross-check")
    assert proc.returncode == 2
    assert "with dpor and the state cache but violated without" in proc.stderr
    assert "Run it again without --cache on" in proc.stderr and "Traceback" not in proc.stderr


HIDDEN = ROOT / "tests" / "models" / "cache_hidden"
# State a review found the key missed (each file's docstring gives the outcomes):
# the search with the cache must reach the verdicts and final states of plain
# enumeration, which finds each model's violation.
HIDDEN_CASES: list[tuple[str, dict[str, Any]]] = [
    ("global_via_method.py", {}),  # a model-file global changed by a method
    ("global_after_finish.py", {}),  # ... by a process that ended, read by a final check
    ("invariant_memory.py", {}),  # ... only an invariant reads and writes
    ("race_into_global.py", {}),  # ... written or not, by the order of two steps
    ("package_submodule.py", {}),  # a submodule of a package next to the model
    ("helper_behind.py", {"where": "class"}),  # a helper module's class attribute,
    ("helper_behind.py", {"where": "partial"}),  # functools.partial,
    ("helper_behind.py", {"where": "closure"}),  # closure
    ("function_attribute.py", {}),  # fn.calls += 1
    ("lru_cache_state.py", {}),  # what a functools.lru_cache holds
    ("seeded_random.py", {}),  # a random.Random (a class of C code made at run time)
    ("negative_zero.py", {}),  # -0.0 is not 0.0
    ("builtin_by_name.py", {}),  # math.log is not cmath.log
    ("slots_forms.py", {"form": "string"}),  # __slots__ = "count"
    ("slots_forms.py", {"form": "mangled"}),  # __slots__ = ("__count",)
    ("exception_fields.py", {"what": "cause"}),  # an exception's __cause__,
    ("exception_fields.py", {"what": "errno"}),  # and the fields of its C class
    ("container_subclass.py", {"kind": "maxlen"}),  # a deque subclass's maxlen
    ("container_subclass.py", {"kind": "iter"}),  # a list subclass with its own __iter__
    ("code_on_stack.py", {}),  # the generator's own code object in one of its slots
    ("local_import.py", {}),  # a helper module imported in a function body
    ("enum_member_attribute.py", {}),  # an attribute set on an Enum member
    ("namespace_package.py", {}),  # a module of a package without __init__.py
    ("trace_read_order.py", {}),  # the order of emits a process reads in env.trace
    ("final_reads_trace.py", {}),  # ... a final property reads there
    ("runtime_module.py", {}),  # a types.ModuleType made at run time, as a namespace
]


@pytest.mark.parametrize(
    ("name", "params"), HIDDEN_CASES, ids=[f"{n[:-3]}{sorted(p.values())}" for n, p in HIDDEN_CASES]
)
def test_state_the_key_once_missed_is_keyed(name: str, params: dict[str, Any]) -> None:
    path = str(HIDDEN / name)
    options: dict[str, Any] = {"params": params, "minimize": False, "collect_states": True}
    plain = rm.check(path, reduction="none", **options)
    cached = rm.check(path, cache="on", **options)
    assert "violated" in plain.verdicts.values()
    assert _outcome(cached) == _outcome(plain)


def test_equal_states_match_whatever_order_the_locals_were_bound_in() -> None:
    """A generator's locals were keyed in the order its frame's dict listed them,
    which depends on when they were first read: the second execution of
    locals_order.py reaches the state of the first and is cut."""
    result = rm.check(str(HIDDEN / "locals_order.py"), cache="on", minimize=False)
    assert (result.stats.executions, result.stats.cached) == (1, 1)


@pytest.mark.parametrize("spin", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_state_too_deep_to_key_is_explored_without_the_cache(spin: bool) -> None:
    """A chain of 200 objects overflowed the walk (also in the livelock check, which
    keys states with or without the cache): such a state is not keyed. (The walk
    now takes fewer frames per object: a chain of 2,000 overflows it.)"""
    path = str(HIDDEN / "deep_chain.py")
    params = {"spin": spin, "n": 2000}
    plain = rm.check(path, params=params, minimize=False)
    cached = rm.check(path, params=params, cache="on", minimize=False)
    assert cached.verdicts == plain.verdicts
    assert cached.stats.unkeyed > 0


def test_a_bounded_retry_counted_in_a_global_is_no_livelock() -> None:
    """The livelock check keys states too: with the retry counter in a model-file
    global it saw the loop return to a state it had been in, and reported a livelock
    where the loop ends after `limit` polls."""
    path = str(HIDDEN / "bounded_retry_global.py")
    result = rm.check(path, minimize=False)
    assert result.verdicts["livelock"] != "violated"
    assert result.verdicts == rm.check(path, params={"where": "var"}, minimize=False).verdicts
    local = rm.check(str(HIDDEN / "bounded_retry_local_import.py"), minimize=False)
    assert local.verdicts["livelock"] != "violated"  # the counter in a module imported late


MODULE_OBJECTS = """
import logging
import sys
import threading

import rasmodel as rm

log = logging.getLogger(__name__)
LOCK = threading.Lock()
OUT = sys.stderr
model = rm.Model("spins-with-a-logger")


@model.build
def build(env):
    flag = env.var("flag", 0)

    def spinner():
        while flag.value == 0:
            yield env.pause("poll")

    env.process(spinner(), name="spinner")
    return flag
"""


def test_a_lock_a_logger_and_a_stream_at_module_level_are_keyed(tmp_path: Path) -> None:
    """The model's module is part of every key (the livelock check keys states too):
    a lock, a logger or sys.stderr there must not leave the states unkeyed, which
    would turn this real livelock into a bounded search."""
    path = tmp_path / "module_objects.py"
    path.write_text(MODULE_OBJECTS)
    assert rm.check(str(path), minimize=False).verdicts["livelock"] == "violated"
    cached = rm.check(str(path), minimize=False, cache="on", max_depth=50)
    assert cached.stats.keyed > 0 and cached.stats.unkeyed == 0


def test_a_model_that_reads_its_history_is_searched_without_the_cache() -> None:
    """`env.step_index` makes how many steps ran part of the state, which no key
    holds: once an execution reads it, the search starts over without keying (a
    state keyed before the read could have been cut at one with another count)."""
    path = str(ROOT / "tests" / "models" / "soundness" / "step_index_read.py")
    options: dict[str, Any] = {"minimize": False, "collect_states": True}
    cached = rm.check(path, cache="on", **options)
    assert _outcome(cached) == _outcome(rm.check(path, reduction="none", **options))
    assert cached.stats.cached == 0 and cached.stats.keyed == 0 and cached.stats.unkeyed > 0
