"""Found by a review (stop 26): a helper module's data behind a class, a
functools.partial or a closure (cachehidden_helper.py) is not in the state key.
-D where=class | partial | closure.

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check helper_behind.py -D where=class --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check helper_behind.py -D where=class --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check helper_behind.py -D where=class --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check helper_behind.py -D where=class --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'helper-hidden': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are
rasmodel check helper_behind.py -D where=partial --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check helper_behind.py -D where=partial --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check helper_behind.py -D where=partial --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check helper_behind.py -D where=partial --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'helper-hidden': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are
rasmodel check helper_behind.py -D where=closure --cache off --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check helper_behind.py -D where=closure --cache on --format json --no-minimize
    exit 0: no_error_seen=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3
rasmodel check helper_behind.py -D where=closure --reduction none --format json --no-minimize
    exit 1: no_error_seen=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0
rasmodel check helper_behind.py -D where=closure --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'helper-hidden': no_error_seen is holds with dpor and the state cache but violated without; 1 final state(s) are
"""

import cachehidden_helper as helper

import rasmodel as rm

model = rm.Model("helper-hidden", params={"where": "class"})


@model.build
def build(env, where):
    helper.reset()
    seen = env.var("seen", 0)

    def worker():
        if env.maybe("error"):
            if where == "class":
                helper.Stats.errors += 1
            elif where == "partial":
                helper.record()
            else:
                helper.bump()
        yield env.pause("p")
        seen.value = helper.errors(where)

    env.process(worker(), name="w")
    return seen


@model.final
def no_error_seen(seen, params):
    assert seen.value == 0, f"seen {seen.value}"
