"""Happens-before built on the last execution's prefix equals one built from scratch."""

from __future__ import annotations

import random

import pytest

from rasmodel.explore.happens_before import Access, HappensBefore

KEYS = ("x", "y", "z", "@trace")
ACTORS = ("a", "b", "c")


def _access(rng: random.Random, j: int, time: float, virtual: bool) -> Access:
    reads = frozenset(k for k in KEYS if rng.random() < 0.3)
    writes = frozenset(k for k in KEYS if rng.random() < 0.25)
    causes = tuple(sorted(rng.sample(range(j), min(j, rng.randint(0, 1)))))
    guard = reads if rng.random() < 0.2 else None
    wild = virtual and rng.random() < 0.5
    return Access(rng.choice(ACTORS), reads, writes, causes, time, guard, wild)


def _steps(rng: random.Random, prefix: list[Access], ran: int, extra: int) -> list[Access]:
    steps = list(prefix)
    time = steps[-1].time if steps else 0.0
    for j in range(len(steps), ran + extra):
        if j < ran and rng.random() < 0.15:
            time += 1
        steps.append(_access(rng, j, time, j >= ran))
    return steps


def _same(a: HappensBefore, b: HappensBefore) -> None:
    assert a.clocks == b.clocks
    assert a.preds == b.preds
    assert a.barriers == b.barriers
    assert a.writers == b.writers
    assert list(a.races()) == list(b.races())


@pytest.mark.parametrize("seed", range(60))
def test_a_shared_prefix_gives_the_clocks_a_full_rebuild_gives(seed: int) -> None:
    rng = random.Random(seed)
    first_ran = rng.randint(1, 14)
    first = _steps(rng, [], first_ran, rng.randint(0, 3))
    base = HappensBefore(first, first_ran)
    keep = rng.randint(0, len(first))  # may reach into the first one's virtual steps
    ran = rng.randint(max(1, min(keep, first_ran)), 16)
    second = _steps(rng, first[: min(keep, ran)], ran, rng.randint(0, 3))
    _same(HappensBefore(second, ran, base), HappensBefore(second, ran))


def test_a_prefix_that_differs_is_rebuilt() -> None:
    x, none = frozenset({"x"}), frozenset()
    first = [Access("a", none, x), Access("b", x, none)]
    second = [Access("a", none, x), Access("b", none, x)]  # b now writes
    base = HappensBefore(first)
    rebuilt = HappensBefore(second, base=base)
    assert rebuilt.preds == HappensBefore(second).preds == [[], [0]]
    assert rebuilt.writers == {"x": [0, 1]}
