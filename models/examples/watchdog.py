"""A watchdog with a deadline: simulated time decides the verdict.

A worker needs `work` time units; the watchdog barks if the work is not done at
`deadline`. With the defaults (3 < 5) it never barks. `-D work=6` misses the deadline;
`-D work=5` ties with it, and both orders of a tie are explored.
"""

import rasmodel as rm

model = rm.Model("watchdog", params={"work": 3, "deadline": 5}, doc=__doc__)


@model.build
def build(env: rm.Env, work: int, deadline: int):
    done = env.var("done", False)

    def worker():
        yield env.timeout(work)
        done.value = True
        env.emit("work_done", at=env.now)

    def watchdog():
        yield env.timeout(deadline)
        if not done.value:
            env.emit("bark", at=env.now)

    env.process(worker(), name="worker")
    env.process(watchdog(), name="watchdog")
    return done


model.check(rm.never("bark"), name="meets_deadline")
