"""[Regression model, fixed: a process that reads `env.step_index`.]

`b` sets `first` when it runs the first step of the execution (`env.step_index ==
0`). Reading the step index is reading how many steps ran before, which no footprint
recorded: DPOR took `a`'s step and `b`'s to commute, ran one execution (a first) and
`b_never_first` held, where plain enumeration violates it. Reading `env.step_index`,
`env.steps` or `env.live` in a step now depends on every step (`Env._read_history`):
such a model is explored unreduced, and the state cache does not key it.

    rasmodel check step_index_read.py   # b_never_first violated
"""

import rasmodel as rm

model = rm.Model("step-index-read")


@model.build
def build(env):
    first = env.var("first", 0)

    def a():
        yield env.pause("a")

    def b():
        if env.step_index == 0:
            first.value = 1
        yield env.pause("b")

    env.process(a(), name="a")
    env.process(b(), name="b")
    return first


@model.final
def b_never_first(first, params):
    assert first.value == 0, "b ran the first step"
