"""Counterexample graphs: structure, and the files they are drawn to."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import networkx as nx
import pytest

import rasmodel as rm
from rasmodel.report.graph import build_graph, draw
from tests.conftest import EXAMPLES, ROOT, run_cli


@pytest.fixture(scope="module")
def lost_update_graph() -> nx.DiGraph:
    result = rm.check(str(EXAMPLES / "lost_update.py"))
    return build_graph(result.counterexamples["all_counted"])


def test_graph_has_a_node_per_step_a_lane_per_process_and_the_hb_edges(lost_update_graph):
    graph = lost_update_graph
    assert sorted(graph.nodes) == [0, 1, 2, 3]
    assert graph.graph["lanes"] == ["w0", "w1"]
    assert graph.graph["title"] == "all_counted: counter is 1"
    program = {(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "program"}
    assert program == {(0, 3), (1, 2)}
    reads = [(a, b, d["key"]) for a, b, d in graph.edges(data=True) if d["kind"] == "reads"]
    assert reads == [(2, 3, "counter")]
    assert graph.nodes[1]["preempts"] and not graph.nodes[2]["preempts"]
    assert graph.nodes[3]["violating"]


def test_kernel_graph_has_context_lanes_and_marks_the_step_the_message_names() -> None:
    result = rm.check(str(ROOT / "models/sea_tif_flag.py"), properties=["handled_before_user"])
    cex = result.counterexamples["handled_before_user"]
    graph = build_graph(cex)
    lanes = graph.graph["lanes"]
    assert "cpu0/task A" in lanes and any(lane.startswith("cpu0/nmi") for lane in lanes)
    violating = [n for n, d in graph.nodes(data=True) if d["violating"]]
    assert len(violating) == 1 and f"at step {violating[0]}" in cex.message
    assert (
        "ret_to_user" in graph.nodes[violating[0]]["label"]
        or "do_notify_resume" in (graph.nodes[violating[0]]["label"])
    )


def test_dot_svg_and_png_files_parse(lost_update_graph, tmp_path: Path) -> None:
    import pydot

    dot = draw(lost_update_graph, str(tmp_path / "g.dot"))
    (parsed,) = pydot.graph_from_dot_file(dot)
    names = {n.get_name() for sub in parsed.get_subgraphs() for n in sub.get_nodes()}
    assert {"s0", "s1", "s2", "s3"} <= names
    svg = draw(lost_update_graph, str(tmp_path / "g.svg"))
    assert ET.parse(svg).getroot().tag.endswith("svg")
    png = draw(lost_update_graph, str(tmp_path / "g.png"))
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        draw(lost_update_graph, str(tmp_path / "g.gif"))


def test_check_and_replay_draw_graphs_from_the_command_line(tmp_path: Path) -> None:
    model = str(EXAMPLES / "lost_update.py")
    proc = run_cli("check", model, "--out", str(tmp_path), "--graph", "svg")
    assert proc.returncode == 1
    assert ET.parse(tmp_path / "all_counted.svg").getroot().tag.endswith("svg")
    replayed = run_cli(
        "replay", model, str(tmp_path / "all_counted.json"), "--graph", str(tmp_path / "r.png")
    )
    assert replayed.returncode == 1
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert run_cli("check", model, "--graph", "svg").returncode == 2


def test_node_labels_wrap_instead_of_being_cut() -> None:
    from rasmodel.report.graph import _wrap

    label = "14: do_notify_resume(task='A', flag='TIF_SEA_NOTIFY')\nsigbus(task='A', code='AR')"
    wrapped = _wrap(label)
    assert all(len(line) <= 26 for line in wrapped.splitlines())
    assert wrapped.replace("\n", "").replace(" ", "") == label.replace("\n", "").replace(" ", "")
    assert "…" not in wrapped
    assert _wrap("x " * 400).endswith("…")  # only a label longer than a box holds is cut
