"""The terminal report: one line per property, then each counterexample as a trace table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasmodel import __version__
from rasmodel.choices import RUN
from rasmodel.execution import Execution
from rasmodel.result import Counterexample, Result, Stats, Verdict
from rasmodel.sim.process import Step

_MARK = {
    Verdict.HOLDS: "holds",
    Verdict.VIOLATED: "VIOLATED",
    Verdict.NO_VIOLATION_FOUND: "bounded",
}


def format_params(params: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v!r}" for k, v in params.items()) or "(no parameters)"


def render(result: Result, written: Mapping[str, str] | None = None) -> str:
    """The whole report for `rasmodel check`."""
    lines = [_header(result), ""]
    width = max(len(p.name) for p in result.properties)
    for prop in result.properties:
        effort = f"{prop.executions} executions, {prop.seconds:.2f} s"
        if prop.verdict is Verdict.VIOLATED:
            effort = f"found after {effort}"
        lines.append(f"  {_MARK[prop.verdict]:<9} {prop.name:<{width}}  {effort}")
    for prop in result.properties:
        if prop.counterexample is not None:
            lines += ["", *counterexample_lines(prop.counterexample, result.model_path)]
    for hint in result.hints:
        lines += ["", f"note: {hint}"]
    if written:
        lines += ["", "files:"] + [f"  {path}" for path in written.values()]
    return "\n".join(lines)


def _header(result: Result) -> str:
    stats = result.stats
    scope = "exhaustive" if result.exhaustive else _bounded_by(result)
    return (
        f"rasmodel {__version__}: {result.model_name} ({result.model_path}) "
        f"{format_params(result.params)}\n"
        f"{_strategy(result)}: {stats.executions} executions"
        + _cut(stats)
        + f", {stats.steps} steps, {stats.seconds:.2f} s; {scope}"
    )


def _cut(stats: Stats) -> str:
    """The runs cut short, which the executions do not count."""
    parts = [f"+{stats.pruned} pruned"] if stats.pruned else []
    if stats.cached:
        parts.append(f"+{stats.cached} cut at explored states")
    return f" ({', '.join(parts)})" if parts else ""


def _strategy(result: Result) -> str:
    if result.strategy == "dfs":
        reduction = " with dpor" if result.reduction == "dpor" else ", no reduction"
        cache = ", state cache" if result.cache == "on" else ""
        return "dfs" + reduction + cache
    seed = result.bounds.get("seed")
    return f"{result.strategy} search (seed {seed})"


def _bounded_by(result: Result) -> str:
    reasons = {
        "max-executions": "stopped by --max-executions",
        "time-limit": "stopped by --time-limit",
        "decided": "stopped: every property decided",
        "stop-first": "stopped at the first violation, --stop-first",
        "interrupted": "interrupted by Ctrl-C: the results so far",
        "terminated": "terminated by SIGTERM: the results so far",
        "livelock": "stopped: an execution spins without end",
    }
    if result.stopped_by in reasons:
        return f"not exhaustive ({reasons[result.stopped_by]})"
    if result.stats.depth_bound_hit:
        return f"not exhaustive ({result.stats.depth_bound_hit} executions hit --max-depth)"
    if result.bounds.get("preemption_bound") is not None:
        return f"not exhaustive (--preemption-bound {result.bounds['preemption_bound']})"
    if result.strategy != "dfs":
        return f"not exhaustive ({result.strategy} search samples executions)"
    return "not exhaustive"


def counterexample_lines(cex: Counterexample, model_path: str = "") -> list[str]:
    """The violation message, its trace table and how to replay it."""
    steps = cex.execution.steps
    head = f"{cex.property_name} violated: {cex.message}"
    shape = f"  {cex.preemptions} preemption(s), {len(steps)} steps"
    lines = [head, shape if cex.minimal else f"{shape}; {cex.minimization}"]
    lines += trace_table(cex.execution, violating=cex.step)
    lines += [f"  note: {note}" for note in cex.execution.notes]
    if cex.path:
        lines.append(f"  replay: rasmodel replay {model_path or cex.model_path} {cex.path}")
    return lines


def events_by_step(execution: Execution) -> dict[int, list[str]]:
    """The events each step emitted, as `kind k=v ...` (the build's under -1)."""
    emitted: dict[int, list[str]] = {}
    for event in execution.trace:
        data = " ".join(f"{k}={v!r}" for k, v in event.data.items())
        emitted.setdefault(event.step, []).append(f"{event.kind} {data}".rstrip())
    return emitted


def trace_table(execution: Execution, *, indent: str = "  ", violating: int = -1) -> list[str]:
    """Step, time, context, actor, event: one row per step, one more per emitted event."""
    emitted: dict[int, list[str]] = {}
    index = -1
    for choice in execution.choices:  # choose decisions belong to the step they ran in
        if choice.kind == RUN:
            index += 1
        else:
            emitted.setdefault(index, []).append(f"choose {choice.label} -> {choice.value!r}")
    for at, events in events_by_step(execution).items():
        emitted.setdefault(at, []).extend(f"emit {event}" for event in events)
    rows: list[tuple[str, str, str, str, str]] = []
    for text in emitted.get(-1, []):
        rows.append(("build", "", "", "", text))
    ran = execution.step_choices()
    hidden = 0
    for i, step in enumerate(execution.steps):
        switched = i < len(ran) and ran[i].preempts
        if _idle_start(step) and step.index not in emitted and not switched:
            hidden += 1
            continue
        where = execution.where[i] if i < len(execution.where) else None
        mark = f" (preempts {ran[i].current})" if switched else ""
        if mark and i < len(execution.switches) and execution.switches[i]:
            mark = f" ({execution.switches[i]})"
        label = step.label + (f"  [{where}]" if where else "")
        if step.finished:
            label += "  (exits)"
        if step.index == violating:
            label += "  <- violated here"
        rows.append(
            (str(step.index), f"{step.time:g}", step.context or "-", step.actor + mark, label)
        )
        for text in emitted.get(step.index, []):
            rows.append(("", "", "", "", text))
        if i < len(execution.changed) and execution.changed[i]:
            values = ", ".join(f"{key}={value}" for key, value in execution.changed[i])
            rows.append(("", "", "", "", f"state {values}"))
    if hidden:
        rows.append(("", "", "", "", f"({hidden} process starts that touched nothing not shown)"))
    header = ("step", "time", "context", "actor", "event")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    out = []
    for row in [header, *rows]:
        cells = [row[c].rjust(widths[c]) if c < 2 else row[c].ljust(widths[c]) for c in range(4)]
        out.append(indent + "  ".join(cells) + "  " + row[4])
    return out


def _idle_start(step: Step) -> bool:
    """A process start that read and wrote nothing shared: noise in a trace."""
    return step.label == "start" and not step.writes and len(step.reads) <= 1
