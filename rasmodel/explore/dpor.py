"""Dynamic partial-order reduction: optimal without a bound, source sets with one.

Stateless DFS explores only the scheduling options that races ask for. After each
execution, every pair of racing steps (see `happens_before`) is reversed at the
branch point before the first step. Without a bound the whole order that reverses
it goes into that branch's wakeup tree (optimal DPOR, see `wakeup`: one execution
per Mazurkiewicz trace); with one, an actor that can start the reversed order is
added unless one is already there (source-DPOR: Abdulla, Aronis, Jonsson and
Sagonas, POPL 2014, Algorithm 1). Sleep sets (Godefroid, LNCS 1032, 1996) stop an
actor from being explored again below a sibling it commutes with; an execution in
which every enabled actor sleeps is cut short ("pruned").

Dependence comes from footprints of tracked state, made *visible* for what the
selected properties observe: emitted events conflict where a trace property's verdict
depends on their order (`properties.Ordering`: `before`, `after` and trace functions;
`never`, `eventually` and `at_most_once` depend on no order), and writes to state an
invariant reads conflict with each other (an invariant must see every order of those
writes).

With a preemption bound the unit of reordering is a *run*: the steps an actor takes
from when it is scheduled until it blocks, ends, or is preempted. A run that ends
in a preemption costs one, whatever runs around it, so two orders of independent
runs cost the same and sleep sets stay sound; that is why reducing over steps (where
the cost of a step depends on which actor ran before it) is not (Coons, Musuvathi
and McKinley, OOPSLA 2013, weaken DPOR to restore it; Marmanis, Kokologiannakis and
Vafeiadis, TACAS 2023, bound the trace instead). Where the running actor could go on,
the search always tries both: going on (free) and, while preemptions are left,
preempting it for an actor the reduction picks. So every execution with at most k
preemptions is covered by an explored one, and only such executions are explored.
Without a bound every step is a run of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rasmodel.choices import RUN, Point
from rasmodel.execution import Execution, ExitReason, Prune, Selection
from rasmodel.explore.cache import StateCache
from rasmodel.explore.happens_before import ENDS, Access, HappensBefore, independent
from rasmodel.explore.path import Branch, Path, Touched
from rasmodel.explore.wakeup import WakeupNode, WakeupSequence, covered_by_sleep, insert
from rasmodel.properties import Ordering
from rasmodel.sim.env import EVENTS_KEY, HISTORY_KEY, TIMERS_KEY, Env
from rasmodel.sim.footprint import process_key
from rasmodel.sim.process import Step

_NONE: frozenset[str] = frozenset()
TRACE_KEY = "@trace"
VISIBLE_KEY = "@visible"


@dataclass
class Visibility:
    """What the selected properties observe, turning raw footprints into accesses."""

    orders: tuple[Ordering, ...] = ()  # orders of emits trace properties depend on
    observed: set[str] = field(default_factory=set)  # keys invariants read
    timers: bool = False  # the order of events scheduled for later matters
    events: bool = False  # the model reads the trace: the order of every emit matters
    history: bool = False  # the model reads how many steps ran: every order matters

    @classmethod
    def of(cls, selection: Selection) -> Visibility:
        """What `selection`'s trace properties observe, before any execution ran."""
        orders = dict.fromkeys(order for prop in selection.traces for order in prop.orders)
        return cls(tuple(orders))

    def learn(self, execution: Execution) -> bool:
        """Take in what an execution showed is observed; True when that grew."""
        grown = (
            not execution.observed <= self.observed
            or (execution.timer_order and not self.timers)
            or (execution.trace_read and not self.events)
            or (execution.history_read and not self.history)
        )
        self.observed |= execution.observed
        self.timers = self.timers or execution.timer_order
        self.events = self.events or execution.trace_read
        self.history = self.history or execution.history_read
        return grown

    def access(self, step: Step) -> Access:
        reads, writes = step.reads, step.writes
        extra = []
        if step.timers and self.timers:
            extra.append(TIMERS_KEY)
        if step.emits and self.events:
            extra.append(EVENTS_KEY)
        if self.history:
            extra.append(HISTORY_KEY)
        if step.emits and self.orders:
            emitted = self._emits(step.emits)
            extra.extend(emitted[1])
            if emitted[0]:
                reads = reads.union(emitted[0])
        observed = self.observed  # invariants read these (the timers, say)
        if observed and not (writes.isdisjoint(observed) and observed.isdisjoint(extra)):
            extra.append(VISIBLE_KEY)
        if step.failed:
            extra.append(ENDS)  # see `wakeup.WakeupSequence.after`
        if extra:
            writes = writes.union(extra)
        causes = (step.cause,) if step.cause >= 0 else ()
        if step.left_guard is None:
            return Access(step.actor, reads, writes, causes, step.time, step.guard)
        # An interrupt ended its wait_until: it could have passed the guard instead, so
        # it is not enabled by the interrupter, and it races like a guard step.
        guard = step.left_guard | (step.guard or frozenset())
        return Access(step.actor, reads, writes, causes, step.time, guard, False, ())

    def _emits(self, kinds: frozenset[str]) -> tuple[list[str], list[str]]:
        """The keys of `self.orders` that emitting `kinds` reads and writes: each
        ordering is a key that its `then` kinds write and its `first` kinds read."""
        reads: list[str] = []
        writes: list[str] = []
        for index, order in enumerate(self.orders):
            if order.then is None or not kinds.isdisjoint(order.then):
                writes.append(f"{TRACE_KEY}{index}")
            elif not kinds.isdisjoint(order.first):
                reads.append(f"{TRACE_KEY}{index}")
        return reads, writes


@dataclass(slots=True)
class _Run:
    """The steps one actor took between two scheduling points of the reduction."""

    node: int  # the branch where the run began
    actor: str
    steps: list[Access] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)  # the branch before each step
    tail: frozenset[str] = frozenset()  # what decided where the run could go on

    def access(self, run_of: list[int], index: int) -> Access:
        """One access for the whole run (run number `index`); causes are renumbered
        from steps to runs, its own steps left out."""
        first = self.steps[0]
        if len(self.steps) == 1:
            reads, writes, guard = first.reads | self.tail, first.writes, first.guard
        else:
            reads = self.tail.union(*(s.reads for s in self.steps))
            writes = frozenset().union(*(s.writes for s in self.steps))
            guards = [s.guard for s in self.steps if s.guard is not None]
            guard = frozenset().union(*guards) if guards else None
        causes = {run_of[c] for s in self.steps for c in s.causes} - {index}
        enabled_by = tuple(sorted({run_of[c] for c in first.enablers()} - {index}))
        return Access(
            self.actor, reads, writes, tuple(sorted(causes)), first.time, guard, False, enabled_by
        )


class DporPath(Path):
    """A path that adds branch options from races instead of trying every enabled actor."""

    def __init__(
        self, bound: int | None, visibility: Visibility, cache: StateCache | None = None
    ) -> None:
        super().__init__(bound, cache)
        self.visibility = visibility
        self.runs: list[_Run] = []
        self.run_of: list[int] = []  # for each step, the run it belongs to
        self.sleepers: dict[str, Touched] = {}  # asleep while the current run goes on
        self.woken: list[tuple[int, str, Touched]] = []  # (run, sleeper its write woke)
        self.fresh_branch = 0  # branches below this index replay an analysed prefix
        self.fresh_run = 0
        # Without a bound, the runs of the last execution that the next one replays
        # whole (with their chooses) are kept, and not recorded again as they replay:
        # `kept` of them, their branches below `kept_pos`.
        self.kept = 0
        self.kept_pos = 0
        self.analysed = 0  # executions whose races were analysed
        self.order: HappensBefore | None = None  # the last one's, for its prefix
        self.exported: list[Reversal] = []  # reversals below `floor` (explore.units)

    # ------------------------------------------------------------ scheduling
    def begin(self) -> None:
        kept = self.kept
        self.runs = self.runs[:kept]
        self.run_of = self.run_of[:kept]
        self.woken = [woken for woken in self.woken if woken[0] < kept]
        self.sleepers = {}
        self.fresh_run = -1

    def choose(self, point: Point) -> int:
        if self.pos and point.current_reads and self.bound is not None:
            self._read_at_end(point)
        return super().choose(point)

    def _read_at_end(self, point: Point) -> None:
        """With a bound, whether the running actor can go on at `point` (its run
        ends here for free, or only by a preemption) is decided by what its
        wait_until guard reads: a read of its run. A step that writes it decides
        what a preemption costs, so it does not commute with the run."""
        run = self.runs[-1]
        if point.current != run.actor:
            return
        run.tail = run.tail | point.current_reads
        for actor, (_reads, writes) in list(self.sleepers.items()):
            if not writes.isdisjoint(point.current_reads):
                del self.sleepers[actor]

    def entered(self, pos: int, branch: Branch) -> None:
        if pos < self.kept_pos:
            return  # a kept run replays: recorded last time
        self._note_fresh(pos)  # the run going on here, or cut short here, is new
        if branch.kind != RUN:
            return
        actor = branch.chosen
        if not self.runs or self._free(branch) or actor != branch.last:
            self._start_run(pos, branch, actor)
        self.runs[-1].nodes.append(pos)

    def _free(self, branch: Branch) -> bool:
        """A branch where the reduction picks who runs (a run may begin); in a bounded
        search, not where the running actor goes on."""
        return self.bound is None or not branch.running

    def _start_run(self, index: int, branch: Branch, actor: str) -> None:
        self.runs.append(_Run(index, actor))
        if len(self.runs) > 1:
            self._close(len(self.runs) - 2)
        candidates = dict(branch.sleep)
        for other in branch.order[: branch.pos]:
            if other in branch.footprints:  # explored here (not skipped as asleep)
                candidates[other] = branch.footprints[other]
        self.sleepers = candidates

    def _close(self, index: int) -> None:
        """Record what run `index` touched at the branch where it began, for the sleep
        sets of the actors explored there later; and at each branch where it went on,
        what it touched from there (while it is preempted there, it sleeps as long as
        what runs instead commutes with the rest of its run)."""
        if index < self.kept:
            return  # replayed whole: closed the same when it first ran
        run = self.runs[index]
        reads: frozenset[str] = run.tail
        writes: frozenset[str] = frozenset()
        for node, step in zip(reversed(run.nodes), reversed(run.steps), strict=True):
            reads, writes = reads | step.reads, writes | step.writes
            branch = self.branches[node]
            before_reads, before_writes = branch.footprints.get(run.actor, (_NONE, _NONE))
            branch.footprints[run.actor] = (before_reads | reads, before_writes | writes)

    def _note_fresh(self, index: int) -> None:
        """Races are analysed from the first run that differs from the last
        execution's (its earlier runs' races were analysed then)."""
        if self.fresh_run < 0 and index >= self.fresh_branch:
            self.fresh_run = max(len(self.runs) - 1, 0)

    def backtrack(self) -> bool:
        if not super().backtrack():
            return False
        self.fresh_branch = fresh = len(self.branches) - 1
        runs, kept = self.runs, 0
        if self.bound is None:  # a run is one step: a whole replay keeps its record
            while kept + 1 < len(runs) and runs[kept + 1].node <= fresh:
                kept += 1
        self.kept = kept
        self.kept_pos = runs[kept].node if kept else 0
        return True

    def asleep(self) -> frozenset[str]:
        return frozenset(self.sleepers)

    def open(self, pos: int, point: Point) -> Branch:
        if point.kind != RUN:
            return super().open(pos, point)
        sleep = dict(self.sleepers)
        awake = [actor for actor in point.options if actor not in sleep]
        last = point.current
        branch = Branch(point, [], self.preemptions_before(pos), sleep=sleep)
        if self.bound is None:
            for node in self._inherited(pos):  # follow the wakeup tree first
                if node.actor in awake:
                    if node.actor not in branch.wakeup:
                        branch.order.append(node.actor)
                        branch.wakeup[node.actor] = []
                    branch.wakeup[node.actor].append(node)
            if branch.order:
                return branch
        if self._free(branch):
            if not awake:
                raise Prune
            first = last if last is not None and last in awake else awake[0]
            branch.order.append(first)
            branch.wakeup[first] = [WakeupNode(first, None)]
            return branch
        branch.order.append(last)  # going on is always tried
        others = [actor for actor in awake if actor != last]
        if others and not self.spent(branch):
            branch.order.append(others[0])  # and so is a preemption, while one is left
        return branch

    def _inherited(self, pos: int) -> list[WakeupNode]:
        """The wakeup tree of the scheduling point at `pos`: what follows the node the
        last scheduling point took, if the choices since are the ones it recorded."""
        if not self.runs:
            return []
        node = self.runs[-1].node
        branch = self.branches[node]
        options = self._options_between(node, pos)
        for taken in branch.wakeup.get(branch.chosen, ()):
            if taken.options == options:
                return taken.children
        return []

    def on_step(self, step: Step, env: Env) -> None:
        super().on_step(step, env)
        if self.depth <= self.kept:
            return  # a step of a kept run (`depth` counts this one)
        access = self.visibility.access(step)
        self.runs[-1].steps.append(access)
        self.run_of.append(len(self.runs) - 1)
        if self.sleepers:
            run = len(self.runs) - 1
            for actor, touched in list(self.sleepers.items()):
                if not independent(touched, access):
                    del self.sleepers[actor]
                    if not touched[0].isdisjoint(access.writes):
                        self.woken.append((run, actor, touched))

    # ------------------------------------------------------------ races
    def on_end(self, execution: Execution) -> None:
        """Add, for every race of the execution, an actor that reverses it.

        Steps that never ran (processes still enabled when a step failed or a bound
        cut the execution) take part as steps that conflict with everything, and
        guards still waiting as reads of their keys: the execution is analysed as if
        it were maximal. When invariants turn out to read keys they were not known to
        read (or the order of timers turns out to be observed: a callback on a timer,
        `env.peek()`), the accesses of this execution are rebuilt with them if it is
        the first; otherwise earlier executions were analysed without them, and the
        search starts over (`restart`)."""
        super().on_end(execution)
        if self.restart:
            return
        if self.visibility.learn(execution):
            if self.analysed:
                self.restart = True
                return
            self._rebuild(execution)
        self.analysed += 1
        if not self.runs:
            return
        self._close(len(self.runs) - 1)
        if self.bound is None and all(len(run.steps) == 1 for run in self.runs):
            accesses = [run.steps[0] for run in self.runs]  # runs are steps: as they are
        else:
            accesses = [run.access(self.run_of, index) for index, run in enumerate(self.runs)]
        time = accesses[-1].time
        pruned = execution.reason is ExitReason.PRUNED
        cached = execution.reason is ExitReason.CACHED
        if cached:
            self._explore_all()
        for pending in execution.pending:
            if cached or pruned and pending.enabled:
                continue  # asleep: what it does from here was explored elsewhere
            keys = pending.guard or frozenset()
            wild, partial = pending.enabled, not pending.enabled
            accesses.append(
                Access(pending.actor, keys, _NONE, (), time, pending.guard, wild, partial=partial)
            )
        ran = len(self.runs)
        order = self.order = HappensBefore(accesses, ran, self.order)
        start = self.fresh_run if self.fresh_run >= 0 else ran
        options = self._run_options()
        for i, j in order.races(start):
            if i < ran and not self._stays_blocked(order, i, j):
                reversal = WakeupSequence(order.notdep(i, j), order, options, order.steps[i])
                self._reverse(i, reversal)
        for run, actor, (reads, writes) in self.woken:
            step = Access(actor, reads, writes, time=accesses[run].time)
            for sequence in order.displaced_races(run, step):
                if sequence[-1] >= start:
                    self._reverse(run, WakeupSequence(sequence, order, options, step))

    def _stays_blocked(self, order: HappensBefore, i: int, j: int) -> bool:
        """Whether reversing the race of step `i` with `j`, a guard still waiting when
        the execution ended, cannot let that guard pass, so that the reversal would
        only be a run cut short by sleep sets.

        A step `i` that never ran has nothing to reverse. Without a bound: when the
        guard's actor took no step from `i` on and was not enabled at the branch of
        `i`, it waited in the same `wait_until` there, whose guard was false. The
        reversed order runs, from that branch, only steps that do not depend on `i`
        before evaluating the guard again; if none of them writes a key any
        evaluation of the guard read (or its process), and simulated time does not
        move, the guard reads what it read there and is false again."""
        if i >= order.real:
            return True
        steps = order.steps
        step = steps[j]
        if not step.partial or not step.guard or self.bound is not None:
            return False
        actor = step.actor
        branch = self.branches[self.runs[i].node]
        if branch.kind != RUN or actor in branch.offered:
            return False
        if any(steps[k].actor == actor for k in range(i, order.real)):
            return False
        keys = step.guard | {process_key(actor)}
        time = steps[i].time
        return all(
            steps[k].time == time and not steps[k].wild and steps[k].writes.isdisjoint(keys)
            for k in order.notdep(i, j)[:-1]
        )

    def _explore_all(self) -> None:
        """The execution reached a state explored before, so the races of what follows
        it are not known here: every scheduling point on the path explores every actor
        not asleep there (see `explore.cache`)."""
        for branch in self.branches:
            if branch.kind != RUN:
                continue
            for actor in branch.offered:
                if actor not in branch.wakeup and actor not in branch.sleep:
                    branch.order.append(actor)
                    branch.wakeup[actor] = [WakeupNode(actor, None)]

    def _run_options(self) -> list[tuple[int, ...]]:
        """For each run, the options its `choose`s took (the branches after its first)."""
        starts = [run.node for run in self.runs] + [len(self.branches)]
        return [self._options_between(a, b) for a, b in zip(starts, starts[1:], strict=False)]

    def _options_between(self, start: int, end: int) -> tuple[int, ...]:
        """The options the `choose`s between branch `start` (a run's first) and `end` took."""
        return tuple(b.chosen for b in self.branches[start + 1 : end] if b.kind != RUN)

    def _rebuild(self, execution: Execution) -> None:
        """The first execution's accesses and footprints, with what invariants were
        seen to read (no sleep set was computed from them yet)."""
        for run in self.runs:
            run.steps = []
        for step, run_index in zip(execution.steps, self.run_of, strict=False):
            self.runs[run_index].steps.append(self.visibility.access(step))
        for index, run in enumerate(self.runs[:-1]):
            self.branches[run.node].footprints.pop(run.actor, None)
            self._close(index)

    def _reverse(self, run: int, sequence: WakeupSequence) -> None:
        """Make the search explore `sequence` from the branch where `run` began:
        without a bound, as a whole (optimal DPOR, see `wakeup`); with one, by adding
        an actor that can start it (source-DPOR), unless one is there already. Below
        the floor of a split search the branch belongs to the coordinator, which
        applies the reversal in the order a single search would (`explore.units`)."""
        level = self.runs[run].node
        branch = self.branches[level]
        if self.bound is None:
            if covered_by_sleep(branch, sequence):
                return  # the same below the floor: its sleep set and siblings are fixed
            if level >= self.floor:
                insert(branch, sequence)
                return
            reversal = Reversal(level, sequence.detached())
        else:
            order = sequence.order
            assert isinstance(order, HappensBefore)  # the execution's own, not detached
            reversal = Reversal(level, None, tuple(order.initials(sequence.steps)))
            if level >= self.floor:
                reversal.apply(branch)
                return
        self.exported.append(reversal)


@dataclass(slots=True)
class Reversal:
    """A race to reverse at branch `level`: the wakeup sequence that reverses it
    (optimal DPOR), or with a bound the actors that can start it (source-DPOR)."""

    level: int
    sequence: WakeupSequence | None
    initials: tuple[str, ...] = ()

    def apply(self, branch: Branch) -> None:
        if self.sequence is not None:
            if not covered_by_sleep(branch, self.sequence):
                insert(branch, self.sequence)
            return
        if any(actor in branch.order for actor in self.initials):
            return
        enabled = [a for a in self.initials if a in branch.offered]
        if enabled:
            awake = [a for a in enabled if a not in branch.sleep]
            branch.order.append((awake or enabled)[0])
        # Otherwise the reversing actor was blocked there (a wait_until whose guard was
        # false): the write that would enable it races with this step itself, and that
        # race is reversed on its own.
