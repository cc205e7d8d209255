"""Found by a review (stop 26): the cache of a functools.lru_cache / functools.cache function is not in
the state key (the wrapper is keyed as its qualified name, what it pickles to).

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check lru_cache_state.py --cache off --format json --no-minimize
    exit 1: nothing_cached=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check lru_cache_state.py --cache on --format json --no-minimize
    exit 0: nothing_cached=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check lru_cache_state.py --reduction none --format json --no-minimize
    exit 1: nothing_cached=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check lru_cache_state.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'lru-cache': nothing_cached is holds with dpor and the state cache but violated without; 1 final state(s) are re
"""

import functools

import rasmodel as rm

model = rm.Model("lru-cache")


@functools.cache
def decode(pfn):
    return pfn * 2


@model.build
def build(env):
    decode.cache_clear()
    seen = env.var("seen", 0)

    def worker():
        if env.maybe("error"):
            decode(3)
        yield env.pause("p")
        seen.value = decode.cache_info().currsize

    env.process(worker(), name="w")
    return seen


@model.final
def nothing_cached(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
