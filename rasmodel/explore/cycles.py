"""Livelock: an execution that can go on forever, fairly, without finishing.

An execution that returns to a state it was in (the same key, `sim.statekey`: tracked
state, events, timers and every process's frame) can repeat the steps in between
forever. That loop is a livelock, not an artefact of the search, when it is fair in
the strong sense (every process enabled at some point of the loop takes a step in
it: nothing is starved, so real hardware could run it that way forever; and every
option a `choose` in it offered is taken in it: a retry that could succeed does), a
non-daemon process is still alive (it never finishes), no timer is due later (the
loop takes no time, real code would) and no bound of the model's own keeps a step
out (`env.bounded_by`: the kernel library's preemption budget, say). A CPU spinning on a flag
that no context can ever set is the kernel example.

`Cycles` wraps a run and checks every state of the execution for such a loop;
keying costs about a millisecond a state, so the search uses it only to confirm a
loop its depth-cut executions suggest, running `FairRun` from where the spin began,
and to replay and minimise the counterexample it found.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from rasmodel.choices import RUN, Choice, Point
from rasmodel.execution import Livelocked, Run
from rasmodel.explore.replay import wanted
from rasmodel.sim.env import Env
from rasmodel.sim.process import Step
from rasmodel.sim.statekey import Keying, Unkeyable


class FairRun(Run):
    """Follows `prefix`, then runs the enabled process that ran least recently (so no
    process is starved) and takes, at each `choose`, the option of that label taken
    least recently (so no option is)."""

    def __init__(self, prefix: Sequence[Choice]) -> None:
        self.prefix = wanted(prefix)
        self.cursor = 0
        self.clock = 0
        self.last_ran: dict[str, int] = {}

    def choose(self, point: Point) -> int:
        if self.cursor < len(self.prefix):
            index = self.prefix[self.cursor].index_in(point)
            self.cursor += 1
        else:
            index = min(range(len(point.options)), key=self._waited(point))
        self.clock += 1
        self.last_ran[self._name(point, index)] = self.clock
        return index

    def _waited(self, point: Point) -> Callable[[int], int]:
        return lambda i: self.last_ran.get(self._name(point, i), 0)

    @staticmethod
    def _name(point: Point, index: int) -> str:
        option = str(point.options[index])
        return option if point.kind == RUN else f"{point.label}\0{option!r}"


class Cycles(Run):
    """`inner` makes the choices; after every step, a fair loop back to an earlier
    state of this execution raises `Livelocked` (see the module docstring)."""

    def __init__(self, inner: Run) -> None:
        self.inner = inner
        self.keying = Keying()
        self.key_of: Callable[[], Hashable] | None = None
        # state key -> steps taken when it was first and last seen
        self.seen: dict[Hashable, tuple[int, int]] = {}
        self.runs: list[tuple[str, frozenset[str]]] = []  # per step: who ran, who could
        self.options: frozenset[str] = frozenset()
        # per step: the (label, option) pairs its `choose`s offered, and took
        self.choices: list[tuple[frozenset[Any], frozenset[Any]]] = []
        self.offered: set[tuple[str, str]] = set()
        self.taken: set[tuple[str, str]] = set()
        self.env: Env | None = None

    def attach(self, env: Env, holding: Callable[[], Any]) -> None:
        self.inner.attach(env, holding)
        self.env = env
        if self.keying.available:
            keying = self.keying
            self.key_of = lambda: keying.key(env, holding())

    def choose(self, point: Point) -> int:
        index = self.inner.choose(point)
        if point.kind == RUN:
            self.options = frozenset(map(str, point.options))
            self.offered, self.taken = set(), set()
        else:
            self.offered.update((point.label, repr(option)) for option in point.options)
            self.taken.add((point.label, repr(point.options[index])))
        return index

    def on_step(self, step: Step, env: Env) -> None:
        self.inner.on_step(step, env)
        self.runs.append((step.actor, self.options))
        self.choices.append((frozenset(self.offered), frozenset(self.taken)))
        if self.key_of is None or step.failed:
            return
        try:
            key = self.key_of()
        except Unkeyable:
            self.key_of = None  # this execution cannot be checked: no verdict from it
            return
        taken = len(self.runs)
        seen = self.seen.get(key)
        self.seen[key] = (seen[0] if seen else taken, taken)
        if seen is not None and env.live > 0:
            for since in sorted(set(seen)):  # the whole spin, and its last round
                self._check_loop(since, step, env)

    def on_emit(self, event: Any) -> None:
        self.inner.on_emit(event)

    def on_end(self, execution: Any) -> None:
        self.inner.on_end(execution)

    def _check_loop(self, since: int, step: Step, env: Env) -> None:
        loop = self.runs[since:]
        ran = {actor for actor, _ in loop}
        could = frozenset().union(*(options for _, options in loop))
        if not could <= ran:
            return  # someone enabled never ran in it: an unfair loop, not a livelock
        offered = frozenset().union(*(o for o, _ in self.choices[since:]))
        if not offered <= frozenset().union(*(t for _, t in self.choices[since:])):
            return  # a choose in it could have gone another way: unfair too
        if env.time_can_advance() or env.bound_reached():
            return  # a timer, or what a bound keeps out, could still end it
        spinning = " and ".join(_at(env, actor) for actor in sorted(ran))
        steps = f"step {since}" if since == step.index else f"steps {since}-{step.index}"
        alive = [p.name for p in env.live_processes() if not p.daemon]
        verb = "finish" if len(alive) > 1 else "finishes"
        raise Livelocked(
            f"{spinning} can repeat {steps} forever: the state after {steps} is the "
            f"state before, every process that can run there takes part, and no other "
            f"can ever run, so {', '.join(alive)} never {verb}",
            step.index,
        )


def _at(env: Env, actor: str) -> str:
    where = env.processes[actor].suspended_at()
    return f"{actor} (at {where})" if where else actor
