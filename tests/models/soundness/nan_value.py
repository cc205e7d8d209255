"""Found by a review (stop 26), fixed: FALSE ERROR: a deterministic model that stores a float NaN in an
env.var is rejected as nondeterministic.

`a` computes a NaN (as `float("nan")`, or 0.0 * inf, ...) and stores it. On replay
the step writes another NaN object; rasmodel/sim/env.py `Env.writes_fingerprint`
hashes `(key, value)`, and since Python 3.10 `hash(nan)` is based on the object's
identity, so the fingerprint differs and rasmodel/explore/path.py `Path.on_step`
reports divergence. (NaN != NaN would also make the final-state sets of
--cross-check disagree.)

    rasmodel check nan_value.py                    # exit 2: "the model is nondeterministic:
                                                    #   re-executing the same choices diverged at
                                                    #   step 1: the step of a (after pause) wrote
                                                    #   other values than the first time"
    rasmodel check nan_value.py --reduction none   # exit 2, same
Expected: exit 0 (nothing is violated; the model is deterministic).
Fix: fingerprint floats by their bits (as rasmodel/sim/statekey.py already does).
"""

import rasmodel as rm

model = rm.Model("finding-11-nan")


@model.build
def build(env):
    x = env.var("x", 0.0)
    y = env.var("y", 0)

    def a():
        yield env.pause()
        x.value = float("nan")
        yield env.pause()

    def b():
        yield env.pause()
        y.value = 1

    env.process(a(), name="a")
    env.process(b(), name="b")
