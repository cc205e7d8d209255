"""A naive stateless SimPy explorer: the floor rasmodel's per-step cost is measured
against.

The same programs as `benchmarks.models.independent` and `lost_update`, written in
plain SimPy (a pause is `timeout(0)`, shared state a dict). Whenever several events
are due at the same moment the explorer picks one, and it runs every sequence of
picks depth-first from a fresh environment, as rasmodel's plain enumeration does,
but with no footprints, no properties but one final check, no determinism check
and no trace: what any explorer must pay to re-run SimPy processes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heapify, heappop
from typing import Any

import simpy

Build = Callable[[simpy.Environment, dict[str, int]], None]


class _ChoosingEnv(simpy.Environment):
    """Processes one of the events due now, chosen by `pick(count)`."""

    def __init__(self, pick: Callable[[int], int]) -> None:
        super().__init__()
        self.pick = pick

    def step(self) -> None:
        queue = self._queue  # type: ignore[attr-defined]
        if not queue:
            raise simpy.core.EmptySchedule()
        now = queue[0][0]
        due = [i for i, item in enumerate(queue) if item[0] == now]
        quiet = [i for i in due if not _resumes(queue[i][3])]
        if quiet:  # nobody waits on it (a process that ended): no choice to make
            due = quiet[:1]
        index = due[self.pick(len(due))] if len(due) > 1 else due[0]
        if index:
            queue[0], queue[index] = queue[index], queue[0]
            item = heappop(queue)
            heapify(queue)
        else:
            item = heappop(queue)
        self._now, _, _, event = item
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            raise event._value


def _resumes(event: simpy.Event) -> bool:
    """Processing `event` resumes a process: that is a step, and its order matters."""
    return any(
        isinstance(getattr(c, "__self__", None), simpy.Process) for c in event.callbacks or ()
    )


class _Prefix:
    """Follows a prefix of picks, then picks the first, recording every pick."""

    def __init__(self, prefix: list[int]) -> None:
        self.prefix = prefix
        self.points: list[tuple[int, int]] = []  # (index taken, events due)

    def __call__(self, count: int) -> int:
        position = len(self.points)
        index = self.prefix[position] if position < len(self.prefix) else 0
        self.points.append((index, count))
        return index


def explore(build: Build, check: Callable[[dict[str, int]], bool]) -> tuple[int, int]:
    """Every execution of `build`: (executions, executions failing `check`)."""
    prefix: list[int] = []
    executions = failing = 0
    while True:
        pick = _Prefix(prefix)
        env = _ChoosingEnv(pick)
        shared: dict[str, int] = {}
        build(env, shared)
        env.run()
        executions += 1
        failing += not check(shared)
        points = pick.points
        while points and points[-1][0] + 1 >= points[-1][1]:
            points.pop()
        if not points:
            return executions, failing
        prefix = [index for index, _ in points[:-1]] + [points[-1][0] + 1]


def independent(n: int, k: int) -> tuple[Build, Callable[[dict[str, int]], bool]]:
    def build(env: simpy.Environment, shared: dict[str, int]) -> None:
        def proc(name: str) -> Generator[Any, Any, None]:
            for _ in range(k - 1):
                shared[name] += 1
                yield env.timeout(0)
            shared[name] += 1

        for i in range(n):
            shared[f"x{i}"] = 0
            env.process(proc(f"x{i}"))

    return build, lambda shared: True


def lost_update(workers: int) -> tuple[Build, Callable[[dict[str, int]], bool]]:
    def build(env: simpy.Environment, shared: dict[str, int]) -> None:
        shared["counter"] = 0

        def worker() -> Generator[Any, Any, None]:
            tmp = shared["counter"]
            yield env.timeout(0)
            shared["counter"] = tmp + 1

        for _ in range(workers):
            env.process(worker())

    return build, lambda shared: shared["counter"] == workers
