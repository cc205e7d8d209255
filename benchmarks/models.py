"""Benchmark programs built in Python, so sizes are parameters."""

from __future__ import annotations

import rasmodel as rm


def independent(n: int, k: int) -> rm.Model:
    """N processes of K steps each touching only their own variable."""
    model = rm.Model(f"independent-{n}x{k}", params={"n": n, "k": k})

    @model.build
    def build(env: rm.Env, n: int, k: int) -> None:
        def proc(v: rm.Var[int]):
            for _ in range(k - 1):
                v.value += 1
                yield env.pause()
            v.value += 1

        for i in range(n):
            env.process(proc(env.var(f"x{i}", 0)), name=f"p{i}")

    return model


def lost_update(workers: int) -> rm.Model:
    """Read, pause, write back read + 1: the final count is violated."""
    model = rm.Model(f"lost-update-{workers}", params={"workers": workers})

    @model.build
    def build(env: rm.Env, workers: int) -> rm.Var[int]:
        counter = env.var("counter", 0)

        def worker():
            tmp = counter.value
            yield env.pause()
            counter.value = tmp + 1

        for i in range(workers):
            env.process(worker(), name=f"w{i}")
        return counter

    @model.final
    def all_counted(counter: rm.Var[int], params: dict) -> bool:
        return counter.value == params["workers"]

    return model


def readers_writer(readers: int) -> rm.Model:
    """One writer and N readers of one variable: 2^N orders of the reads and the write."""
    model = rm.Model(f"readers-writer-{readers}", params={"readers": readers})

    @model.build
    def build(env: rm.Env, readers: int) -> None:
        x = env.var("x", 0)

        def writer():
            x.value = 1
            yield env.pause()

        def reader(seen: rm.Var[int]):
            seen.value = x.value
            yield env.pause()

        env.process(writer(), name="writer")
        for i in range(readers):
            env.process(reader(env.var(f"seen{i}", -1)), name=f"r{i}")

    return model
