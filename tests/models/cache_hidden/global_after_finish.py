"""Found by a review (stop 26): a model-file global written by a process that has
finished, and read only by a final property, is not in the state key.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check global_after_finish.py --cache off --format json --no-minimize
    exit 1: nothing_lost=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check global_after_finish.py --cache on --format json --no-minimize
    exit 0: nothing_lost=holds, livelock=holds; executions=1 pruned=2 cached=1 keyed=13
rasmodel check global_after_finish.py --reduction none --format json --no-minimize
    exit 1: nothing_lost=violated, livelock=holds; executions=20 pruned=0 cached=0 keyed=0
rasmodel check global_after_finish.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'global-after-finish': nothing_lost is holds with dpor and the state cache but violated without. Run it again wi
"""

import rasmodel as rm

model = rm.Model("global-after-finish")
lost = 0


@model.build
def build(env):
    global lost
    lost = 0
    done = env.var("done", 0)

    def producer():
        global lost
        if env.maybe("drop"):
            lost = 1  # untracked, but the process names it: keyed while it lives
        yield env.pause("p")

    def consumer():
        yield env.pause("c1")
        yield env.pause("c2")
        done.value = 1

    env.process(producer(), name="producer")
    env.process(consumer(), name="consumer")
    return done


@model.final
def nothing_lost(done, params):
    assert lost == 0, f"lost={lost}"
