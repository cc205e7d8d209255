"""[Regression model, fixed: tests/test_soundness.py checks the verdicts below.]

DPOR misses a deadlock after an assertion.

`a` takes lock m and fails an assertion; `b` takes m and exits without releasing
it. Running b first leaves a blocked on m forever: a deadlock. With the default
`--reduction dpor` the first execution (a first) ends at the assertion before b
ever runs, no race is recorded, and the search reports `deadlock holds` and
"exhaustive" after 1 execution; `--reduction none` finds the deadlock.

    rasmodel check finding_8.py                   # deadlock: holds
    rasmodel check finding_8.py --reduction none  # deadlock: VIOLATED
"""

import rasmodel as rm

model = rm.Model("repro-dpor-abort", params={})


@model.build
def build(env):
    m = env.var("m", None)

    def a():
        yield env.wait_until(lambda: m.value is None, "lock m")
        m.value = "a"
        assert False, "a fails while holding m"

    def b():
        yield env.wait_until(lambda: m.value is None, "lock m")
        m.value = "b"  # exits holding m

    env.process(a(), name="a")
    env.process(b(), name="b")
    return m
