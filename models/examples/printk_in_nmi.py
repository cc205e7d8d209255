"""printk() from NMI context: the classic self-deadlock on the log buffer lock.

Tasks on cpu0 and cpu1 each call printk(), which takes `logbuf_lock` with
spin_lock_irqsave(), appends to the log buffer and releases the lock. An NMI-like
notification on cpu0 calls printk() too: when it lands while the task on cpu0 holds
the lock, it spins on a lock its own interrupted context holds. (The kernel's answer
was the per-CPU NMI buffer, then the lockless printk ringbuffer: `-D nmi_safe=true`
models the first, logging into a per-CPU buffer that a later printk() flushes.)

    rasmodel check models/examples/printk_in_nmi.py              # reentrancy_safe violated
    rasmodel check models/examples/printk_in_nmi.py -D nmi_safe=true
"""

import rasmodel as rm
from rasmodel.kernel import NMI, Kernel, SpinLock

model = rm.Model("printk-in-nmi", params={"nmi_safe": False, "messages": 1})


@model.build
def build(env, nmi_safe, messages):
    k = Kernel(env, cpus=2, preemptions=0, migrations=0)
    logbuf_lock = SpinLock(k, "logbuf_lock")
    log = env.queue("log_buf")
    nmi_buf = env.queue("nmi_buf")  # the per-CPU NMI buffer of cpu0 (-D nmi_safe)

    def printk(text):
        if nmi_safe and k.in_nmi():  # printk_nmi: no lock in NMI context
            nmi_buf.append(text)
            yield k.step("printk_nmi")
            return
        flags = yield from logbuf_lock.spin_lock_irqsave()
        while nmi_buf:  # printk_nmi_flush
            log.append(nmi_buf.popleft())
        log.append(text)
        yield k.step("log_store")
        logbuf_lock.spin_unlock_irqrestore(flags)

    def task(name):
        def body(t):
            for i in range(messages):
                yield from printk(f"{name}: message {i}")
            yield k.step("done")

        return body

    def nmi_handler(ctx):
        yield from printk("NMI backtrace")

    k.task("A", task("A"), cpu=0)
    k.task("B", task("B"), cpu=1)
    k.interrupt("nmi", nmi_handler, cpu=0, kind=NMI)
    return log


model.check(rm.never("self_deadlock"), name="reentrancy_safe")
