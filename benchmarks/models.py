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


def lastzero(n: int) -> rm.Model:
    """lastzero(N) of Abdulla et al., POPL 2014: thread 0 scans array[N..0] for the last
    zero while thread j (1..N) writes array[j] = array[j-1] + 1."""
    model = rm.Model(f"lastzero-{n}", params={"n": n})

    @model.build
    def build(env: rm.Env, n: int) -> None:
        array = [env.var(f"array{i}", 0) for i in range(n + 1)]

        def scanner():
            i = n
            while True:
                value = array[i].value
                yield env.pause()
                if value == 0:
                    break
                i -= 1

        def writer(j: int):
            value = array[j - 1].value
            yield env.pause()
            array[j].value = value + 1

        env.process(scanner(), name="t0")
        for j in range(1, n + 1):
            env.process(writer(j), name=f"t{j}")

    return model


def _cas(var: rm.Var[int], expect: int, new: int) -> bool:
    if var.value == expect:
        var.value = new
        return True
    return False


def indexer(n: int) -> rm.Model:
    """indexer(N) of Flanagan and Godefroid, POPL 2005: N threads insert 4 messages each
    into a 128-entry hash table with compare-and-swap; collisions start at N = 12."""
    model = rm.Model(f"indexer-{n}", params={"n": n})
    size = 128

    @model.build
    def build(env: rm.Env, n: int) -> None:
        table: dict[int, rm.Var[int]] = {}

        def slot(h: int) -> rm.Var[int]:
            if h not in table:  # created on first use: 128 variables per build are slow
                table[h] = env.var(f"table{h}", 0)
            return table[h]

        for h in range(size):
            slot(h)

        def thread(tid: int):
            for m in range(4):
                w = m * 11 + tid
                h = (w * 7) % size
                while True:
                    done = _cas(slot(h), 0, w)
                    yield env.pause()
                    if done:
                        break
                    h = (h + 1) % size

        for tid in range(n):
            env.process(thread(tid), name=f"t{tid}")

    return model


def filesystem(n: int) -> rm.Model:
    """filesystem(N) of Flanagan and Godefroid, POPL 2005: N threads allocate an inode
    and a disk block under inode and block locks; threads conflict from N = 14."""
    model = rm.Model(f"filesystem-{n}", params={"n": n})
    blocks, inodes = 26, 32

    @model.build
    def build(env: rm.Env, n: int) -> None:
        locki = [env.var(f"locki{i}", False) for i in range(inodes)]
        inode = [env.var(f"inode{i}", 0) for i in range(inodes)]
        lockb = [env.var(f"lockb{b}", False) for b in range(blocks)]
        busy = [env.var(f"busy{b}", False) for b in range(blocks)]

        def acquire(lock: rm.Var[bool]):
            yield env.wait_until(lambda: not lock.value, "lock")
            lock.value = True

        def thread(tid: int):
            i = tid % inodes
            yield from acquire(locki[i])
            if inode[i].value == 0:
                b = (i * 2) % blocks
                while True:
                    yield from acquire(lockb[b])
                    if not busy[b].value:
                        busy[b].value = True
                        inode[i].value = b + 1
                        lockb[b].value = False
                        yield env.pause()
                        break
                    lockb[b].value = False
                    yield env.pause()
                    b = (b + 1) % blocks
            locki[i].value = False
            yield env.pause()

        for tid in range(n):
            env.process(thread(tid), name=f"t{tid}")

    return model


def atomic_ops(name: str, n: int, ops: int, body) -> rm.Model:  # type: ignore[no-untyped-def]
    """N threads, each running `body(env, shared, i)` (a generator of `ops` atomic
    operations, one step each): the shape of GenMC's synthetic tests."""
    model = rm.Model(f"{name}-{n}", params={"n": n})

    @model.build
    def build(env: rm.Env, n: int) -> None:
        shared = {v: env.var(v, 0) for v in ("x", "y", "z")}
        for i in range(1, n + 1):
            env.process(body(env, shared, i), name=f"t{i}")

    return model


def _fetch_add(env: rm.Env, shared: dict, names: str):  # type: ignore[no-untyped-def]
    for name in names:
        shared[name].value += 1
        yield env.pause()


def ainc(n: int) -> rm.Model:
    """GenMC `ainc`: N threads each fetch_add(x, 1)."""
    return atomic_ops("ainc", n, 1, lambda env, s, i: _fetch_add(env, s, "x"))


def binc(n: int) -> rm.Model:
    """GenMC `binc`: N threads each fetch_add(x, 1); fetch_add(y, 1)."""
    return atomic_ops("binc", n, 2, lambda env, s, i: _fetch_add(env, s, "xy"))


def cinc(n: int) -> rm.Model:
    """GenMC `cinc`: N threads each fetch_add x, y, z."""
    return atomic_ops("cinc", n, 3, lambda env, s, i: _fetch_add(env, s, "xyz"))


def _one_cas(env: rm.Env, shared: dict, expect: int, new: int):  # type: ignore[no-untyped-def]
    _cas(shared["x"], expect, new)  # a failed CAS only reads, as in GenMC
    yield env.pause()


def cas(n: int) -> rm.Model:
    """GenMC `cas`: thread i does CAS(x, 0, i)."""
    return atomic_ops("cas", n, 1, lambda env, s, i: _one_cas(env, s, 0, i))


def casrot(n: int) -> rm.Model:
    """GenMC `casrot`: thread i does CAS(x, i - 1, i)."""
    return atomic_ops("casrot", n, 1, lambda env, s, i: _one_cas(env, s, i - 1, i))


def _cas_then_store(env: rm.Env, shared: dict, i: int):  # type: ignore[no-untyped-def]
    _cas(shared["x"], 0, 1)
    yield env.pause()
    shared["x"].value = i - 1 + 3
    yield env.pause()


def casw(n: int) -> rm.Model:
    """GenMC `casw`: thread i does CAS(x, 0, 1); store(x, i + 3) (i from 0)."""
    return atomic_ops("casw", n, 2, _cas_then_store)
