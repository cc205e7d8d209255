"""Found by a review (stop 26), on the key of 72db384: the livelock check uses the same state key, so in the DEFAULT mode (no
--cache) a bounded retry loop whose counter lives in a helper module imported inside
a function is reported as a livelock, although it ends after `limit` polls.
-D limit=500 (below --max-depth) completes and holds.

Before the fix (72db384, CPython 3.11.7):

rasmodel check bounded_retry_local_import.py --cache off --format json --no-minimize
    exit 1: deadlock=no-violation-found, livelock=violated, assertion=no-violation-found, exception=no-violation-found; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check bounded_retry_local_import.py --cache on --format json --no-minimize
    exit 1: deadlock=no-violation-found, livelock=violated, assertion=no-violation-found, exception=no-violation-found; executions=2 pruned=0 cached=0 keyed=1000 unkeyed=0
rasmodel check bounded_retry_local_import.py --reduction none --format json --no-minimize
    exit 1: deadlock=no-violation-found, livelock=violated, assertion=no-violation-found, exception=no-violation-found; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check bounded_retry_local_import.py --cache on --cross-check --no-minimize
    exit 1: no error
rasmodel check bounded_retry_local_import.py -D limit=500 --cache off --format json --no-minimize
    exit 0: livelock=holds; executions=1 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check bounded_retry_local_import.py -D limit=500 --cache on --format json --no-minimize
    exit 0: livelock=holds; executions=1 pruned=0 cached=0 keyed=500 unkeyed=0
rasmodel check bounded_retry_local_import.py -D limit=500 --reduction none --format json --no-minimize
    exit 0: livelock=holds; executions=1 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check bounded_retry_local_import.py -D limit=500 --cache on --cross-check --no-minimize
    exit 0: no error
"""

import rasmodel as rm

model = rm.Model("false-livelock-local-import", params={"limit": 2000})


def firmware_ready(limit):
    import cachehidden_retry

    cachehidden_retry.tries[0] += 1
    return cachehidden_retry.tries[0] >= limit


def reset():
    import cachehidden_retry

    cachehidden_retry.tries[0] = 0


@model.build
def build(env, limit):
    reset()
    done = env.var("done", 0)

    def poller():
        while not firmware_ready(limit):  # a bounded retry loop
            yield env.pause("poll")
        done.value = 1

    env.process(poller(), name="poller")
    return done
