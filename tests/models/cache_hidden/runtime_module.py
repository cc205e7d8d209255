"""Found by a review (stop 26), fixed in c5003ff: CACHE CHANGES A VERDICT: an object of type `types.ModuleType` made at
run time (used as a namespace) is keyed by its name only.

`a` keeps a counter in a scratch module object it creates (process-local state, not
shared: the reduction is right to ignore it), and counts whether it saw x == 1. The
state key walks a's frame, reaches `ns`, and rasmodel/sim/statekey.py `_Walk._module`
keys it as ("mod", "scratch") because `_own_module("scratch")` is False (it is not in
sys.modules and has no file), so states with count 0 and count 1 share a key.
docs/cache.md: "objects by what they hold: instances by their __dict__".

    rasmodel check runtime_module.py                              # exit 1: fin VIOLATED (out is 1)
    rasmodel check runtime_module.py --reduction none             # exit 1: fin VIOLATED
    rasmodel check runtime_module.py --cache on                   # exit 0: fin holds (3 executions, +3 cut)
    rasmodel check runtime_module.py --cache on --reduction none  # exit 0: fin holds (+16 cut)
    rasmodel check runtime_module.py --cross-check --cache on     # exit 2

Fix: key a module object that is not an importable module of Python or an installed
package (not in sys.modules under its name) by its __dict__.
"""

import types

import rasmodel as rm

model = rm.Model("finding-9-cache-module-object")


@model.build
def build(env):
    x = env.var("x", 0)
    out = env.var("out", None)

    def a():
        ns = types.ModuleType("scratch")
        ns.count = 0
        yield env.pause()
        if x.value == 1:
            ns.count += 1
        yield env.pause()
        x.value = 0
        yield env.pause()
        out.value = ns.count

    def b():
        yield env.pause()
        x.value = 1
        yield env.pause()
        x.value = 0

    env.process(a(), name="a")
    env.process(b(), name="b")
    return out


@model.final
def fin(out, params):
    assert out.value == 0, f"out is {out.value}"
