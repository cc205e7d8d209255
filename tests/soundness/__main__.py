"""`python -m tests.soundness -n 10000`: run N generated programs against the oracle.

Prints a progress line, then the feature mix (how many programs used each feature),
how many were skipped and why, the time, and every disagreement; each disagreeing
program is written (shrunk with `--shrink`) to `--out` as a model file. Ctrl-C
(SIGINT) stops the run: the programs in flight are dropped, the summary of the
programs done is printed, and each disagreement is written unshrunk.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

from tests.soundness.compare import check_program, shrink
from tests.soundness.gen import generate, render


def _run(seed: int) -> tuple[int, list[str], str, frozenset[str], int, int]:
    program = generate(seed)
    report = check_program(program, samplers=seed % 3 == 0, plain=seed % 5 == 0)
    return seed, report.problems, report.skipped, program.features, report.runs, report.dpor


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops and reports what was done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--programs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0, help="first program seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default="soundness-failures", help="where failures go")
    parser.add_argument("--shrink", action="store_true", help="shrink each failing program")
    parser.add_argument(
        "--only",
        metavar="FAMILY",
        help="only programs of one family (engine, shared vars, guards, kernel)",
    )
    args = parser.parse_args(argv)
    seeds: Iterable[int] = range(args.seed, args.seed + args.programs)
    if args.only:
        seeds = itertools.islice(
            (s for s in itertools.count(args.seed) if generate(s).family == args.only),
            args.programs,
        )
    start = time.monotonic()
    mix: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    failures: list[tuple[int, list[str]]] = []
    runs = dpor = done = last = 0
    interrupted = False
    pool = ProcessPoolExecutor(args.jobs, initializer=_ignore_sigint)
    try:
        for seed, problems, skip, features, oracle_runs, dpor_runs in pool.map(
            _run, seeds, chunksize=4
        ):
            done += 1
            last = seed
            if skip:
                skipped[skip.split(":")[0]] += 1
            else:
                mix.update(features)
                runs += oracle_runs
                dpor += dpor_runs
            if problems:
                failures.append((seed, problems))
                print(f"\nseed {seed}: " + "; ".join(problems), flush=True)
            if done % 20 == 0 or done == args.programs:
                elapsed = time.monotonic() - start
                print(
                    f"\r{done}/{args.programs} programs, {len(failures)} disagreements, "
                    f"{elapsed:.0f} s",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if interrupted:  # the programs in flight are dropped, not waited for
            for worker in list(getattr(pool, "_processes", {}).values()):
                worker.terminate()
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    elapsed = time.monotonic() - start
    checked = done - sum(skipped.values())
    stopped = f" (interrupted: seeds {args.seed}..{last})" if interrupted and done else ""
    print(
        f"\n{done} programs in {elapsed:.0f} s{stopped}: {checked} checked, "
        f"{len(failures)} disagree"
    )
    print(f"oracle executions {runs:,}, DPOR executions {dpor:,}")
    for reason, count in skipped.most_common():
        print(f"  skipped ({reason}): {count}")
    print("feature mix (programs checked that use each):")
    for feature, count in sorted(mix.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {feature:<28} {count}")
    sys.stdout.flush()  # the summary is out before any (long) shrinking
    if failures:
        os.makedirs(args.out, exist_ok=True)
        for seed, problems in failures:
            program = generate(seed)
            if args.shrink and not interrupted:
                program = shrink(program)
            path = os.path.join(args.out, f"gen_{seed}.py")
            with open(path, "w") as handle:
                handle.write(render(program))
                handle.write("\n# " + "\n# ".join(problems) + "\n")
            print(f"  {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
