"""`rasmodel compare` and the committed design-review report."""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from rasmodel.report.compare import parse_table
from tests.conftest import EXAMPLES, ROOT, run_cli
from tests.test_seed_models import PROPS, TABLE

pytestmark = pytest.mark.xdist_group("seed-models")  # one worker checks them once


@pytest.fixture
def two_designs(tmp_path: Path) -> tuple[str, str]:
    racy = tmp_path / "racy.py"
    shutil.copy(EXAMPLES / "lost_update.py", racy)
    atomic = tmp_path / "atomic.py"
    atomic.write_text(
        racy.read_text()
        .replace('"atomic": False', '"atomic": True')
        .replace('"lost-update"', '"lost-update-atomic"')
    )
    return str(racy), str(atomic)


def test_compare_writes_the_table_the_violations_and_the_graphs(two_designs, tmp_path) -> None:
    report = tmp_path / "out" / "review.md"
    proc = run_cli("compare", *two_designs, "--out", str(report), "--html")
    assert proc.returncode == 0, proc.stderr
    text = report.read_text()
    assert parse_table(text) == {
        "lost-update": {n: v for n, v in zip(*_row("violated"), strict=True)},
        "lost-update-atomic": {n: v for n, v in zip(*_row("holds"), strict=True)},
    }
    assert "rasmodel compare" in text and "rasmodel 0.1.0" in text
    assert "## lost-update: all_counted" in text and "> counter is 1" in text
    graph = tmp_path / "out" / "review_graphs" / "lost-update-all_counted.svg"
    assert ET.parse(graph).getroot().tag.endswith("svg")
    assert "review_graphs/lost-update-all_counted.svg" in text
    page = (tmp_path / "out" / "review.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "counter is 1" in page
    assert "class='violated'" in page


def _row(first: str) -> tuple[list[str], list[str]]:
    names = ["all_counted", "deadlock", "assertion", "exception"]
    return names, [first, "holds", "holds", "holds"]


def test_compare_without_out_prints_the_table(two_designs) -> None:
    proc = run_cli("compare", *two_designs)
    assert proc.returncode == 0
    assert proc.stdout.startswith("| design | all_counted |")
    assert run_cli("compare", *two_designs, "--html").returncode == 2


SLOW_DESIGNS = {"sea_estatus_workqueue.py"}  # about 40 s: checked in full by the slow test


def test_committed_report_matches_what_the_checker_finds(seed_check) -> None:
    """Every row of reports/sea_designs.md is what the checker finds now (the largest
    design against DOMAIN.md's table here, in full in the slow test below)."""
    table = parse_table((ROOT / "reports" / "sea_designs.md").read_text())
    assert len(table) == len(TABLE)
    for file, expected in TABLE.items():
        design = file.removesuffix(".py").replace("_", "-")
        if file in SLOW_DESIGNS:
            for prop, verdict in zip(PROPS, expected, strict=True):
                assert table[design][prop] == verdict, (design, prop)
        else:
            assert table[design] == seed_check(file).verdicts, design


@pytest.mark.slow
def test_committed_report_matches_what_the_checker_finds_now(seed_check) -> None:
    table = parse_table((ROOT / "reports" / "sea_designs.md").read_text())
    for file in TABLE:
        design = file.removesuffix(".py").replace("_", "-")
        assert table[design] == seed_check(file).verdicts, design
