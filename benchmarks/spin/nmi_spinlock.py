"""NMI spinlock self-deadlock with N CPUs (the rasmodel side of `spin_compare.py`).

The kernel bug: an NMI handler takes a spinlock that the context it interrupted, on
the same CPU, already holds. The NMI cannot return until it gets the lock, and the
holder cannot run (and release it) until the NMI returns: the CPU spins forever.

Design (one shared spinlock `lock`, as with a global lock taken from NMI context,
e.g. the old printk logbuf_lock):

- per CPU c a task: `spin_lock(lock)`; critical section; `spin_unlock(lock)`;
- per CPU c an NMI that arrives exactly once, at any point relative to the task's
  steps (before it, while it spins, inside its critical section, after it). The
  handler does `spin_lock(lock)`; `spin_unlock(lock)` and returns.

An NMI stops its CPU: a per-CPU tracked flag `in_nmi[c]` is set when the NMI arrives
and cleared when its handler returns, and every step of CPU c's task is guarded by
`not in_nmi[c]` (`env.wait_until`), so the task never runs while its CPU is in the
NMI, and the handler runs to completion or blocks. Spinning is a guarded step that
takes the lock in the same step as it sees it free (README "Waiting"). When the NMI
arrives while its own task holds the lock, the NMI waits for the lock and the task
waits for `in_nmi[c]` to clear: the built-in `deadlock` property is VIOLATED (for
every n >= 1). The Promela twin is `NMI_SPINLOCK_PML` in `benchmarks/spin/promela.py`.

    rasmodel check benchmarks/spin/nmi_spinlock.py -D n=2
"""

import rasmodel as rm

model = rm.Model("spin-nmi-spinlock", params={"n": 1}, doc=__doc__)

FREE = None


@model.build
def build(env: rm.Env, n: int):
    lock = env.var("lock", FREE)  # holder name, or FREE
    in_nmi = [env.var(f"in_nmi{c}", False) for c in range(n)]

    def task(c):
        me = f"task{c}"
        # spin_lock: runs only while CPU c is not in its NMI and the lock is free
        yield env.wait_until(lambda: not in_nmi[c].value and lock.value is FREE, "spin_lock")
        lock.value = me
        # critical section: the NMI may arrive here
        yield env.wait_until(lambda: not in_nmi[c].value, "spin_unlock")
        lock.value = FREE

    def nmi(c):
        me = f"nmi{c}"
        in_nmi[c].value = True  # the NMI arrives on CPU c
        yield env.wait_until(lambda: lock.value is FREE, "nmi spin_lock")
        lock.value = me
        yield env.pause("nmi critical section")
        lock.value = FREE  # spin_unlock, then the handler returns
        in_nmi[c].value = False

    for c in range(n):
        env.process(task(c), name=f"task{c}")
        env.process(nmi(c), name=f"nmi{c}")
    return lock
