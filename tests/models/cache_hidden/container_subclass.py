"""Found by a review (stop 26): subclasses of builtin containers are keyed by `list(value)`: a deque
subclass loses its maxlen, and a list/set/deque subclass with its own __iter__ is
keyed by what that __iter__ yields. -D kind=maxlen | iter.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check container_subclass.py -D kind=maxlen --cache off --format json --no-minimize
    exit 1: nothing_lost=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check container_subclass.py -D kind=maxlen --cache on --format json --no-minimize
    exit 0: nothing_lost=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check container_subclass.py -D kind=maxlen --reduction none --format json --no-minimize
    exit 1: nothing_lost=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check container_subclass.py -D kind=maxlen --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'container-subclass': nothing_lost is holds with dpor and the state cache but violated without; 1 final state(s)
rasmodel check container_subclass.py -D kind=iter --cache off --format json --no-minimize
    exit 1: nothing_lost=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check container_subclass.py -D kind=iter --cache on --format json --no-minimize
    exit 0: nothing_lost=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check container_subclass.py -D kind=iter --reduction none --format json --no-minimize
    exit 1: nothing_lost=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check container_subclass.py -D kind=iter --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'container-subclass': nothing_lost is holds with dpor and the state cache but violated without; 1 final state(s)
"""

import collections

import rasmodel as rm

model = rm.Model("container-subclass", params={"kind": "maxlen"})


class Ring(collections.deque):
    pass


class Live(list):
    """A list of slots where None is a free slot; iterating skips free slots."""

    def __iter__(self):
        return (x for x in list.__iter__(self) if x is not None)


@model.build
def build(env, kind):
    seen = env.var("seen", 0)
    box = [Ring([1], maxlen=2) if kind == "maxlen" else Live()]

    def worker():
        if env.maybe("shrink"):
            if kind == "maxlen":
                box[0] = Ring([1], maxlen=1)
            else:
                box[0].append(None)
        yield env.pause("p")
        if kind == "maxlen":
            box[0].append(2)
            seen.value = 2 - len(box[0])  # 1 when the ring dropped an item
        else:
            seen.value = len(box[0])

    env.process(worker(), name="w")
    return seen


@model.final
def nothing_lost(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
