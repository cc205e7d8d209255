"""Found by a review (stop 26): an
attribute set on an Enum member is not in the state key. `_in_python` takes the
Enum class for a C class (its dict holds the builtin `_new_member_`), so a member
is keyed by what `Enum.__reduce_ex__` returns, `(Color, (1,))`, without its
attributes. The same holds for any class of the model's with a builtin function in
its class dict and a `__getstate__`/`__reduce__` that leaves something out.

Before the fix (72db384, CPython 3.11.7):

rasmodel check enum_member_attribute.py --cache off --format json --no-minimize
    exit 1: never_masked=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check enum_member_attribute.py --cache on --format json --no-minimize
    exit 0: never_masked=holds, livelock=holds; executions=1 pruned=0 cached=1 keyed=3 unkeyed=0
rasmodel check enum_member_attribute.py --reduction none --format json --no-minimize
    exit 1: never_masked=violated, livelock=holds; executions=2 pruned=0 cached=0 keyed=0 unkeyed=0
rasmodel check enum_member_attribute.py --cache on --cross-check --no-minimize
    exit 2: rasmodel: error: --cross-check failed for model 'enum-member-attribute': never_masked is holds with dpor and the state cache but violated without; 1 final state(s) are re
"""

import enum

import rasmodel as rm

model = rm.Model("enum-member-attribute")


class Cpu(enum.Enum):
    CPU0 = 0
    CPU1 = 1


@model.build
def build(env):
    Cpu.CPU0.masked = False
    seen = env.var("seen", False)

    def worker():
        if env.maybe("mask"):
            Cpu.CPU0.masked = True
        yield env.pause("p")
        seen.value = Cpu.CPU0.masked

    env.process(worker(), name="w")
    return seen


@model.final
def never_masked(seen, params):
    assert not seen.value, "cpu0 was masked"
