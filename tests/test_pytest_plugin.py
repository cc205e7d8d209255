"""`pytest --rasmodel DIR`: model files' properties as test items (the real pytest,
in a subprocess, on model files of a fresh directory)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.conftest import EXAMPLES


def _pytest(directory: Path, *args: str) -> dict[str, str]:
    """Run pytest --rasmodel on `directory`; each test id -> passed/failed/skipped."""
    report = directory / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "--rasmodel", str(directory), "-p", "no:cacheprovider",
         "--junitxml", str(report), "-q", *args],
        cwd=directory, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        outcome = "failed" if "failure" in kinds else "skipped" if "skipped" in kinds else "passed"
        outcomes[case.get("name", "")] = outcome
        failure = case.find("failure")
        if failure is not None:
            outcomes[case.get("name", "") + ":text"] = failure.text or ""
    return outcomes


def test_each_property_of_each_model_file_is_a_test_with_its_verdict(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "lost_update.py", tmp_path / "lost_update.py")
    (tmp_path / "helper.py").write_text("def build_something():\n    return 1\n")
    outcomes = _pytest(tmp_path)
    assert outcomes["all_counted"] == "failed"
    assert "counter is 1" in outcomes["all_counted:text"]
    assert outcomes["deadlock"] == "passed" and outcomes["exception"] == "passed"
    assert not any(name.startswith("helper") for name in outcomes)  # no model, no items
    fixed = _pytest(tmp_path, "--rasmodel-param", "atomic=true")
    assert fixed["all_counted"] == "passed"
    bounded = _pytest(tmp_path, "--rasmodel-param", "atomic=true", "--rasmodel-max-executions", "1")
    assert bounded["all_counted"] == "skipped"
    broken = _pytest(tmp_path, "--rasmodel-param", "nope=1")
    failed = [name for name, outcome in broken.items() if outcome == "failed"]
    assert failed and all("has no parameter 'nope'" in broken[f + ":text"] for f in failed)
