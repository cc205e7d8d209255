"""Counterexample graphs: one node per step, one lane per context, happens-before edges.

The graph is a networkx DiGraph. Lanes are the steps' contexts (CPU and context for
kernel models, the process for generic ones); within a lane, program-order edges;
across lanes, the happens-before edges that explain the interleaving: the step that
triggered the event a step resumed on, and the last write each step read (a lock
release before its acquire, a flag set before it is tested). Preempting steps and
the violating step are marked. Drawn to DOT as text, and to SVG or PNG with
matplotlib (no Graphviz needed), steps left to right in execution order.
"""

from __future__ import annotations

import os
import re
import textwrap
from typing import Any

import networkx as nx

from rasmodel.choices import RUN
from rasmodel.execution import Execution
from rasmodel.result import Counterexample

FORMATS = ("svg", "png", "dot")


def lane_of(actor: str, context: str) -> str:
    return f"{context} {actor}" if context else actor


def build_graph(cex: Counterexample) -> nx.DiGraph:
    """The graph of a counterexample (node = step index)."""
    execution = cex.execution
    graph = nx.DiGraph(title=f"{cex.property_name}: {cex.message}")
    notes = _step_notes(execution)
    violating = _violating_step(execution, cex.property_name, cex.message)
    lanes: list[str] = []
    last_in_lane: dict[str, int] = {}
    last_write: dict[str, int] = {}
    ran = execution.step_choices()
    for position, step in enumerate(execution.steps):
        if _idle_start(step) and step.index not in notes:
            continue
        lane = lane_of(step.actor, step.context)
        if lane not in lanes:
            lanes.append(lane)
        preempts = position < len(ran) and ran[position].preempts
        graph.add_node(
            step.index,
            lane=lane,
            actor=step.actor,
            label=notes.get(step.index) or step.label,
            preempts=preempts,
            violating=step.index == violating,
        )
        if lane in last_in_lane:
            graph.add_edge(last_in_lane[lane], step.index, kind="program")
        sources: dict[str, tuple[int, str, str]] = {}  # the latest edge from each lane
        if step.cause >= 0 and step.cause in graph:
            sources[_lane(graph, step.cause)] = (step.cause, "triggers", "")
        for key in sorted(step.reads):
            writer = last_write.get(key)
            if writer is not None and writer in graph:
                other = _lane(graph, writer)
                if other not in sources or sources[other][0] < writer:
                    sources[other] = (writer, "reads", key)
        for other, (source, kind, key) in sources.items():
            if other != lane:
                graph.add_edge(source, step.index, kind=kind, key=key or kind)
        for key in step.writes:
            last_write[key] = step.index
        last_in_lane[lane] = step.index
    graph.graph["lanes"] = lanes
    return graph


def _idle_start(step: Any) -> bool:
    return step.label == "start" and not step.writes and len(step.reads) <= 1


def _lane(graph: nx.DiGraph, node: int) -> str:
    return str(graph.nodes[node]["lane"])


def _step_notes(execution: Execution) -> dict[int, str]:
    """A short label per step: its emitted events, else nothing (the step label)."""
    notes: dict[int, list[str]] = {}
    index = -1
    for choice in execution.choices:
        if choice.kind == RUN:
            index += 1
        else:
            notes.setdefault(index, []).append(f"{choice.label}={choice.value!r}")
    for event in execution.trace:
        data = ", ".join(f"{k}={v!r}" for k, v in list(event.data.items())[:2])
        notes.setdefault(event.step, []).append(f"{event.kind}({data})" if data else event.kind)
    return {step: "\n".join(lines[:3]) for step, lines in notes.items()}


def _violating_step(execution: Execution, prop: str, message: str) -> int:
    """The step the violation names ("at step N" in its message), else where it was found."""
    named = re.search(r"at step (\d+)", message)
    if named:
        return int(named.group(1))
    for violation in execution.violations:
        if violation.property == prop:
            return violation.step
    return execution.steps[-1].index if execution.steps else -1


def to_dot(graph: nx.DiGraph) -> str:
    """Graphviz text: one cluster per lane, steps ordered by index."""
    lines = ["digraph counterexample {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    lines.append(f'  label="{_escape(graph.graph["title"])}"; labelloc=t;')
    for number, lane in enumerate(graph.graph["lanes"]):
        lines.append(f'  subgraph cluster_{number} {{ label="{_escape(lane)}";')
        for node, data in graph.nodes(data=True):
            if data["lane"] != lane:
                continue
            style = ', style=filled, fillcolor="#f4a3a3"' if data["violating"] else ""
            style += ', color="#d9480f", penwidth=2' if data["preempts"] else ""
            label = _escape(f"{node}: {data['label']}")
            lines.append(f'    s{node} [label="{label}"{style}];')
        lines.append("  }")
    for source, target, data in graph.edges(data=True):
        attrs = "" if data["kind"] == "program" else ', style=dashed, color="#1c7ed6"'
        label = (
            f', label="{_escape(data.get("key", data["kind"]))}"'
            if data["kind"] != "program"
            else ""
        )
        lines.append(f"  s{source} -> s{target} [{attrs.lstrip(', ')}{label}];".replace("[, ", "["))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def draw(graph: nx.DiGraph, path: str) -> str:
    """Write the graph to `path` (.svg, .png or .dot); returns the path."""
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    if extension not in FORMATS:
        raise ValueError(f"graph files are .svg, .png or .dot, not {path!r}")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if extension == "dot":
        with open(path, "w") as out:
            out.write(to_dot(graph))
        return path
    _draw_matplotlib(graph, path)
    return path


def _draw_matplotlib(graph: nx.DiGraph, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    lanes: list[str] = graph.graph["lanes"]
    nodes = sorted(graph.nodes)
    texts = {node: _wrap(f"{node}: {graph.nodes[node]['label']}") for node in nodes}
    tallest = max((text.count("\n") + 1 for text in texts.values()), default=1)
    box = 0.14 * tallest + 0.25  # a box fits the longest wrapped label
    pitch = max(1.0, box + 0.35)  # lanes far enough apart for it
    column = {node: i for i, node in enumerate(nodes)}
    row = {lane: i * pitch for i, lane in enumerate(lanes)}
    width = max(8.0, 1.9 * len(nodes) + 3.0)
    height = max(3.0, pitch * len(lanes) + 1.4)
    figure, axes = plt.subplots(figsize=(width, height))
    axes.set_xlim(-2.6, len(nodes) * 1.9)
    axes.set_ylim(-box, pitch * (len(lanes) - 1) + box)
    axes.invert_yaxis()
    axes.axis("off")
    for lane, y in row.items():
        axes.axhline(y, color="#e9ecef", linewidth=14, zorder=0)
        axes.text(-2.5, y, lane, va="center", ha="left", fontsize=9, weight="bold")
    position = {n: (column[n] * 1.9, row[graph.nodes[n]["lane"]]) for n in nodes}
    for source, target, data in graph.edges(data=True):
        (x0, y0), (x1, y1) = position[source], position[target]
        style = "-" if data["kind"] == "program" else "--"
        color = "#868e96" if data["kind"] == "program" else "#1c7ed6"
        axes.annotate(
            "",
            xy=(x1 - 0.85, y1),
            xytext=(x0 + 0.85, y0),
            arrowprops={"arrowstyle": "->", "linestyle": style, "color": color, "lw": 0.8},
            zorder=1,
        )
    for node in nodes:
        data = graph.nodes[node]
        x, y = position[node]
        face = "#ffc9c9" if data["violating"] else "white"
        edge = "#d9480f" if data["preempts"] else "#495057"
        axes.add_patch(
            FancyBboxPatch(
                (x - 0.85, y - box / 2),
                1.7,
                box,
                boxstyle="round,pad=0.02",
                facecolor=face,
                edgecolor=edge,
                linewidth=2.0 if data["preempts"] else 0.8,
                zorder=2,
            )
        )
        axes.text(x, y, texts[node], ha="center", va="center", fontsize=7, zorder=3)
    axes.set_title(_shorten(graph.graph["title"], 160), fontsize=11, loc="left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _wrap(text: str, limit: int = 26, lines: int = 9) -> str:
    """A node label wrapped to fit its box (not cut), at most `lines` lines."""
    wrapped = [part for line in text.splitlines() for part in textwrap.wrap(line, limit) or [""]]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1][: limit - 1] + "…"]
    return "\n".join(wrapped)


def _shorten(text: str, limit: int = 26) -> str:
    lines = []
    for line in text.splitlines()[:4]:
        lines.append(line if len(line) <= limit else line[: limit - 1] + "…")
    return "\n".join(lines)
