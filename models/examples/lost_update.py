"""Lost update: workers read a shared counter, pause, and write back read + 1.

Two workers can both read 0 and both write 1. `-D atomic=true` makes the
read-modify-write one step, and the property holds.
"""

import rasmodel as rm

model = rm.Model("lost-update", params={"workers": 2, "atomic": False}, doc=__doc__)


@model.build
def build(env: rm.Env, workers: int, atomic: bool):
    counter = env.var("counter", 0)

    def worker():
        if atomic:
            counter.value += 1
            yield env.pause("incremented")
        else:
            tmp = counter.value
            yield env.pause("after read")
            counter.value = tmp + 1
        env.emit("incremented", value=counter.value)

    for i in range(workers):
        env.process(worker(), name=f"w{i}")
    return counter


@model.final
def all_counted(counter, params):
    """Every worker's increment is in the final count."""
    assert counter.value == params["workers"], f"counter is {counter.value}"
