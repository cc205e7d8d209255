"""Found by a review (stop 26), fixed in c5003ff (Process.target): a wait_until guard reading another process's target
is never re-evaluated when that target changes. b ends up waiting for `never`, so w
should always pass (no deadlock).

    rasmodel check process_target_guard.py                    # exit 0: deadlock holds (1 execution)
    rasmodel check process_target_guard.py --reduction none   # exit 1: deadlock VIOLATED (false:
                                                          #   w waits though b.target is never)
"""

import rasmodel as rm

model = rm.Model("f3guard")


@model.build
def build(env):
    never = env.event("never")

    def b():
        yield env.pause("one")
        yield never

    def w(pb):
        yield env.wait_until(lambda: pb.target is never, "b waits for never")

    pb = env.process(b(), name="b", daemon=True)
    env.process(w(pb), name="w")
