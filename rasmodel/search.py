"""`check()`: explore a model with a strategy, give every property its verdict.

One run decides every selected property: a violated one is not checked further and
the search goes on for the others until each is violated or the search ends. Each
counterexample is minimised and then re-checked by strict replay before it is
returned, so a printed verdict always comes from an execution that was run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasmodel.choices import RUN, Choice
from rasmodel.errors import ModelError, RasmodelError, UsageError
from rasmodel.execution import (
    Execution,
    ExitReason,
    Limits,
    Run,
    Selection,
    Violation,
    execute,
)
from rasmodel.explore.cache import Learned, StateCache
from rasmodel.explore.cycles import Cycles, FairRun
from rasmodel.explore.determinism import Deterministic
from rasmodel.explore.dfs import DepthFirst
from rasmodel.explore.dpor import DporPath, Visibility
from rasmodel.explore.hypothesis import HypothesisSearch
from rasmodel.explore.path import Path
from rasmodel.explore.pct import Pct
from rasmodel.explore.random import RandomWalk
from rasmodel.explore.replay import Replay
from rasmodel.explore.strategy import Strategy
from rasmodel.loader import load_model
from rasmodel.minimize import Minimizer, RunFn
from rasmodel.model import Model
from rasmodel.properties import BUILTIN_PROPERTIES, Kind
from rasmodel.result import Counterexample, PropertyResult, Result, Stats, Verdict
from rasmodel.watchdog import Watchdog

STRATEGIES = ("dfs", "random", "pct", "hypothesis")
RANDOM_EXECUTIONS = 1000  # default --max-executions of the random strategies
REDUCTIONS = ("dpor", "none")
CACHES = ("on", "off")

LIVELOCK_WINDOW = 32
LIVELOCK_SLACK = 4 * LIVELOCK_WINDOW  # steps a livelock check may run past --max-depth

LIVELOCK_HINT = (
    "An execution reached --max-depth ({depth} steps) with {actor} repeating "
    "{label}{at} for its last {window} steps without writing tracked state: a busy-wait "
    "written as a loop of `yield env.pause()` makes executions endless, so the search "
    "stopped here (bounded). Write the wait as `yield env.wait_until(lambda: ...)`: the "
    "process is then enabled only when the condition holds, and a wait that can never end "
    "is reported as a deadlock."
)

LIVELOCK_FOUND_HINT = (
    "An execution reached --max-depth ({depth} steps) spinning, and running on fairly "
    "from where the spin began found the livelock reported: the search stopped there, so "
    "the other verdicts are bounded. If the spin waits for a condition, write it as "
    "`yield env.wait_until(lambda: ...)` (the kernel library's `k.spin_until()`); a "
    "server loop meant to run forever is a daemon (`env.process(..., daemon=True)`)."
)

DEPTH_HINT = (
    "Some executions hit --max-depth ({depth} steps), so the search is bounded. If a "
    "process busy-waits in a loop of `yield env.pause()`, every execution can run forever: "
    "write the wait as `yield env.wait_until(lambda: ...)` so the process is enabled only "
    "when the condition holds (a wait that can never end is then reported as a deadlock). "
    "Otherwise raise --max-depth."
)


CACHE_HINT = (
    "The state cache could not key {unkeyed} state(s) ({reason}); the search went on "
    "from them without the cache, so the verdicts are unaffected, only the time."
)


@dataclass(frozen=True)
class Options:
    """Search options; see `rasmodel check --help` for each."""

    properties: Sequence[str] = ()
    params: Mapping[str, Any] | Sequence[str] = ()
    strategy: str = "dfs"
    reduction: str = "dpor"
    cache: str = "off"
    max_depth: int = 1000
    max_executions: int | None = None
    time_limit: float | None = None
    preemption_bound: int | None = None
    seed: int = 0
    pct_depth: int = 3
    stop_first: bool = False
    minimize: bool = True
    collect_states: bool = False
    minimize_executions: int = 2000
    minimize_seconds: float = 5.0
    step_timeout: float = 10.0
    # Ctrl-C/SIGTERM end the search with what it found (the command line); a library
    # caller gets the KeyboardInterrupt
    keep_on_interrupt: bool = False
    jobs: int = 1  # worker processes (see `parallel`)
    cluster: str | None = None  # a Dask scheduler's address, or "local"

    def validate(self) -> None:
        if self.strategy not in STRATEGIES:
            raise UsageError(
                f"unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}."
            )
        if self.reduction not in REDUCTIONS:
            raise UsageError(
                f"unknown reduction {self.reduction!r}; choose one of {', '.join(REDUCTIONS)}."
            )
        if self.cache not in CACHES:
            raise UsageError(f"unknown cache setting {self.cache!r}; choose on or off.")
        if not isinstance(self.seed, int):
            raise UsageError("--seed must be an integer.")
        if self.pct_depth < 1:
            raise UsageError("--pct-depth must be at least 1.")
        for name in ("max_depth", "max_executions", "preemption_bound"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise UsageError(f"--{name.replace('_', '-')} must be a non-negative integer.")
        if self.max_depth == 0:
            raise UsageError("--max-depth must be at least 1.")
        if self.time_limit is not None and self.time_limit <= 0:
            raise UsageError("--time-limit must be a positive number of seconds.")
        if not isinstance(self.jobs, int) or self.jobs < 1:
            raise UsageError("--jobs must be a positive number of worker processes.")


ProgressFn = Callable[[Stats, int, str], None]


def check(
    model: Model | str,
    *,
    progress: ProgressFn | None = None,
    observer: Callable[[Execution], None] | None = None,
    **options: Any,
) -> Result:
    """Check `model` (a Model or a model file path); see docs/api.md.

    `observer`, if given, is called with every execution the search runs (for tools
    such as the benchmarks' trace counting)."""
    try:
        opts = Options(**options)
    except TypeError as error:
        fields = ", ".join(f.name for f in dataclasses.fields(Options))
        raise UsageError(f"{error}; the options are: {fields}.") from None
    opts.validate()
    if isinstance(model, str):
        model = load_model(model)
    params = model.resolve_params(opts.params)
    names = model.select(opts.properties)
    with Watchdog(opts.step_timeout) as dog:
        kind = Search
        if opts.jobs > 1 or opts.cluster is not None:
            from rasmodel.parallel import ParallelSearch

            kind = ParallelSearch
        search = kind(model, params, names, opts, progress, dog.tick)
        search.observer = observer
        search.watchdog_fired = lambda: dog.fired
        return search.run()


def cross_check(model: Model | str, **options: Any) -> Result:
    """Check with DPOR and with plain enumeration; fail unless both reach the same
    verdicts and the same set of distinct final states. Returns the DPOR result."""
    if isinstance(model, str):
        model = load_model(model)
    options = {**options, "collect_states": True}
    options.pop("reduction", None)
    plain = check(model, reduction="none", **{**options, "cache": "off"})
    if plain.stopped_by in INTERRUPTS:
        return dataclasses.replace(plain, hints=(*plain.hints, CROSS_CHECK_INTERRUPTED))
    reduced = check(model, reduction="dpor", **options)
    decided = {Verdict.HOLDS.value, Verdict.VIOLATED.value}
    cached = reduced.cache == "on"
    label = "dpor and the state cache" if cached else "dpor"
    differences = [
        f"{name} is {reduced.verdicts[name]} with {label} but {verdict} without"
        for name, verdict in plain.verdicts.items()
        if reduced.verdicts.get(name) != verdict and {verdict, reduced.verdicts[name]} == decided
    ]
    if plain.exhaustive and reduced.exhaustive:
        assert plain.final_states is not None and reduced.final_states is not None
        missing = len(plain.final_states - reduced.final_states)
        extra = len(reduced.final_states - plain.final_states)
        if missing or extra:
            differences.append(
                f"{missing} final state(s) are reached only without reduction and {extra} "
                f"only with {label}"
            )
    elif not differences:
        return dataclasses.replace(reduced, hints=(*reduced.hints, _incomplete(plain, reduced)))
    if differences and cached:
        raise CrossCheckFailed(
            f"--cross-check failed for model {model.name!r}: {'; '.join(differences)}. "
            "Run it again without --cache on: if they agree then, the model keeps state "
            "where the state cache cannot see it (docs/cache.md says where it looks), so "
            "the cache cut executions at states that only looked "
            "explored; keep shared state in env.var or env.queue, or leave the cache off. "
            "If they still differ, the message of that run says what to do."
        )
    if differences:
        raise CrossCheckFailed(
            f"--cross-check failed for model {model.name!r}: {'; '.join(differences)}. "
            "The model most likely shares state that is not tracked (a plain list, a "
            "global, an attribute of an object): the reduction cannot see those accesses. "
            "Keep shared state in env.var, env.queue, env.event or SimPy resources; if it "
            "all is tracked, this is a rasmodel bug worth reporting with this model."
        )
    return reduced


def _incomplete(plain: Result, reduced: Result) -> str:
    """The note for a cross-check one of whose searches was cut short."""
    cut = [
        f"the search {label} stopped ({_why(result)}) after {result.stats.executions} executions"
        for label, result in (("without reduction", plain), ("with dpor", reduced))
        if not result.exhaustive
    ]
    return (
        f"--cross-check is incomplete: {' and '.join(cut)}, so only the properties both "
        "searches decided were compared (they agree) and the final states were not. Raise "
        "the bound that stopped it to compare everything."
    )


def _why(result: Result) -> str:
    if result.stopped_by in INTERRUPTS:
        return result.stopped_by
    if result.stopped_by:
        return f"--{result.stopped_by}" if result.stopped_by != "decided" else "--stop-first"
    if result.stats.depth_bound_hit:
        return "--max-depth"
    return "--preemption-bound" if result.bounds.get("preemption_bound") is not None else "a bound"


INTERRUPTS = {"interrupted": 130, "terminated": 143}  # stopped_by -> exit code
INTERRUPTED_MINIMIZE_SECONDS = 2.0  # per counterexample, once the user has asked to stop
CROSS_CHECK_INTERRUPTED = (
    "--cross-check was interrupted during the search without reduction: these are its "
    "results; the search with dpor did not run and nothing was compared."
)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like SIGINT's KeyboardInterrupt."""


class CrossCheckFailed(RasmodelError):
    """DPOR and plain enumeration disagree (exit 2)."""


class Search:
    """One check: the exploration loop and its bookkeeping."""

    def __init__(
        self,
        model: Model,
        params: Mapping[str, Any],
        names: Sequence[str],
        opts: Options,
        progress: ProgressFn | None,
        tick: Callable[[], None],
    ) -> None:
        self.model = model
        self.params = dict(params)
        self.names = list(names)
        self.opts = opts
        self.progress = progress
        self.tick = tick
        self.selection = Selection.of(model, self.names)
        self.found: dict[str, tuple[Execution, Violation, int, float]] = {}
        self.executions = 0
        self.steps = 0
        self.pruned = 0
        self.cached = 0
        self.depth_hits = 0
        self.livelock: str | None = None
        self.final_states: set[Any] = set()
        self.deepest = 0
        self.start = time.monotonic()
        self.last_report = 0.0
        self.observer: Callable[[Execution], None] | None = None
        self.final_stats = Stats()
        self.stable = False
        self._narrowed: tuple[frozenset[str], Selection] | None = None  # see `_selection`
        self.notes: list[str] = []  # for the result's hints, from how the search was set up
        self.watchdog_fired: Callable[[], bool] = lambda: False
        self.interrupted = False  # by Ctrl-C or SIGTERM: finish quickly
        self.strategy: Strategy | None = None

    def run(self) -> Result:
        strategy = self.strategy = self._make_strategy()
        stopped_by = self._explore(strategy)
        self.interrupted = stopped_by in INTERRUPTS
        seconds = time.monotonic() - self.start
        exhaustive = strategy.exhaustive and stopped_by in (None, "decided")
        if stopped_by == "decided":
            exhaustive = False
        cache = getattr(getattr(strategy, "path", None), "cache", None)
        stats = Stats(
            self.executions,
            self.steps,
            seconds,
            self.pruned,
            self.deepest,
            self.depth_hits,
            self.cached,
            cache.keyed if cache else 0,
            cache.unkeyed if cache else 0,
        )
        self.final_stats = stats
        if self.progress is not None:
            self.progress(stats, self.deepest, "done")
        results = tuple(self._verdict(name, exhaustive, seconds) for name in self.names)
        if self.livelock is not None:
            hints: tuple[str, ...] = (self.livelock,)
        elif self.depth_hits:
            hints = (DEPTH_HINT.format(depth=self.opts.max_depth),)
        else:
            hints = ()
        if cache is not None and cache.unkeyed:
            hints += (CACHE_HINT.format(unkeyed=cache.unkeyed, reason=cache.reason),)
        unused = self._cache_unused() if cache is None else None
        if unused:
            hints += (f"--cache on: {unused}.",)
        hints += tuple(self.notes)
        setting = "on" if cache is not None else f"off ({unused})" if unused else "off"
        return Result(
            self.model.name,
            self.model.path or "",
            self.params,
            strategy.name,
            self.opts.reduction,
            {
                "max_depth": self.opts.max_depth,
                "max_executions": self.opts.max_executions,
                "time_limit": self.opts.time_limit,
                "preemption_bound": self.opts.preemption_bound,
                "seed": self.opts.seed if self.opts.strategy != "dfs" else None,
                "pct_depth": self.opts.pct_depth if self.opts.strategy == "pct" else None,
            },
            exhaustive,
            stats,
            results,
            stopped_by,
            hints,
            frozenset(self.final_states) if self.opts.collect_states else None,
            setting,
        )

    def _make_strategy(self) -> Strategy:
        key = f"{self.model.path}:{self.model.name}:{sorted(self.params.items())}"
        return make_strategy(self.opts, self.selection, key)

    def _cache_unused(self) -> str | None:
        """Why `--cache on` was asked for and not used, if it was."""
        if self.opts.cache != "on":
            return None
        if self.opts.strategy != "dfs":
            return f"used only by the exhaustive search, not --strategy {self.opts.strategy}"
        if self.opts.preemption_bound is not None:
            return "not used with a preemption bound"
        return None

    # ---------------------------------------------------------------- search
    def _stopper(self) -> tuple[Callable[[], bool], list[str]]:
        """A strategy's `stop()`, and the list where it keeps the first reason it gave."""
        stopped: list[str] = []

        def stop() -> bool:
            reason = self._stop_reason()
            if reason is not None and not stopped:
                stopped.append(reason)
            return reason is not None

        return stop, stopped

    def _explore(self, strategy: Strategy) -> str | None:
        """Let the strategy run executions until it is done or a limit is reached;
        returns what stopped it (None: the strategy was done)."""
        stop, stopped = self._stopper()
        self.stable = getattr(strategy, "stable", False)
        first = self._selection()  # the determinism check re-runs the first execution
        try:
            Deterministic(strategy, lambda run: self._run(run, first)).explore(self._execute, stop)
        except KeyboardInterrupt as signal:
            if self.watchdog_fired() or not self.opts.keep_on_interrupt:
                raise  # the watchdog's (a step that never yields), or not ours to keep
            # Ctrl-C or SIGTERM: what was found so far is the result (the execution
            # under way is dropped: it was neither accounted nor analysed).
            return "terminated" if isinstance(signal, Terminated) else "interrupted"
        return stopped[0] if stopped else None

    def _stop_reason(self) -> str | None:
        opts = self.opts
        if opts.max_executions is not None and self.executions >= opts.max_executions:
            return "max-executions"
        if opts.time_limit is not None and time.monotonic() - self.start >= opts.time_limit:
            return "time-limit"
        if self.found and self._decided():
            return "decided"
        if self.found and opts.stop_first:
            return "stop-first"
        if self.livelock is not None:
            return "livelock"
        return None

    def _decided(self) -> bool:
        return len(self.found) == len(self.names) and not self.opts.collect_states

    def _selection(self) -> Selection:
        """What the next execution checks: the properties not yet violated, or all of
        them for a strategy whose executions must depend on their choices alone."""
        if self.stable or not self.found:
            return self.selection
        decided = frozenset(self.found)
        if self._narrowed is None or self._narrowed[0] != decided:
            self._narrowed = (decided, self.selection.without(set(decided)))
        return self._narrowed[1]

    def _execute(self, run: Run) -> Execution:
        """One execution of the search, accounted and recorded."""
        execution = self._run(run, self._selection())
        now = time.monotonic()
        if self.progress is not None and now - self.last_report > 0.1:
            self.last_report = now
            stats = Stats(
                self.executions, self.steps, now - self.start, self.pruned, cached=self.cached
            )
            self.progress(stats, len(execution.steps), self._estimate())
        self._account(execution)
        return execution

    def _estimate(self) -> str:
        """What is left of an exhaustive search, estimated from the path (see
        `Path.explored_fraction`); empty for strategies without one."""
        path = getattr(self.strategy, "path", None)
        if not isinstance(path, Path) or self.executions < 10:
            return ""
        fraction = path.explored_fraction()
        if fraction <= 0:
            return ""
        left = self.executions * (1 - fraction) / fraction
        return f"~{fraction:.0%} explored, ~{left:,.0f} executions left (estimate)"

    def _run(self, run: Run, selection: Selection, **limits: Any) -> Execution:
        self.tick()
        limits.setdefault("stop_when_decided", not (self.opts.collect_states or self.stable))
        limits.setdefault("max_depth", self.opts.max_depth)
        return execute(self.model, self.params, selection, run, Limits(**limits))

    def _rerun(self, name: str, selection: Selection, **limits: Any) -> RunFn:
        """How the counterexample of `name` is re-run (minimised, replayed): a livelock's
        with its loop checked, and room past --max-depth to close it."""
        if name != "livelock":
            return lambda run: self._run(run, selection, **limits)
        depth = self.opts.max_depth + LIVELOCK_SLACK
        return lambda run: self._run(Cycles(run), selection, max_depth=depth, **limits)

    def _confirm_livelock(self, execution: Execution) -> None:
        """Run on fairly from the last write of a depth-cut execution whose tail only
        spins: a fair loop found there is the `livelock` violation (explore.cycles)."""
        if "livelock" not in self.names or "livelock" in self.found:
            return
        if self.opts.preemption_bound is not None:
            return  # going round a loop forever would exceed any bound
        writes = [step.index for step in execution.steps if step.writes]
        prefix = _choices_before(execution.choices, writes[-1] + 1 if writes else 0)
        selection = Selection.of(self.model, ["livelock"])
        confirmation = self._rerun("livelock", selection)(FairRun(prefix))
        self.executions += 1
        self.steps += len(confirmation.steps)
        for violation in confirmation.violations:
            elapsed = time.monotonic() - self.start
            self.found["livelock"] = (confirmation, violation, self.executions, elapsed)
            self.livelock = LIVELOCK_FOUND_HINT.format(depth=self.opts.max_depth)

    def _account(self, execution: Execution) -> None:
        if self.observer is not None:
            self.observer(execution)
        length = len(execution.steps)
        self.steps += length
        self.deepest = max(self.deepest, length)
        if execution.reason is ExitReason.PRUNED:
            self.pruned += 1
        elif execution.reason is ExitReason.CACHED:
            self.cached += 1
        else:
            self.executions += 1
        if self.opts.collect_states and execution.final_state is not None:
            self.final_states.add(execution.final_state)
        if execution.reason is ExitReason.DEPTH:
            self.depth_hits += 1
            if self.livelock is None:
                self.livelock = _livelock(execution, self.opts.max_depth)
                if self.livelock is not None:
                    self._confirm_livelock(execution)
        elapsed = time.monotonic() - self.start
        for violation in execution.violations:  # the first execution to violate each
            if violation.property not in self.found:
                self.found[violation.property] = (execution, violation, self.executions, elapsed)

    # -------------------------------------------------------------- verdicts
    def _verdict(self, name: str, exhaustive: bool, seconds: float) -> PropertyResult:
        prop = self.model.properties.get(name)
        kind = prop.kind.value if prop else Kind.BUILTIN.value
        description = prop.description if prop else _BUILTIN_DESCRIPTIONS[name]
        if name in self.found:
            execution, violation, count, at = self.found[name]
            cex = self._counterexample(name, execution, violation)
            return PropertyResult(
                name, kind, description, Verdict.VIOLATED, count, at, cex.message, cex
            )
        verdict = Verdict.HOLDS if exhaustive else Verdict.NO_VIOLATION_FOUND
        return PropertyResult(name, kind, description, verdict, self.executions, seconds)

    def _minimize(
        self, name: str, execution: Execution, violation: Violation, selection: Selection
    ) -> tuple[tuple[Choice, ...] | None, str]:
        """The minimised choices and how minimal they are; after Ctrl-C, only what a
        short budget allows, and None (keep it as found) if interrupted again."""
        if self.progress is not None:
            self.progress(self.final_stats, len(execution.steps), f"minimising {name}")
        # At most about the search's own time (a quick search is not followed by a
        # long minimisation), and never more than the configured budget.
        seconds = min(self.opts.minimize_seconds, max(1.0, self.final_stats.seconds))
        if self.interrupted:
            seconds = min(seconds, INTERRUPTED_MINIMIZE_SECONDS)
        minimizer = Minimizer(
            self._rerun(name, selection),
            name,
            max_executions=self.opts.minimize_executions,
            seconds=seconds,
            bounding=name != "livelock",  # a fair loop takes the switches it takes
        )
        try:
            choices = minimizer.minimize(execution, violation).choices
        except KeyboardInterrupt:
            if self.watchdog_fired() or not self.opts.keep_on_interrupt:
                raise
            self.interrupted = True
            return None, "not minimised (interrupted)"
        if not minimizer.cut_short:
            return choices, "minimal"
        return choices, (
            f"minimisation cut short by its budget ({self.opts.minimize_executions:,} "
            f"executions or {seconds:g} s): a simpler one may exist"
        )

    def _counterexample(
        self, name: str, execution: Execution, violation: Violation
    ) -> Counterexample:
        selection = Selection.of(self.model, [name])
        choices = execution.choices[: violation.prefix]
        minimization = "not minimised (--no-minimize)"
        if self.opts.minimize:
            minimized, minimization = self._minimize(name, execution, violation, selection)
            choices = minimized or choices
        try:
            replayed = self._rerun(name, selection, record_where=True, stop_after=len(choices))(
                Replay(choices)
            )
        except KeyboardInterrupt:  # a second Ctrl-C: keep it as found
            if self.watchdog_fired() or not self.opts.keep_on_interrupt:
                raise
            self.interrupted = True
            replayed, minimization = execution, "not minimised (interrupted)"
        confirmed = next((v for v in replayed.violations if v.property == name), None)
        prop = self.model.properties.get(name)
        observes = prop.reads_emits if prop is not None else frozenset()
        whole_end = name == "deadlock" or (prop is not None and prop.kind is Kind.FINAL)
        if prop is not None and prop.kind is Kind.TRACE and confirmed is not None:
            at = confirmed.step
            emits = replayed.steps[at].emits if 0 <= at < len(replayed.steps) else frozenset()
            whole_end = not emits or (observes is not None and emits.isdisjoint(observes))
        if confirmed is None:
            raise ModelError(
                f"the counterexample for {name!r} did not reproduce when replayed.",
                where=self.model.defined_at,
                hint="The model is probably nondeterministic (random, time, set order, or "
                "state outside env.var); run with --reduction none to confirm.",
            )
        return Counterexample(
            self.model.path or "",
            self.model.name,
            self.params,
            name,
            confirmed.message,
            replayed.choices,
            replayed,
            minimization=minimization,
            step=-1 if whole_end else confirmed.step,
            observes=observes,
            reads=confirmed.reads,
        )


_BUILTIN_DESCRIPTIONS = {
    "deadlock": "no execution ends with a non-daemon process blocked",
    "assertion": "no process raises AssertionError",
    "exception": "no process raises any other exception",
    "livelock": "no process spins forever where nothing can end the spin (a fair endless loop)",
}
assert set(_BUILTIN_DESCRIPTIONS) == set(BUILTIN_PROPERTIES)


def _choices_before(choices: Sequence[Choice], step: int) -> tuple[Choice, ...]:
    """The choices made before step number `step` ran (its scheduling choice excluded)."""
    runs = 0
    for index, choice in enumerate(choices):
        if choice.kind == RUN:
            if runs == step:
                return tuple(choices[:index])
            runs += 1
    return tuple(choices)


def _livelock(execution: Execution, depth: int) -> str | None:
    """The hint for an execution cut by depth whose tail only spins without writing."""
    tail = execution.steps[-LIVELOCK_WINDOW:]
    if len(tail) < LIVELOCK_WINDOW:
        return None
    if any(step.writes for step in tail):
        return None
    last = tail[-1]
    at = f" at {execution.cut_at}" if execution.cut_at else ""
    return LIVELOCK_HINT.format(
        depth=depth, actor=last.actor, label=last.label, at=at, window=LIVELOCK_WINDOW
    )


def make_strategy(opts: Options, selection: Selection, key: str = "") -> Strategy:
    """The strategy object for `--strategy` and `--reduction`."""
    budget = opts.max_executions if opts.max_executions is not None else RANDOM_EXECUTIONS
    if opts.strategy == "random":
        return RandomWalk(seed=opts.seed, max_executions=budget)
    if opts.strategy == "pct":
        return Pct(seed=opts.seed, max_executions=budget, depth=opts.pct_depth)
    if opts.strategy == "hypothesis":
        return HypothesisSearch(seed=opts.seed, max_executions=budget, key=key)

    learned = Learned()  # shared by the caches of the search's restarts

    def cache() -> StateCache | None:  # the path drops it under a preemption bound
        return StateCache(learned) if opts.cache == "on" else None

    if opts.reduction == "none":
        return DepthFirst(
            preemption_bound=opts.preemption_bound, path=lambda bound: Path(bound, cache())
        )
    visibility = Visibility.of(selection)
    return DepthFirst(
        preemption_bound=opts.preemption_bound,
        path=lambda bound: DporPath(bound, visibility, cache()),
    )


def replay(
    model: Model,
    params: Mapping[str, Any],
    prop: str,
    choices: Sequence[Any],
    *,
    steps: int | None = None,
    max_depth: int = 100000,
) -> Execution:
    """Re-run a recorded choice sequence and re-check `prop`, completing the execution
    with the default schedule past its end. With `steps` (how many steps the
    recorded execution took), choices that run out before that many steps is a
    sequence that does not fit (ReplayMismatch), not a fixed design."""
    selection = Selection.of(model, model.select([prop]))
    run: Run = Replay(choices, steps=steps)
    if prop == "livelock":  # its loop is checked, within a few rounds past the choices
        run = Cycles(run)
        max_depth = min(max_depth, (steps or len(choices)) + LIVELOCK_SLACK)
    limits = Limits(max_depth, record_where=True)
    with Watchdog(10.0):
        return execute(model, params, selection, run, limits)
