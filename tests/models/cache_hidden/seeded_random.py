"""Found by a review (stop 26): the state of a random.Random instance (a seeded, deterministic PRNG held
in a local) is not in the state key: only its `gauss_next` attribute is.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check seeded_random.py --cache off --format json --no-minimize
    exit 1: not_advanced=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check seeded_random.py --cache on --format json --no-minimize
    exit 0: not_advanced=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check seeded_random.py --reduction none --format json --no-minimize
    exit 1: not_advanced=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check seeded_random.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'seeded-random': not_advanced is holds with dpor and the state cache but violated without; 1 final state(s) are
"""

import random

import rasmodel as rm

model = rm.Model("seeded-random")


@model.build
def build(env):
    seen = env.var("seen", 0)
    rng = random.Random(0)  # deterministic: 0.844..., 0.757..., ...

    def worker():
        if env.maybe("error"):
            rng.random()  # advances the generator
        yield env.pause("p")
        seen.value = int(rng.random() < 0.8)  # 0 unless advanced

    env.process(worker(), name="w")
    return seen


@model.final
def not_advanced(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
