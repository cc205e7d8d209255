"""Dining philosophers with SimPy resources as forks.

Each philosopher takes the fork on the left, then the one on the right. When all
take their left fork at once, nobody gets a right one: a deadlock. `-D ordered=true`
makes the last philosopher take the right fork first, which breaks the cycle.
"""

import simpy

import rasmodel as rm

model = rm.Model("dining-philosophers", params={"n": 3, "ordered": False}, doc=__doc__)


@model.build
def build(env: rm.Env, n: int, ordered: bool):
    forks = [simpy.Resource(env, capacity=1) for _ in range(n)]
    meals = env.var("meals", 0)

    def philosopher(i: int):
        first, second = forks[i], forks[(i + 1) % n]
        if ordered and i == n - 1:
            first, second = second, first
        with first.request() as left:
            yield left
            with second.request() as right:
                yield right
                meals.value += 1
                env.emit("eat", who=i)
                yield env.pause("eating")

    for i in range(n):
        env.process(philosopher(i), name=f"phil{i}")
    return meals


@model.final
def everyone_ate(meals, params):
    """Every philosopher has eaten once."""
    return meals.value == params["n"] or f"only {meals.value} meals"
