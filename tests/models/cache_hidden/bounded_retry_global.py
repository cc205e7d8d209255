"""Found by a review (stop 26): the livelock check uses the same state key, so hidden state there gives a
FALSE livelock in the default mode (no --cache needed): a bounded retry loop whose
counter lives in a model-file global changed by a method (another review finding) "returns to a
state it was in" and is reported as a loop that can go on forever, although it ends
after `limit` polls. -D where=var keeps the counter in an env.var (control).

Before the fix (c06a8d4, CPython 3.11.7):

rasmodel check bounded_retry_global.py --cache off --format json --no-minimize
    exit 1: deadlock=no-violation-found, livelock=violated, assertion=no-violation-found, exception=no-violation-found; executions=2 pruned=0 cached=0 keyed=0
rasmodel check bounded_retry_global.py --cache on --format json --no-minimize
    exit 1: deadlock=no-violation-found, livelock=violated, assertion=no-violation-found, exception=no-violation-found; executions=2 pruned=0 cached=0 keyed=1000
rasmodel check bounded_retry_global.py --reduction none --format json --no-minimize
    exit 1: deadlock=no-violation-found, livelock=violated, assertion=no-violation-found, exception=no-violation-found; executions=2 pruned=0 cached=0 keyed=0
rasmodel check bounded_retry_global.py --cache on --cross-check --no-minimize
    exit 1: no error
rasmodel check bounded_retry_global.py -D where=var --cache off --format json --no-minimize
    exit 0: deadlock=no-violation-found, livelock=no-violation-found, assertion=no-violation-found, exception=no-violation-found; executions=1 pruned=0 cached=0 keyed=0
rasmodel check bounded_retry_global.py -D where=var --cache on --format json --no-minimize
    exit 0: deadlock=no-violation-found, livelock=no-violation-found, assertion=no-violation-found, exception=no-violation-found; executions=1 pruned=0 cached=0 keyed=1000
rasmodel check bounded_retry_global.py -D where=var --reduction none --format json --no-minimize
    exit 0: deadlock=no-violation-found, livelock=no-violation-found, assertion=no-violation-found, exception=no-violation-found; executions=1 pruned=0 cached=0 keyed=0
rasmodel check bounded_retry_global.py -D where=var --cache on --cross-check --no-minimize
    exit 0: no error
"""

import rasmodel as rm

model = rm.Model("false-livelock", params={"limit": 2000, "where": "global"})
tries = 0


class Firmware:
    def __init__(self, env, where):
        self.where = where
        self.tries = env.var("tries", 0) if where == "var" else None

    def ready(self, limit):
        global tries
        if self.where == "var":
            self.tries.value += 1
            return self.tries.value >= limit
        tries += 1
        return tries >= limit


@model.build
def build(env, limit, where):
    global tries
    tries = 0
    fw = Firmware(env, where)
    done = env.var("done", 0)

    def poller():
        while not fw.ready(limit):  # a bounded retry loop: it ends after `limit` polls
            yield env.pause("poll")
        done.value = 1

    env.process(poller(), name="poller")
    return done
