"""Livelock: an execution that can go on forever, fairly, without finishing.

An execution that returns to a state it was in (the same key, `sim.statekey`: tracked
state, events, timers and every process's frame) can repeat the steps in between
forever. That loop is a livelock, not an artefact of the search, when it is fair in
the strong sense (every process enabled at some point of the loop takes a step in
it: nothing is starved, so real hardware could run it that way forever) and a
non-daemon process is still alive (it never finishes). A CPU spinning on a flag
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
    process is starved); option 0 of every choose."""

    def __init__(self, prefix: Sequence[Choice]) -> None:
        self.prefix = wanted(prefix)
        self.cursor = 0
        self.clock = 0
        self.last_ran: dict[str, int] = {}

    def choose(self, point: Point) -> int:
        if self.cursor < len(self.prefix):
            index = self.prefix[self.cursor].index_in(point)
            self.cursor += 1
        elif point.kind == RUN:
            index = min(range(len(point.options)), key=self._waited(point.options))
        else:
            index = 0
        if point.kind == RUN:
            self.clock += 1
            self.last_ran[str(point.options[index])] = self.clock
        return index

    def _waited(self, options: Sequence[Any]) -> Callable[[int], int]:
        return lambda i: self.last_ran.get(str(options[i]), 0)


class Cycles(Run):
    """`inner` makes the choices; after every step, a fair loop back to an earlier
    state of this execution raises `Livelocked` (see the module docstring)."""

    def __init__(self, inner: Run) -> None:
        self.inner = inner
        self.keying = Keying()
        self.key_of: Callable[[], Hashable] | None = None
        self.seen: dict[Hashable, int] = {}  # state key -> steps taken when it was seen
        self.runs: list[tuple[str, frozenset[str]]] = []  # per step: who ran, who could
        self.options: frozenset[str] = frozenset()
        self.env: Env | None = None

    def attach(self, env: Env, holding: Callable[[], Any]) -> None:
        self.inner.attach(env, holding)
        self.env = env
        if self.keying.available:
            keying = self.keying
            self.key_of = lambda: keying.key(env, holding())

    def choose(self, point: Point) -> int:
        if point.kind == RUN:
            self.options = frozenset(map(str, point.options))
        return self.inner.choose(point)

    def on_step(self, step: Step, env: Env) -> None:
        self.inner.on_step(step, env)
        self.runs.append((step.actor, self.options))
        if self.key_of is None or step.failed:
            return
        try:
            key = self.key_of()
        except Unkeyable:
            self.key_of = None  # this execution cannot be checked: no verdict from it
            return
        taken = len(self.runs)
        since = self.seen.get(key)
        self.seen[key] = taken
        if since is not None and env.live > 0:
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
