"""Found by a review (stop 26), fixed in c5003ff: a wait_until guard reading `env.live` is never
re-evaluated; false deadlock with and without reduction.

    rasmodel check guard_reads_live.py                    # exit 1: deadlock VIOLATED (false)
    rasmodel check guard_reads_live.py --reduction none   # exit 1: deadlock VIOLATED (false)
"""

import rasmodel as rm

model = rm.Model("finding-10b-guard-reads-live")


@model.build
def build(env):
    def a():
        yield env.pause()

    def w():
        yield env.wait_until(lambda: env.live == 1, "I am the last one")

    env.process(w(), name="w")
    env.process(a(), name="a")
