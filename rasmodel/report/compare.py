"""`rasmodel compare`: designs side by side, property by property, for a design review.

Each model is checked with the same options; the report has the table designs x
properties (holds / violated / bounded, with executions and time), then for each
violation its message, a trace excerpt and the graph of its counterexample, and the
command and version that produced it. Markdown links the graphs as SVG files next to
the report; HTML is one self-contained file with the SVGs inlined.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasmodel import __version__
from rasmodel.report.causal import causal_slice
from rasmodel.report.distinguish import Scenario, distinguish, step_cells
from rasmodel.report.graph import build_graph, draw
from rasmodel.report.text import events_by_step
from rasmodel.result import Counterexample, Result, Verdict

CELL = {
    Verdict.HOLDS: "holds",
    Verdict.VIOLATED: "**violated**",
    Verdict.NO_VIOLATION_FOUND: "bounded",
}


@dataclass(frozen=True)
class Comparison:
    """The results of one comparison, in the order the models were given."""

    results: tuple[Result, ...]
    command: str
    unchecked: tuple[str, ...] = ()  # designs not checked: the user interrupted first
    variants: tuple[str, ...] = ()  # per result, the -V parameters that made it ("")
    scenarios: tuple[Scenario, ...] = ()  # with --distinguish
    specs: tuple[str, ...] = ()  # per result, the model as given (path[:NAME])
    stopped: str | None = None  # "interrupted" or "terminated" when a signal stopped it

    def spec(self, index: int) -> str:
        return self.specs[index] if index < len(self.specs) else self.results[index].model_path

    def label(self, index: int) -> str:
        """How the report names design `index`: the model, and its variant if any."""
        result = self.results[index]
        variant = self.variants[index] if index < len(self.variants) else ""
        return f"{result.model_name} {variant}" if variant else result.model_name

    @property
    def properties(self) -> list[str]:
        names: list[str] = []
        for result in self.results:
            for prop in result.properties:
                if prop.name not in names:
                    names.append(prop.name)
        return names


def _cell(result: Result, name: str) -> str:
    for prop in result.properties:
        if prop.name == name:
            return f"{CELL[prop.verdict]} ({prop.executions:,} ex., {prop.seconds:.1f} s)"
    return "-"


def _scope(result: Result) -> str:
    if result.exhaustive:
        return "exhaustive"
    return "interrupted" if result.stopped_by in ("interrupted", "terminated") else "bounded"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


Row = tuple[str, str, str, str, bool]  # step, context, actor, event, violating


def _excerpt(cex: Counterexample) -> list[Row]:
    """The causal slice of the violation (`report.causal`): one row per event its
    steps emitted (or per step, for a step that emitted none), the rows of the
    violating step marked."""
    execution = cex.execution
    kept = causal_slice(execution, cex.step, cex.observes, cex.reads)
    emitted = events_by_step(execution)
    rows: list[Row] = []
    for index, step in enumerate(execution.steps):
        if index not in kept:
            continue
        violating = index == cex.step
        for text in emitted.get(step.index, [step.label]):
            rows.append((str(step.index), step.context or "-", step.actor, text, violating))
    return rows


def _excerpt_note(cex: Counterexample, rows: list[Row]) -> str:
    steps = len(cex.execution.steps)
    shown = len({row[0] for row in rows})
    if cex.step < 0 and shown == steps:
        return f"All {steps} steps (the verdict is on the end state)."
    if cex.step < 0:
        kinds = ", ".join(sorted(cex.observes or ())) or "any event"
        return (
            f"The {shown} of {steps} steps that lead to the events the property reads "
            f"({kinds}); the others could have run later without changing them."
        )
    return (
        f"The {shown} of {steps} steps that happen before the violating step "
        f"(step {cex.step}, in bold); the others could have run later without changing it."
    )


def table_markdown(comparison: Comparison) -> list[str]:
    """The designs x properties table, as Markdown lines."""
    names = comparison.properties
    lines = [
        "| design | " + " | ".join(names) + " | search |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for index, result in enumerate(comparison.results):
        scope = _scope(result)
        stats = f"{scope}, {result.stats.executions:,} executions, {result.stats.seconds:.1f} s"
        cells = [f"{comparison.label(index)} (`{result.model_path}`)"]
        cells += [_cell(result, name) for name in names]
        lines.append("| " + " | ".join(cells) + f" | {stats} |")
    return lines


Section = tuple[int, list[str], Counterexample]  # design index, properties, one run


def _sections(comparison: Comparison) -> list[Section]:
    """One section per distinct counterexample of each design: properties violated by
    the same choice sequence share one."""
    sections: list[Section] = []
    for index, result in enumerate(comparison.results):
        by_choices: dict[Any, Section] = {}
        for name, cex in result.counterexamples.items():
            found = by_choices.get(cex.choices)
            if found is None:
                by_choices[cex.choices] = found = (index, [], cex)
                sections.append(found)
            found[1].append(name)
    return sections


Files = dict[tuple[int, str], tuple[str, str]]  # (design, property) -> (json, svg)


def _write_files(comparison: Comparison, path: str) -> Files:
    """Beside the report, in `<report>_files/`: each counterexample's JSON (what
    `rasmodel replay` takes) and its graph."""
    from rasmodel.report.files import write_counterexample

    directory = os.path.splitext(path)[0] + "_files"
    out: Files = {}
    for index, names, cex in _sections(comparison):
        name = f"{index + 1}-{_slug(comparison.label(index))}-{_slug(names[0])}"
        stem = os.path.join(directory, name)
        os.makedirs(directory, exist_ok=True)
        write_counterexample(cex, stem + ".json")
        out[(index, names[0])] = (stem + ".json", draw(build_graph(cex), stem + ".svg"))
    return out


def _relative(file: str, report: str) -> str:
    return os.path.relpath(file, os.path.dirname(os.path.abspath(report)) or ".")


def write_markdown(comparison: Comparison, path: str) -> str:
    """Write the Markdown report and, beside it, each counterexample's JSON and graph."""
    files = _write_files(comparison, path)
    lines = [
        "# Design comparison",
        "",
        f"Generated by rasmodel {__version__} with `{comparison.command}`.",
        "Cells: verdict (executions explored when it was reached, seconds);",
        "`bounded`: no violation found, but a bound stopped the search.",
        "",
        *table_markdown(comparison),
    ]
    if comparison.unchecked:
        lines += ["", f"Interrupted: not checked: {', '.join(comparison.unchecked)}."]
    for index, names, cex in _sections(comparison):
        title = f"{comparison.label(index)}: {', '.join(names)}"
        lines += ["", f"## {title}", "", f"> {cex.message}", ""]
        data, graph = files[(index, names[0])]
        lines.append(
            f"{cex.preemptions} preemption(s), {len(cex.execution.steps)} steps; "
            f"replay (from this report's directory): "
            f"`rasmodel replay {_relative(comparison.spec(index), path)} "
            f"{_relative(data, path)}`."
        )
        rows = _excerpt(cex)
        lines += ["", _excerpt_note(cex, rows), *[f"\nNote: {n}" for n in cex.execution.notes], ""]
        lines += ["| step | context | actor | event |", "|---|---|---|---|"]
        for *cells, violating in rows:
            shown = [c.replace("|", "\\|") for c in cells]
            if violating:
                shown = [f"**{c}**" for c in shown]
            lines.append("| " + " | ".join(shown) + " |")
        lines += ["", f"![{title}]({_relative(graph, path)})"]
    lines += scenarios_markdown(comparison)
    text = "\n".join(lines) + "\n"
    with open(path, "w") as out:
        out.write(text)
    return path


def scenarios_markdown(comparison: Comparison) -> list[str]:
    """The --distinguish section: each scenario on both designs, side by side."""
    if not comparison.scenarios:
        return []
    lines = ["", "## Distinguishing scenarios"]
    for scenario in comparison.scenarios:
        bad, good = comparison.label(scenario.violating), comparison.label(scenario.holding)
        lines += ["", f"### {scenario.prop}: {bad} violates it, {good} does not", ""]
        lines.append(_scenario_note(scenario, bad, good))
        lines += ["", f"| step | {bad} | {good} |", "|---|---|---|"]
        for step, left, right, violating in _side_by_side(scenario):
            cells = [step, left.replace("|", "\\|"), right.replace("|", "\\|")]
            if violating:
                cells[1] = f"**{cells[1]}**"
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _scenario_note(scenario: Scenario, bad: str, good: str) -> str:
    cex = scenario.counterexample
    fit = (
        "it takes every one of them"
        if scenario.followed == scenario.total
        else f"it could take {scenario.followed} of its {scenario.total} choices and took its "
        "default schedule for the others"
    )
    if scenario.reordered:
        fit += f", {scenario.reordered} of them ahead of one it could not take yet"
    return (
        f"The shortest scenario found that violates {scenario.prop} on {bad} "
        f"({cex.preemptions} preemption(s), {len(cex.execution.steps)} steps: "
        f"{cex.message}), replayed on {good} with the same choices ({fit}), to its end, "
        f"where {scenario.prop} holds."
    )


def _side_by_side(scenario: Scenario) -> list[tuple[str, str, str, bool]]:
    left = step_cells(scenario.counterexample.execution)
    right = step_cells(scenario.replayed)
    marked = scenario.counterexample.step
    return [
        (
            str(i),
            left[i] if i < len(left) else "",
            right[i] if i < len(right) else "",
            i == marked,
        )
        for i in range(max(len(left), len(right)))
    ]


def write_html(comparison: Comparison, path: str) -> str:
    """Write one HTML page (graphs inlined as SVG, scaled to the page width); each
    counterexample's JSON sits beside it, linked with its replay command."""
    files = _write_files(comparison, path)
    names = comparison.properties
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Design comparison</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:120em}"
        "table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;overflow-wrap:break-word}"
        "td:first-child,th{white-space:nowrap}"
        ".violated{background:#ffc9c9}.holds{background:#d3f9d8}.bounded{background:#fff3bf}"
        ".graph{overflow-x:auto;border:1px solid #eee}.graph svg{max-width:100%;height:auto}"
        "code{background:#f1f3f5}tr.violating td{background:#ffc9c9;font-weight:bold}</style>",
        "</head><body><h1>Design comparison</h1>",
        f"<p>Generated by rasmodel {esc(__version__)} with <code>{esc(comparison.command)}"
        "</code>.</p><table><tr><th>design</th>",
    ]
    parts += [f"<th>{esc(n)}</th>" for n in names] + ["<th>search</th></tr>"]
    for index, result in enumerate(comparison.results):
        parts.append(
            f"<tr><td>{esc(comparison.label(index))}<br><code>{esc(result.model_path)}</code></td>"
        )
        for name in names:
            prop = next((p for p in result.properties if p.name == name), None)
            if prop is None:
                parts.append("<td>-</td>")
                continue
            klass = {"holds": "holds", "violated": "violated"}.get(prop.verdict.value, "bounded")
            text = "bounded" if klass == "bounded" else prop.verdict.value
            parts.append(
                f"<td class='{klass}'>{text}<br><small>{prop.executions:,} ex., "
                f"{prop.seconds:.1f} s</small></td>"
            )
        scope = _scope(result)
        parts.append(f"<td>{scope}, {result.stats.executions:,} executions</td></tr>")
    parts.append("</table>")
    if comparison.unchecked:
        parts.append(f"<p>Interrupted: not checked: {esc(', '.join(comparison.unchecked))}.</p>")
    for index, props, cex in _sections(comparison):
        result = comparison.results[index]
        data, graph = files[(index, props[0])]
        rows = _excerpt(cex)
        parts.append(f"<h2>{esc(comparison.label(index))}: {esc(', '.join(props))}</h2>")
        parts.append(f"<blockquote>{esc(cex.message)}</blockquote>")
        link = _relative(data, path)
        parts.append(
            f"<p>{cex.preemptions} preemption(s), {len(cex.execution.steps)} steps; replay "
            "(from this page's directory): "
            f"<code>rasmodel replay {esc(_relative(comparison.spec(index), path))} "
            f"{esc(link)}</code> "
            f"(<a href='{esc(link)}'>counterexample</a>)</p>"
        )
        parts += [f"<p>Note: {esc(note)}</p>" for note in cex.execution.notes]
        parts.append(f"<p>{esc(_excerpt_note(cex, rows))}</p><table>")
        parts.append("<tr><th>step</th><th>context</th><th>actor</th><th>event</th></tr>")
        for *cells, violating in rows:
            mark = " class='violating'" if violating else ""
            parts.append(f"<tr{mark}>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
        with open(graph) as handle:
            svg = handle.read()
        parts.append(f"<div class='graph'>{svg[svg.find('<svg') :]}</div>")
    parts += _scenarios_html(comparison)
    parts.append("</body></html>")
    with open(path, "w") as out:
        out.write("\n".join(parts))
    return path


def _scenarios_html(comparison: Comparison) -> list[str]:
    if not comparison.scenarios:
        return []
    esc = html.escape
    parts = ["<h2>Distinguishing scenarios</h2>"]
    for scenario in comparison.scenarios:
        bad, good = comparison.label(scenario.violating), comparison.label(scenario.holding)
        parts.append(f"<h3>{esc(scenario.prop)}: {esc(bad)} violates it, {esc(good)} does not</h3>")
        parts.append(f"<p>{esc(_scenario_note(scenario, bad, good))}</p><table>")
        parts.append(f"<tr><th>step</th><th>{esc(bad)}</th><th>{esc(good)}</th></tr>")
        for step, left, right, violating in _side_by_side(scenario):
            mark = " class='violating'" if violating else ""
            parts.append(f"<tr{mark}><td>{step}</td><td>{esc(left)}</td><td>{esc(right)}</td></tr>")
        parts.append("</table>")
    return parts


def parse_table(text: str) -> dict[str, dict[str, str]]:
    """The verdicts of a Markdown report's table: design -> property -> verdict."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| design |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not line.startswith("|---"):
            rows.append(line)
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    table: dict[str, dict[str, str]] = {}
    for line in rows[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        design = cells[0].split(" (")[0]
        table[design] = {
            name: cell.split(" (")[0].strip("*")
            for name, cell in zip(header[1:-1], cells[1:-1], strict=True)
        }
    return table


Design = tuple[str, tuple[str, ...]]  # a model file and its variant's NAME=VALUEs


def compare(
    designs: Sequence[str | Design], command: str, *, tell_apart: bool = False, **options: Any
) -> Comparison:
    """Check every design (a model file, or a file and the parameters of one of its
    variants) with the same options; after Ctrl-C or SIGTERM, the designs checked
    so far (the interrupted one with its results so far). `tell_apart`: and the
    scenarios that distinguish them (see `report.distinguish`)."""
    from rasmodel.search import INTERRUPTS, Terminated, check

    common = list(options.pop("params", ()) or ())
    pairs = [(d, ()) if isinstance(d, str) else d for d in designs]
    results: list[Result] = []
    variants: list[str] = []
    specs = tuple(path for path, _ in pairs)
    for index, (path, variant) in enumerate(pairs):
        try:
            results.append(check(path, params=[*common, *variant], **options))
        except KeyboardInterrupt as signal:  # while a model loads: keep what was checked
            if not options.get("keep_on_interrupt"):
                raise
            left = tuple(_named(p, v) for p, v in pairs[index:])
            why = "terminated" if isinstance(signal, Terminated) else "interrupted"
            return Comparison(tuple(results), command, left, tuple(variants), (), specs, why)
        variants.append(" ".join(variant))
        stopped = results[-1].stopped_by
        if stopped in INTERRUPTS:
            left = tuple(_named(p, v) for p, v in pairs[index + 1 :])
            return Comparison(tuple(results), command, left, tuple(variants), (), specs, stopped)
    scenarios: tuple[Scenario, ...] = ()
    if tell_apart:
        try:
            scenarios = tuple(distinguish(results, specs))
        except KeyboardInterrupt as signal:  # keep the designs' results
            if not options.get("keep_on_interrupt"):
                raise
            why = "terminated" if isinstance(signal, Terminated) else "interrupted"
            unchecked = ("the distinguishing scenarios",)
            return Comparison(tuple(results), command, unchecked, tuple(variants), (), specs, why)
    return Comparison(tuple(results), command, (), tuple(variants), scenarios, specs)


def _named(path: str, variant: Sequence[str]) -> str:
    return f"{path} {' '.join(variant)}".strip()
