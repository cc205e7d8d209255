"""Found by a review (stop 26): an invariant with memory (a module-level dict of the
model file that only the invariant reads and writes) is not in the state key.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check invariant_memory.py --cache off --format json --no-minimize
    exit 1: no_drop_after_spike=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check invariant_memory.py --cache on --format json --no-minimize
    exit 0: no_drop_after_spike=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=5
rasmodel check invariant_memory.py --reduction none --format json --no-minimize
    exit 1: no_drop_after_spike=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check invariant_memory.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'stateful-invariant': no_drop_after_spike is holds with dpor and the state cache but violated without. Run it ag
"""

import rasmodel as rm

model = rm.Model("stateful-invariant")
peak = {"v": 0}


@model.build
def build(env):
    peak["v"] = 0
    level = env.var("level", 0)

    def worker():
        if env.maybe("spike"):
            level.value = 2  # a transient spike the invariant remembers
        yield env.pause("p")
        level.value = 1
        yield env.pause("q")
        level.value = 0

    env.process(worker(), name="w")
    return level


@model.invariant
def no_drop_after_spike(level, params):
    """Once the level has peaked at 2, it must never fall back to 0."""
    v = level.value
    peak["v"] = max(peak["v"], v)
    assert not (peak["v"] >= 2 and v == 0), f"level fell to 0 after peaking at {peak['v']}"
