"""Found by a review (stop 26), fixed in c5003ff: (Process.target) with an invariant: DPOR never shows b still at
pause "one" after a wrote x.

    rasmodel check process_target_invariant.py                    # exit 0: not_one_after_x holds
    rasmodel check process_target_invariant.py --reduction none   # exit 1: not_one_after_x VIOLATED
"""

import rasmodel as rm

model = rm.Model("f3inv")


@model.build
def build(env):
    x = env.var("x", 0)

    def b():
        yield env.pause("one")
        yield env.pause("two")

    def a():
        yield env.pause()
        x.value = 1

    pb = env.process(b(), name="b")
    env.process(a(), name="a")
    return pb, x


@model.invariant
def not_one_after_x(s, params):
    pb, x = s
    return not (x.value == 1 and getattr(pb.target, "label", None) == "one")
