"""rasmodel next to SPIN: `python benchmarks/spin_compare.py [--quick]` prints one table.

Three model families, each written twice, in Promela (`benchmarks/spin/promela.py`,
templated by size) and as a rasmodel model file (`benchmarks/spin/*.py`):

- lost update, n workers: the final count is VIOLATED (SPIN: assertion);
- independent, n processes of k steps: everything holds, no deadlock;
- NMI spinlock, n CPUs: an NMI takes the lock its own CPU's task holds, a
  self-deadlock (SPIN: invalid end state; rasmodel: the built-in `deadlock`).

Both sides are timed end to end, as a user runs them. SPIN: `spin -a model.pml`,
`gcc -O2 -DSAFETY -o pan pan.c` (default partial-order reduction) and `./pan -m... -c0`
(exhaustive: it does not stop at the first error, so "states" is the whole reachable
state space). rasmodel: `python -m rasmodel check FILE -D ... --format json` in a
subprocess with its default options (default reduction, all properties decided,
counterexamples minimised). `--first-error` makes both stop at the first violation
(pan -c1, rasmodel --stop-first). A side that exceeds `--timeout` shows "timeout".

When `spin` is not installed the script tries `apt-get install -y spin`; when that
is impossible (or there is no C compiler) the SPIN columns are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "spin"))

# family -> (label, rasmodel model file, sizes, expected SPIN verdict, expected rasmodel verdict)
FAMILIES = {
    "lost_update": (
        "lost update",
        "lost_update.py",
        [{"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}],
        "viol:assert",
        "viol:all_counted",
    ),
    "independent": (
        "independent",
        "independent.py",
        [{"n": 2, "k": 3}, {"n": 3, "k": 3}, {"n": 4, "k": 3}, {"n": 5, "k": 3}],
        "holds",
        "holds",
    ),
    "nmi_spinlock": (
        "NMI spinlock",
        "nmi_spinlock.py",
        [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}],
        "viol:endstate",
        "viol:deadlock",
    ),
}

PAN_DEPTH = 100_000


@dataclass
class SpinRun:
    verdict: str  # "holds", "viol:assert", "viol:endstate", "timeout", "error", "skipped"
    states: int | None = None
    transitions: int | None = None
    t_spin: float = 0.0
    t_gcc: float = 0.0
    t_pan: float = 0.0
    detail: str = ""

    @property
    def seconds(self) -> float:
        return self.t_spin + self.t_gcc + self.t_pan


@dataclass
class RasRun:
    verdict: str  # "holds", "viol:<property>,...", "bounded", "timeout", "error", "skipped"
    executions: int | None = None
    steps: int | None = None
    seconds: float = 0.0
    reduction: str = ""
    pruned: int = 0
    detail: str = ""


# ------------------------------------------------------------------ tools


def run_quiet(cmd: list[str], timeout: float = 900) -> bool:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def ensure_spin() -> tuple[str | None, str]:
    """The path of `spin` (installing it with apt-get if need be), or None and why."""
    path = shutil.which("spin")
    if path:
        return path, ""
    if not shutil.which("apt-get"):
        return None, "spin is not on PATH and there is no apt-get to install it"
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo") and run_quiet(["sudo", "-n", "true"], timeout=30):
        prefix = ["sudo", "-n"]
    else:
        return None, "spin is not on PATH and apt-get needs root (no password-less sudo)"
    print("spin is not on PATH: installing it with apt-get ...", file=sys.stderr, flush=True)
    install = [*prefix, "apt-get", "install", "-y", "-q", "spin"]
    env_ok = run_quiet(install) or (
        run_quiet([*prefix, "apt-get", "update", "-q"]) and run_quiet(install)
    )
    path = shutil.which("spin")
    if env_ok and path:
        return path, ""
    return None, "spin is not on PATH and `apt-get install -y spin` failed"


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def tool_version(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "?"
    return first_line(done.stdout) or first_line(done.stderr) or "?"


def rasmodel_command() -> list[str] | None:
    """How to run rasmodel: `sys.executable -m rasmodel`, else `rasmodel` on PATH."""
    candidates = [[sys.executable, "-m", "rasmodel"]]
    if shutil.which("rasmodel"):
        candidates.append([shutil.which("rasmodel") or "rasmodel"])
    for cmd in candidates:
        try:
            done = subprocess.run(
                [*cmd, "--version"], capture_output=True, text=True, timeout=120, cwd=ROOT
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return cmd
    return None


def git_description() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "rasmodel"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return "commit unknown"
    if head.returncode != 0:
        return "commit unknown"
    text = f"commit {head.stdout.strip()}"
    if dirty.stdout.strip():
        text += " + uncommitted changes under rasmodel/"
    return text


# ------------------------------------------------------------------ one run


def size_label(params: dict[str, int]) -> str:
    if "k" in params:
        return f"{params['n']}x{params['k']}"
    return str(params["n"])


def run_spin(
    spin: str, cc: str, family: str, params: dict[str, int], timeout: float, first_error: bool
) -> SpinRun:
    result = SpinRun("error")
    deadline = time.monotonic() + timeout
    pan_args = [f"-m{PAN_DEPTH}"] + ([] if first_error else ["-c0"])
    from promela import promela  # benchmarks/spin/promela.py

    with tempfile.TemporaryDirectory(prefix="spin_compare_") as tmp:
        (Path(tmp) / "model.pml").write_text(promela(family, **params))
        phases = [
            ("t_spin", [spin, "-a", "model.pml"]),
            ("t_gcc", [cc, "-O2", "-DSAFETY", "-o", "pan", "pan.c"]),
            ("t_pan", ["./pan", *pan_args]),
        ]
        out = ""
        for attr, cmd in phases:
            left = deadline - time.monotonic()
            start = time.perf_counter()
            try:
                if left <= 0:
                    raise subprocess.TimeoutExpired(cmd, timeout)
                done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=left)
            except subprocess.TimeoutExpired:
                setattr(result, attr, time.perf_counter() - start)
                result.verdict = "timeout"
                return result
            except OSError as exc:
                result.detail = f"{cmd[0]}: {exc}"
                return result
            setattr(result, attr, time.perf_counter() - start)
            out = done.stdout + done.stderr
            if attr != "t_pan" and done.returncode != 0:
                result.detail = f"{Path(cmd[0]).name}: {first_line(out)}"
                return result
    errors = re.search(r"errors:\s*(\d+)", out)
    states = re.search(r"(\d+)\s+states, stored", out)
    transitions = re.search(r"(\d+)\s+transitions", out)
    if not (errors and states):
        result.detail = f"pan: {first_line(out)}"
        return result
    result.states = int(states.group(1))
    result.transitions = int(transitions.group(1)) if transitions else None
    if "max search depth too small" in out:
        result.detail = "pan: max search depth too small"
    found = re.search(r"^pan:\d+:\s*(.*)$", out, re.MULTILINE)  # the first error
    first = found.group(1) if found else ""
    if int(errors.group(1)) == 0:
        result.verdict = "holds"
    elif first.startswith("invalid end state"):
        result.verdict = "viol:endstate"
    elif first.startswith("assertion violated"):
        result.verdict = "viol:assert"
    else:
        result.verdict = "viol:other"
        result.detail = f"pan: {first}"
    return result


def run_rasmodel(
    cmd: list[str], model_file: str, params: dict[str, int], timeout: float, first_error: bool
) -> RasRun:
    args = [*cmd, "check", model_file, "--format", "json"]
    for name, value in params.items():
        args += ["-D", f"{name}={value}"]
    if first_error:
        args.append("--stop-first")
    start = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return RasRun("timeout", seconds=time.perf_counter() - start)
    except OSError as exc:
        return RasRun("error", detail=str(exc))
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1, 3):
        return RasRun("error", seconds=seconds, detail=first_line(done.stderr + done.stdout))
    try:
        data = json.loads(done.stdout)
        stats = data["stats"]
        violated = [p["name"] for p in data["properties"] if p["verdict"] == "violated"]
    except (ValueError, KeyError, TypeError):
        return RasRun("error", seconds=seconds, detail="unreadable --format json output")
    if violated:
        verdict = "viol:" + ",".join(violated)
    elif data.get("exhaustive"):
        verdict = "holds"
    else:
        verdict = "bounded"
    if (done.returncode == 1) != bool(violated):
        verdict += "?"  # the exit code and the verdicts disagree
    return RasRun(
        verdict,
        stats.get("executions"),
        stats.get("steps"),
        seconds,
        str(data.get("reduction", "?")),
        int(stats.get("pruned") or 0),
    )


# ------------------------------------------------------------------ table

COLUMNS = [
    ("family", 13, "<"),
    ("size", 5, "<"),
    ("SPIN verdict", 14, "<"),
    ("states", 9, ">"),
    ("trans", 9, ">"),
    ("spin+gcc+pan s", 17, ">"),
    ("SPIN s", 8, ">"),
    ("rasmodel verdict", 18, ">"),
    ("executions", 11, ">"),
    ("steps", 11, ">"),
    ("rasm s", 8, ">"),
    ("ras/spin", 9, ">"),
    ("agree", 6, ">"),
]


def fmt_row(cells: list[str]) -> str:
    return "".join(
        f"{cell:{align}{width}}" if align == "<" else f"{cell:{align}{width}} "
        for cell, (_, width, align) in zip(cells, COLUMNS, strict=True)
    ).rstrip()


def num(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def ratio_text(spin: SpinRun, ras: RasRun, timeout: float) -> tuple[str, float | None]:
    ok = ("holds", "viol")
    spin_done = spin.verdict.startswith(ok)
    ras_done = ras.verdict.startswith(ok)
    if spin_done and ras_done and spin.seconds > 0:
        value = ras.seconds / spin.seconds
        return (f"{value:.2f}" if value < 10 else f"{value:.0f}"), value
    if spin_done and ras.verdict == "timeout" and spin.seconds > 0:
        return f">{timeout / spin.seconds:.0f}", None
    if ras_done and spin.verdict == "timeout":
        return f"<{ras.seconds / timeout:.2f}", None
    return "-", None


@dataclass
class Row:
    family: str
    params: dict[str, int]
    spin: SpinRun
    ras: RasRun
    ratio: float | None
    agree: str


def table_row(row: Row, label: str, timeout: float) -> str:
    spin, ras = row.spin, row.ras
    spin_finished = spin.verdict not in ("skipped", "error")
    split = f"{spin.t_spin:.2f}+{spin.t_gcc:.2f}+{spin.t_pan:.2f}" if spin_finished else "-"
    spin_total = f"{spin.seconds:.2f}" if spin_finished and spin.verdict != "timeout" else "-"
    if spin.verdict == "timeout":
        spin_total = f">{timeout:g}"
    ras_secs = f"{ras.seconds:.2f}" if ras.verdict not in ("skipped", "error", "timeout") else "-"
    if ras.verdict == "timeout":
        ras_secs = f">{timeout:g}"
    ratio, _ = ratio_text(spin, ras, timeout)
    return fmt_row(
        [
            label,
            size_label(row.params),
            spin.verdict,
            num(spin.states),
            num(spin.transitions),
            split,
            spin_total,
            ras.verdict,
            num(ras.executions),
            num(ras.steps),
            ras_secs,
            ratio,
            row.agree,
        ]
    )


def agreement(spin: SpinRun, ras: RasRun, expect_spin: str, expect_ras: str) -> str:
    checks = []
    if spin.verdict not in ("skipped", "timeout", "error"):
        checks.append(spin.verdict == expect_spin)
    if ras.verdict not in ("skipped", "timeout", "error"):
        checks.append(ras.verdict == expect_ras)
    if not checks:
        return "-"
    return "yes" if all(checks) else "NO"


# ------------------------------------------------------------------ notes


def notes(rows: list[Row], timeout: float, spin_ok: bool) -> list[str]:
    lines: list[str] = []
    spin_rows = [r.spin for r in rows if r.spin.verdict.startswith(("holds", "viol"))]
    if spin_ok and spin_rows:
        fixed = statistics.median(s.t_spin + s.t_gcc for s in spin_rows)
        pan_max = max(s.t_pan for s in spin_rows)
        biggest = max(s.states or 0 for s in spin_rows)
        text = (
            f"SPIN's cost is almost all fixed: generating and compiling the C verifier "
            f"takes {fixed:.2f} s (median), while pan itself needs at most {pan_max:.2f} s "
            f"here (at most {biggest:,} stored states): it stores states, so each state "
            f"is explored once"
        )
        indep = [
            r.spin.states for r in rows if r.family == "independent" and r.spin.states is not None
        ]
        if indep:
            text += (
                ", and its partial-order reduction keeps the independent family linear ("
                + " -> ".join(f"{n:,}" for n in indep)
                + " states)"
            )
        lines.append(text + ".")
    parts = []
    for family, (label, _, _, _, _) in FAMILIES.items():
        frows = [r for r in rows if r.family == family]
        if not frows:
            continue
        timed = [r for r in frows if r.ras.verdict == "timeout"]
        ratios = [(r, r.ratio) for r in frows if r.ratio is not None]
        faster = [r for r, value in ratios if value < 1]
        slower = [r for r, value in ratios if value >= 1] + [
            r for r in timed if r.spin.verdict.startswith(("holds", "viol"))
        ]
        text = f"{label}: "
        if faster and slower:
            text += (
                f"rasmodel is faster up to size {size_label(faster[-1].params)} and "
                f"slower from size {size_label(slower[0].params)}"
            )
        elif faster:
            text += "rasmodel is faster at every size measured"
        elif slower:
            text += "rasmodel is slower at every size measured"
        else:
            text += "no ratio (a side was skipped or timed out)"
        details = []
        states = [f"{r.spin.states:,}" for r in frows if r.spin.states is not None]
        if states:
            details.append(f"SPIN states {' -> '.join(states)}")
        counts = [f"{r.ras.executions:,}" for r in frows if r.ras.executions is not None]
        if counts:
            details.append(f"rasmodel executions {' -> '.join(counts)}")
        if timed:
            details.append(f"rasmodel timeout at {size_label(timed[0].params)}")
        if details:
            text += f" ({'; '.join(details)})"
        parts.append(text)
    reduction = next((r.ras.reduction for r in rows if r.ras.reduction), "?")
    if parts:
        wins = any(r.ratio is not None and r.ratio < 1 for r in rows)
        lines.append(
            f"rasmodel is stateless (reduction: {reduction}): it re-runs the Python "
            f"model from its build once per execution and stores no states, so its time "
            f"follows the number of executions"
            + (", but it has no compile step, which wins on small models" if wins else "")
            + ". "
            + "; ".join(parts)
            + "."
        )
    pruned = [r for r in rows if r.ras.executions and r.ras.pruned * 2 > r.ras.executions]
    if pruned:
        lines.append(
            "rasmodel also re-ran many executions that its reduction then cut short "
            "(pruned, not in the executions column but in steps and time: "
            + ", ".join(
                f"{FAMILIES[r.family][0]} {size_label(r.params)}: {r.ras.pruned:,}" for r in pruned
            )
            + ")."
        )
    bad = [r for r in rows if r.agree == "NO"]
    if bad:
        lines.append(
            "VERDICTS DISAGREE with the expected ones in: "
            + ", ".join(f"{FAMILIES[r.family][0]} {size_label(r.params)}" for r in bad)
            + f" (expected SPIN {FAMILIES[bad[0].family][3]}, rasmodel "
            f"{FAMILIES[bad[0].family][4]} for the first)."
        )
    elif any(r.agree == "yes" for r in rows):
        checked = sum(r.agree == "yes" for r in rows)
        lines.append(
            f"Verdicts are the expected ones in all {checked} row(s) where a side finished"
            " (lost update violated, independent holds, NMI spinlock deadlocks; SPIN"
            " reports the deadlock as an invalid end state)."
        )
    errors = [
        f"{FAMILIES[r.family][0]} {size_label(r.params)} {side}: {run.detail}"
        for r in rows
        for side, run in (("SPIN", r.spin), ("rasmodel", r.ras))
        if run.detail
    ]
    lines += [f"problem: {text}" for text in errors]
    return lines


# ------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only the 2 smallest sizes")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per run and side (default 120)"
    )
    parser.add_argument(
        "--family", action="append", choices=sorted(FAMILIES), help="only this family"
    )
    parser.add_argument(
        "--first-error",
        action="store_true",
        help="stop at the first violation (pan -c1, rasmodel --stop-first)",
    )
    args = parser.parse_args()

    spin, why = ensure_spin()
    cc = shutil.which("gcc") or shutil.which("cc")
    if spin and not cc:
        spin, why = None, "no C compiler (gcc/cc) to build SPIN's pan"
    ras_cmd = rasmodel_command()

    ras_version = tool_version([*ras_cmd, "--version"]) if ras_cmd else "not runnable"
    print(f"{ras_version} ({git_description()}), run as {' '.join(ras_cmd or ['rasmodel'])}")
    if spin and cc:
        print(f"SPIN: {tool_version([spin, '-V'])}; {tool_version([cc, '--version'])}")
        print(
            f"SPIN run: spin -a model.pml; {Path(cc).name} -O2 -DSAFETY -o pan pan.c; "
            f"./pan -m{PAN_DEPTH}{'' if args.first_error else ' -c0'}"
        )
    else:
        print(f"SPIN: SKIPPED ({why}); the SPIN columns are empty.")
    if not ras_cmd:
        print(
            f"rasmodel: SKIPPED ({sys.executable} -m rasmodel does not run); "
            "the rasmodel columns are empty."
        )
    print(
        f"timeout {args.timeout:g} s per run and side; "
        + ("both stop at the first violation" if args.first_error else "both search exhaustively")
    )
    print()
    header = fmt_row([name for name, _, _ in COLUMNS])
    print(header)
    print("-" * len(header), flush=True)

    rows: list[Row] = []
    for family, (label, model_file, sizes, expect_spin, expect_ras) in FAMILIES.items():
        if args.family and family not in args.family:
            continue
        for params in sizes[:2] if args.quick else sizes:
            if spin and cc:
                spin_run = run_spin(spin, cc, family, params, args.timeout, args.first_error)
            else:
                spin_run = SpinRun("skipped")
            if ras_cmd:
                path = str((HERE / "spin" / model_file).relative_to(ROOT))
                ras_run = run_rasmodel(ras_cmd, path, params, args.timeout, args.first_error)
            else:
                ras_run = RasRun("skipped")
            _, value = ratio_text(spin_run, ras_run, args.timeout)
            row = Row(
                family,
                params,
                spin_run,
                ras_run,
                value,
                agreement(spin_run, ras_run, expect_spin, expect_ras),
            )
            rows.append(row)
            print(table_row(row, label, args.timeout), flush=True)
    print()
    for line in notes(rows, args.timeout, bool(spin and cc)):
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # never a traceback: one line saying what went wrong
        print(f"spin_compare: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(2)
