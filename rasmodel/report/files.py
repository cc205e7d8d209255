"""The files of DESIGN section 5: result.json, one counterexample JSON per property, JUnit."""

from __future__ import annotations

import json
import os
from typing import Any
from xml.etree import ElementTree as ET

from rasmodel import __version__
from rasmodel.errors import UsageError
from rasmodel.report.text import counterexample_lines
from rasmodel.result import Counterexample, Result, Verdict


def result_json(result: Result, written: dict[str, str] | None = None) -> dict[str, Any]:
    """The `result.json` document."""
    written = written or {}
    return {
        "rasmodel": __version__,
        "model": result.model_path,
        "name": result.model_name,
        "params": dict(result.params),
        "strategy": result.strategy,
        "reduction": result.reduction,
        "bounds": dict(result.bounds),
        "cache": result.cache,
        "exhaustive": result.exhaustive,
        "stopped_by": result.stopped_by,
        "stats": {
            "executions": result.stats.executions,
            "steps": result.stats.steps,
            "seconds": round(result.stats.seconds, 4),
            "pruned": result.stats.pruned,
            "cached": result.stats.cached,
            "keyed": result.stats.keyed,
            "unkeyed": result.stats.unkeyed,
            "max_depth_seen": result.stats.max_depth_seen,
            "depth_bound_hit": result.stats.depth_bound_hit,
        },
        "properties": [
            {
                "name": p.name,
                "kind": p.kind,
                "verdict": p.verdict.value,
                "message": p.message,
                "executions": p.executions,
                "seconds": round(p.seconds, 4),
                "counterexample": written.get(p.name),
            }
            for p in result.properties
        ],
        "hints": list(result.hints),
    }


def ensure_writable(directory: str, option: str = "--out") -> None:
    """Fail before a search whose results could not be written: create `directory`
    and write a file in it."""
    try:
        os.makedirs(directory, exist_ok=True)
        probe = os.path.join(directory, ".rasmodel-write-test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UsageError(
            f"{option} {directory}: cannot write there ({reason}). Give a directory you "
            "can write to (it is created if missing); nothing was checked yet."
        ) from None


def write_outputs(result: Result, directory: str, graph: str | None = None) -> dict[str, str]:
    """Write result.json, `<property>.json` counterexamples and, with `graph` (svg, png
    or dot), their drawings; returns property -> counterexample path."""
    os.makedirs(directory, exist_ok=True)
    written: dict[str, str] = {}
    for name, cex in result.counterexamples.items():
        path = os.path.join(directory, f"{_safe(name)}.json")
        write_counterexample(cex, path)
        written[name] = path
        if graph:
            from rasmodel.report.graph import build_graph, draw

            draw(build_graph(cex), os.path.join(directory, f"{_safe(name)}.{graph}"))
    with open(os.path.join(directory, "result.json"), "w") as out:
        json.dump(result_json(result, written), out, indent=2)
        out.write("\n")
    return written


def write_counterexample(cex: Counterexample, path: str) -> None:
    with open(path, "w") as out:
        json.dump(cex.to_json(), out, indent=2)
        out.write("\n")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def junit_xml(result: Result) -> str:
    """One testsuite per model, one testcase per property."""
    failures = sum(p.verdict is Verdict.VIOLATED for p in result.properties)
    suite = ET.Element(
        "testsuite",
        name=f"rasmodel.{result.model_name}",
        tests=str(len(result.properties)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{result.stats.seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in [("model", result.model_path), ("exhaustive", str(result.exhaustive))]:
        ET.SubElement(props, "property", name=key, value=value)
    for prop in result.properties:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"rasmodel.{result.model_name}",
            name=prop.name,
            time=f"{prop.seconds:.3f}",
        )
        if prop.counterexample is not None:
            failure = ET.SubElement(case, "failure", message=prop.message, type="violated")
            failure.text = "\n".join(counterexample_lines(prop.counterexample))
        elif prop.verdict is Verdict.NO_VIOLATION_FOUND:
            out = ET.SubElement(case, "system-out")
            out.text = f"no violation found in {prop.executions} executions (search bounded)"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
