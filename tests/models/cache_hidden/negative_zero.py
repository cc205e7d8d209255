"""Found by a review (stop 26): 0.0 and -0.0 (and complex(-0.0, 0.0) and 0j) get the same state key.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check negative_zero.py --cache off --format json --no-minimize
    exit 1: positive_zero=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check negative_zero.py --cache on --format json --no-minimize
    exit 0: positive_zero=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check negative_zero.py --reduction none --format json --no-minimize
    exit 1: positive_zero=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check negative_zero.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'negative-zero': positive_zero is holds with dpor and the state cache but violated without; 1 final state(s) are
"""

import math

import rasmodel as rm

model = rm.Model("negative-zero")


@model.build
def build(env):
    seen = env.var("seen", 0)

    def worker(x=0.0):  # bound from the start
        if env.maybe("underflow"):
            x = -0.0
        yield env.pause("p")
        seen.value = int(math.copysign(1.0, x) < 0)

    env.process(worker(), name="w")
    return seen


@model.final
def positive_zero(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
