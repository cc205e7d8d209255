"""Found by a review (stop 26), fixed: FALSE ERROR, after the fix of finding_11 (seen at ~02:00 UTC): a
complex NaN (or a `decimal.Decimal("NaN")`) in an env.var is still reported as
nondeterminism.

rasmodel/sim/state.py `fingerprint` now special-cases `type(value) is float and
value != value`; a complex number with a NaN part, and Decimal("NaN"), also hash by
identity (CPython 3.10+), so `Env.writes_fingerprint` differs between the first run of
a step and its replay.

    rasmodel check complex_nan_value.py                    # exit 2: "the model is nondeterministic:
                                                    #   ... the step of a (after pause) wrote
                                                    #   other values than the first time"
    (same with x.value = decimal.Decimal("NaN"))
Expected: exit 0. A float NaN, a tuple/list/dict/frozenset holding one, now pass.

Status: reproduces at 02:01 UTC.
"""

import rasmodel as rm

model = rm.Model("finding-14-complex-nan")


@model.build
def build(env):
    x = env.var("x", 0j)
    y = env.var("y", 0)

    def a():
        yield env.pause()
        x.value = complex(float("nan"), 0)
        yield env.pause()

    def b():
        yield env.pause()
        y.value = 1

    env.process(a(), name="a")
    env.process(b(), name="b")
