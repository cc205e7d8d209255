"""Promela twins of the rasmodel models in this directory, templated by size.

`promela(family, **params)` returns the text of a .pml model; `spin_compare.py`
writes it into a temporary directory and runs `spin -a`, `gcc` and `./pan` on it.
To look at one: `python benchmarks/spin/promela.py nmi_spinlock n=2`.
"""

from __future__ import annotations

import sys

LOST_UPDATE_PML = """\
/* Lost update with N workers (twin of benchmarks/spin/lost_update.py).
 * Each worker reads the shared counter, then (a separate step) writes back
 * read + 1. init starts the workers, waits until they have all exited
 * (_nr_pr == 1: only init is left) and asserts counter == N: VIOLATED. */
#define N {n}

byte counter = 0;

proctype worker()
{{
\tbyte tmp;
\ttmp = counter;          /* step 1: read */
\tcounter = tmp + 1       /* step 2: write back */
}}

init
{{
\tatomic {{
{runs}
\t}};
\t(_nr_pr == 1);
\tassert(counter == N)
}}
"""

INDEPENDENT_PML = """\
/* N independent processes of K steps each (twin of benchmarks/spin/independent.py).
 * Each process increments only its own variable (a local, so SPIN's partial-order
 * reduction sees the steps as independent) and asserts it made K steps; nothing
 * can fail and there is no invalid end state. */
#define N {n}
#define K {k}

active [N] proctype p()
{{
\tbyte v = 0;
{steps}
\tassert(v == K)
}}
"""

NMI_SPINLOCK_PML = """\
/* NMI spinlock self-deadlock with N CPUs (twin of benchmarks/spin/nmi_spinlock.py).
 * One shared spinlock. Each CPU is one process running its task:
 *     spin_lock(lock); critical section; spin_unlock(lock)
 * and, exactly once, an NMI that may arrive at any point between the task's steps
 * (a nondeterministic choice at each point, forced after the task's last step).
 * Being on the same CPU, the handler runs to completion (or blocks) before the
 * task continues. The handler also takes the lock: if the NMI arrives while its own
 * task holds it, the CPU spins forever -- an invalid end state (deadlock). */
#define N {n}

byte lock = 0;            /* 0: free; c + 1: task of CPU c; N + c + 1: its NMI */

inline nmi_handler(c)
{{
\tnmi_taken = 1;                                /* the NMI arrives */
\tatomic {{ lock == 0 -> lock = N + c + 1 }};     /* spin_lock in NMI */
\tlock = 0                                      /* spin_unlock; NMI returns */
}}

inline maybe_nmi(c)
{{
\tif
\t:: !nmi_taken -> nmi_handler(c)
\t:: true -> skip
\tfi
}}

proctype cpu(byte c)
{{
\tbool nmi_taken = 0;
\tmaybe_nmi(c);
\tatomic {{ lock == 0 -> lock = c + 1 }};         /* spin_lock */
\tmaybe_nmi(c);                                 /* critical section */
\tlock = 0;                                     /* spin_unlock */
\tif                                            /* the NMI comes now at the latest */
\t:: !nmi_taken -> nmi_handler(c)
\t:: else -> skip
\tfi
}}

init
{{
\tatomic {{
{runs}
\t}}
}}
"""


def promela(family: str, **params: int) -> str:
    """The Promela text of `family` ("lost_update", "independent", "nmi_spinlock")."""
    if family == "lost_update":
        n = params["n"]
        runs = "\n".join("\t\trun worker();" for _ in range(n))
        return LOST_UPDATE_PML.format(n=n, runs=runs)
    if family == "independent":
        n, k = params["n"], params["k"]
        steps = "\n".join(f"\tv++;                    /* step {i + 1} */" for i in range(k))
        return INDEPENDENT_PML.format(n=n, k=k, steps=steps)
    if family == "nmi_spinlock":
        n = params["n"]
        runs = "\n".join(f"\t\trun cpu({c});" for c in range(n))
        return NMI_SPINLOCK_PML.format(n=n, runs=runs)
    raise ValueError(f"unknown family {family!r}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: promela.py lost_update|independent|nmi_spinlock [NAME=INT]...")
    args = dict(arg.split("=", 1) for arg in sys.argv[2:])
    print(promela(sys.argv[1], **{key: int(value) for key, value in args.items()}), end="")
