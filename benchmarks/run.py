"""Reduction and throughput benchmarks: `python benchmarks/run.py` prints one table.

For each program: the number of Mazurkiewicz traces (counted from plain enumeration
with a canonical form, where plain enumeration finishes), then plain enumeration
(`--reduction none`) and DPOR side by side: executions, pruned (sleep-set blocked)
runs, seconds, executions/s and steps/s. Every row is a whole exhaustive check
without minimisation. The machine is shared: compare ratios within one run.
`--spin` adds the side-by-side comparison with SPIN (benchmarks/spin_compare.py);
`--variants SECONDS` the seed models' first variants (`-D errors=2`, ...);
`--cache SECONDS` DPOR with the state cache against without it. A last
table sets plain enumeration against a naive SimPy explorer (benchmarks/naive.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import rasmodel as rm  # noqa: E402
from benchmarks import naive  # noqa: E402
from benchmarks.models import (  # noqa: E402
    ainc,
    binc,
    casrot,
    casw,
    cinc,
    filesystem,
    independent,
    indexer,
    lastzero,
    lost_update,
    readers_writer,
)
from benchmarks.traces import count_traces  # noqa: E402
from rasmodel.loader import load_model  # noqa: E402

# (label, model factory, run plain enumeration too?)
Row = tuple[str, Callable[[], rm.Model], bool]

ROWS: list[Row] = [
    ("independent 3x3", lambda: independent(3, 3), True),
    ("independent 3x4", lambda: independent(3, 4), True),
    ("independent 8x10", lambda: independent(8, 10), False),
    ("readers-writer 3", lambda: readers_writer(3), True),
    ("readers-writer 8", lambda: readers_writer(8), False),
    ("lost update 3", lambda: lost_update(3), True),
    ("lost update 4", lambda: lost_update(4), True),
    ("lost update 5", lambda: lost_update(5), False),
    ("lastzero 3", lambda: lastzero(3), True),
    ("lastzero 5", lambda: lastzero(5), False),
    ("lastzero 10", lambda: lastzero(10), False),
    ("indexer 2", lambda: indexer(2), True),
    ("indexer 12", lambda: indexer(12), False),
    ("indexer 13", lambda: indexer(13), False),
    ("filesystem 2", lambda: filesystem(2), True),
    ("filesystem 14", lambda: filesystem(14), False),
    ("filesystem 16", lambda: filesystem(16), False),
    ("filesystem 18", lambda: filesystem(18), False),
    ("casrot 6", lambda: casrot(6), False),
    ("ainc 6", lambda: ainc(6), False),
    ("binc 4", lambda: binc(4), False),
    ("cinc 3", lambda: cinc(3), False),
    ("casw 4", lambda: casw(4), False),
]
# Traces of the rows too big to count: as GenMC reports them under SC
# (tests/correct/synthetic/*/expected.sc.mo.in) or Abdulla et al. (POPL 2014) do, or
# derived (n threads incrementing k variables: n!^k).
PUBLISHED = {
    "readers-writer 8": 256,
    "lost update 5": 14400,
    "lastzero 5": 64,
    "lastzero 10": 3328,
    "indexer 12": 8,
    "indexer 13": 64,
    "filesystem 14": 2,
    "filesystem 16": 8,
    "filesystem 18": 32,
    "casrot 6": 144,
    "ainc 6": 720,
    "binc 4": 576,
    "cinc 3": 216,
    "casw 4": 1200,
}
SEED_MODELS = [
    "sea_direct",
    "sea_tif_flag",
    "sea_mf_queue_in_nmi",
    "sea_estatus_workqueue",
    "sea_estatus_task_work",
    "mce_task_work",
]
PLAIN_LIMIT = 30.0  # seconds: plain enumeration of the seed models does not finish


def seed(name: str) -> Callable[[], rm.Model]:
    return lambda: load_model(str(HERE.parent / "models" / f"{name}.py"))


ROWS += [(name, seed(name), True) for name in SEED_MODELS]
QUICK = {
    "sea_tif_flag",
    "independent 3x3",
    "readers-writer 3",
    "lost update 3",
    "lastzero 3",
    "indexer 12",
}


def run(make: Callable[[], rm.Model], reduction: str, **options: object) -> tuple[rm.Result, float]:
    start = time.perf_counter()
    model = make()
    if model.name.startswith(("sea-", "mce-", "printk")):
        options.setdefault("properties", [])  # a seed model: every property
    else:
        options.setdefault("properties", ["deadlock"])
    result = rm.check(model, reduction=reduction, minimize=False, **options)
    return result, time.perf_counter() - start


def cells(result: rm.Result | None, seconds: float) -> list[str]:
    if result is None:
        return ["-", "-", "-", "-", "-"]
    stats = result.stats
    bounded = "" if result.exhaustive or result.stopped_by == "decided" else ">"
    return [
        f"{bounded}{stats.executions:,}",
        f"{stats.pruned:,}",
        f"{seconds:.2f}",
        f"{stats.executions / seconds:,.0f}",
        f"{stats.steps / seconds:,.0f}",
    ]


def _print_row(cells: list[str], widths: list[int]) -> None:
    """The first cell left-aligned, the numbers right-aligned."""
    print(
        "".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
    )


BOUNDED = [
    (
        "printk in NMI (2 msgs)",
        "models/examples/printk_in_nmi.py",
        {"nmi_safe": True, "messages": 2},
    ),
    ("sea_mf_queue_in_nmi", "models/sea_mf_queue_in_nmi.py", {}),
]


def bounded_table(limit: float) -> None:
    """`--preemption-bound k` with and without the reduction, on two-CPU kernel models."""
    header = ["model", "bound", "none: exec", "s", "dpor: exec", "pruned", "s"]
    widths = [24, 6, 12, 8, 12, 8, 8]
    _print_row(header, widths)
    print("-" * sum(widths))
    for label, file, params in BOUNDED:
        model = lambda file=file: load_model(str(HERE.parent / file))  # noqa: E731
        for bound in (0, 1, 2):
            plain, plain_s = run(
                model, "none", params=params, preemption_bound=bound, time_limit=limit
            )
            reduced, reduced_s = run(model, "dpor", params=params, preemption_bound=bound)
            cut = "" if plain.stopped_by != "time-limit" else ">"
            row = [
                label,
                str(bound),
                f"{cut}{plain.stats.executions:,}",
                f"{plain_s:.2f}",
                f"{reduced.stats.executions:,}",
                f"{reduced.stats.pruned:,}",
                f"{reduced_s:.2f}",
            ]
            _print_row(row, widths)
    print(
        f"\nbounded search: '>' marks a plain enumeration stopped after {limit:g} s; every"
        "\nproperty of the model is checked."
    )


NAIVE = [
    ("independent 3x3", lambda: naive.independent(3, 3), lambda: independent(3, 3)),
    ("independent 3x4", lambda: naive.independent(3, 4), lambda: independent(3, 4)),
    ("lost update 4", lambda: naive.lost_update(4), lambda: lost_update(4)),
]


def naive_table() -> None:
    """Per-step cost: plain enumeration against a naive SimPy explorer (no footprints,
    no properties but one final check) running the same processes as often."""
    header = ["program", "executions", "naive s", "none s", "ratio"]
    widths = [18, 12, 10, 10, 8]
    _print_row(header, widths)
    print("-" * sum(widths))
    for label, bare, model in NAIVE:
        start = time.perf_counter()
        executions, _ = naive.explore(*bare())
        bare_s = time.perf_counter() - start
        result, plain_s = run(model, "none")
        assert result.stats.executions == executions, (label, executions)
        row = [label, f"{executions:,}", f"{bare_s:.2f}", f"{plain_s:.2f}"]
        _print_row([*row, f"{plain_s / bare_s:.2f}"], widths)
    print("\nratio: rasmodel --reduction none over the naive explorer (benchmarks/naive.py).")


VARIANTS = [
    ("sea_estatus_task_work", {"errors": 2}),
    ("sea_estatus_task_work", {"errors": 2, "simultaneous": 1}),
    ("sea_estatus_workqueue", {"preemptions": 2}),
]


def variants_table(limit: float) -> None:
    """The first variants a kernel developer tries, DPOR without a bound."""
    header = ["seed model", "parameters", "executions", "pruned", "steps", "s"]
    widths = [24, 28, 12, 9, 11, 8]
    _print_row(header, widths)
    print("-" * sum(widths))
    for name, params in VARIANTS:
        result, seconds = run(seed(name), "dpor", params=params, time_limit=limit)
        cut = "" if result.exhaustive else ">"
        stats = result.stats
        shown = " ".join(f"-D {k}={v}" for k, v in params.items())
        row = [name, shown, f"{cut}{stats.executions:,}", f"{stats.pruned:,}"]
        _print_row([*row, f"{stats.steps:,}", f"{seconds:.1f}"], widths)
    print(f"\nvariants: '>' marks a search stopped after {limit:g} s.")


CACHED = [
    ("lost update 4", "benchmarks/spin/lost_update.py", {"n": 4}),
    ("lost update 5", "benchmarks/spin/lost_update.py", {"n": 5}),
    ("NMI spinlock 3", "benchmarks/spin/nmi_spinlock.py", {"n": 3}),
    ("printk in NMI", "models/examples/printk_in_nmi.py", {}),
    ("mce_task_work", "models/mce_task_work.py", {}),
    ("sea_direct", "models/sea_direct.py", {}),
    ("sea_mf_queue_in_nmi", "models/sea_mf_queue_in_nmi.py", {}),
]


def cache_table(limit: float) -> None:
    """DPOR with the state cache (`--cache on`) against without it, same models."""
    header = ["model", "off: exec", "steps", "s", "on: exec", "cut", "steps", "s", "on/off"]
    widths = [22, 11, 10, 8, 10, 8, 10, 8, 8]
    _print_row(header, widths)
    print("-" * sum(widths))
    for label, file, params in CACHED:
        model = lambda file=file: load_model(str(HERE.parent / file))  # noqa: E731
        row = [label]
        seconds = []
        for cache in (False, True):
            setting = "on" if cache else "off"
            result, elapsed = run(
                model, "dpor", params=params, cache=setting, time_limit=limit, properties=[]
            )
            cut = "" if result.exhaustive else ">"
            stats = result.stats
            row += [f"{cut}{stats.executions:,}"] + ([f"{stats.cached:,}"] if cache else [])
            row += [f"{stats.steps:,}", f"{elapsed:.2f}"]
            seconds.append(elapsed)
        _print_row([*row, f"{seconds[1] / seconds[0]:.2f}"], widths)
    print(
        f"\nstate cache: 'cut' counts executions cut at an explored state; '>' marks a"
        f"\nsearch stopped after {limit:g} s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="only a few small rows")
    parser.add_argument("--spin", action="store_true", help="also run the SPIN comparison")
    parser.add_argument(
        "--variants",
        type=float,
        metavar="SECONDS",
        help="also run seed-model variants (-D errors=2, ...), each for up to SECONDS",
    )
    parser.add_argument(
        "--cache",
        type=float,
        metavar="SECONDS",
        help="also compare --cache on with off on some models, each for up to SECONDS",
    )
    args = parser.parse_args()
    header = ["program", "traces", "none: exec", "pruned", "s", "exec/s", "steps/s"]
    header += ["dpor: exec", "pruned", "s", "exec/s", "steps/s"]
    widths = [18, 8, 11, 7, 7, 9, 9, 11, 7, 7, 9, 9]
    _print_row(header, widths)
    print("-" * sum(widths))
    for label, make, plain in ROWS:
        if args.quick and label not in QUICK:
            continue
        traces = f"{PUBLISHED[label]:,}" if label in PUBLISHED else "-"
        plain_result, plain_s = None, 0.0
        if plain and label in SEED_MODELS:
            plain_result, plain_s = run(make, "none", time_limit=PLAIN_LIMIT)
        elif plain:
            plain_result, plain_s = run(make, "none")
            traces = f"{count_traces(make(), properties=['deadlock'])[0]:,}"
        dpor_result, dpor_s = run(make, "dpor")
        row = [label, traces, *cells(plain_result, plain_s), *cells(dpor_result, dpor_s)]
        _print_row(row, widths)
    print(
        "\ntraces: distinct Mazurkiewicz traces among all interleavings (Foata normal form),"
        "\ncounted in a separate plain enumeration (not timed), or where that is too big the"
        "\ncount GenMC (tests/correct/synthetic) or Abdulla et al. (POPL 2014) publish; DPOR"
        "\nwithout a bound is optimal: its executions should equal traces, with 0 pruned."
        f"\nseed models (models/, default parameters, every property): '>' marks a plain"
        f"\nenumeration stopped after {PLAIN_LIMIT:g} s without finishing."
    )
    if not args.quick:
        print()
        bounded_table(PLAIN_LIMIT)
    print()
    naive_table()
    if args.variants:
        print()
        variants_table(args.variants)
    if args.cache:
        print()
        cache_table(args.cache)
    if args.spin:
        print()
        command = [sys.executable, str(HERE / "spin_compare.py")]
        subprocess.run(command + (["--quick"] if args.quick else []), check=False)


if __name__ == "__main__":
    main()
