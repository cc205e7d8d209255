"""State kept in an installed module's namespace: the state cache cannot see it, and
--cross-check --cache on says so (tests/test_cache.py)."""

import json.decoder as hidden  # a module outside the model's files

import rasmodel as rm

model = rm.Model("pkg-state")


@model.build
def build(env):
    hidden.__dict__["_rasmodel_demo"] = 0
    v = env.var("v", 0)
    w = env.var("w", 0)

    def a():
        if env.maybe("bump"):
            hidden.__dict__["_rasmodel_demo"] += 1
        yield env.pause("p")
        w.value = 1
        yield env.pause("q")
        v.value = hidden.__dict__["_rasmodel_demo"]

    env.process(a(), name="a")
    return v


@model.final
def never_bumped(v, params):
    assert v.value == 0
