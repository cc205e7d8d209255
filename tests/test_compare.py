"""`rasmodel compare` and the committed design-review report."""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from rasmodel.report.compare import parse_table
from tests.conftest import EXAMPLES, ROOT, SLOW_LOST_UPDATE, run_cli, stop_midway
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
    graph = tmp_path / "out" / "review_files" / "1-lost-update-all_counted.svg"
    assert ET.parse(graph).getroot().tag.endswith("svg")
    assert "(review_files/1-lost-update-all_counted.svg)" in text  # relative to the report
    # Each counterexample's JSON sits beside the report, with its replay command.
    data = tmp_path / "out" / "review_files" / "1-lost-update-all_counted.json"
    assert "rasmodel replay ../racy.py review_files/1-lost-update-all_counted.json" in text
    replayed = run_cli("replay", two_designs[0], str(data))
    assert replayed.returncode == 1 and "counter is 1" in replayed.stdout
    page = (tmp_path / "out" / "review.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "counter is 1" in page
    assert (
        "class='violated'" in page and "href='review_files/1-lost-update-all_counted.json'" in page
    )


def test_compare_puts_variants_of_one_model_side_by_side(tmp_path: Path) -> None:
    report = tmp_path / "variants.md"
    proc = run_cli(
        "compare", str(EXAMPLES / "lost_update.py"), "-V", "atomic=false",
        "-V", "atomic=true,workers=3", "--out", str(report),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = parse_table(report.read_text())
    assert table["lost-update atomic=false"]["all_counted"] == "violated"
    assert table["lost-update atomic=true workers=3"]["all_counted"] == "holds"
    assert "## lost-update atomic=false: all_counted" in report.read_text()
    model = str(EXAMPLES / "lost_update.py")
    for bad, why in ((("-V", "atomic=true", model), "follows"), ((model, "-V", "a"), "NAME=VALUE")):
        wrong = run_cli("compare", *bad)
        assert wrong.returncode == 2 and why in wrong.stderr


def test_one_counterexample_violating_several_properties_is_shown_once(
    model_file, tmp_path: Path
) -> None:
    path = model_file(
        """
        import rasmodel as rm

        model = rm.Model("twice")


        @model.build
        def build(env):
            x = env.var("x", 0)

            def p():
                x.value = 1
                yield env.pause()

            env.process(p(), name="p")
            return x


        @model.final
        def first(x, params):
            return x.value == 0


        @model.final
        def second(x, params):
            return x.value == 0
        """
    )
    report = tmp_path / "report.md"
    assert run_cli("compare", path, "--out", str(report)).returncode == 0
    text = report.read_text()
    assert text.count("## twice: ") == 1 and "## twice: first, second" in text


def _row(first: str) -> tuple[list[str], list[str]]:
    names = ["all_counted", "deadlock", "livelock", "assertion", "exception"]
    return names, [first, "holds", "holds", "holds", "holds"]


def test_compare_without_out_prints_the_table(two_designs) -> None:
    proc = run_cli("compare", *two_designs)
    assert proc.returncode == 0
    assert proc.stdout.startswith("| design | all_counted |")
    assert run_cli("compare", *two_designs, "--html").returncode == 2


# The largest designs (about 40 s, 20 s and 10 s): checked in full by the slow test;
# the fast suite checks them against DOMAIN.md's table (test_seed_models runs them
# too, sea_mf_queue_in_nmi without its migration).
SLOW_DESIGNS = {"sea_estatus_workqueue.py", "sea_estatus_task_work.py", "sea_mf_queue_in_nmi.py"}


def test_committed_report_matches_what_the_checker_finds(seed_check) -> None:
    """Every row of reports/sea_designs.md is what the checker finds now (the largest
    design against DOMAIN.md's table here, in full in the slow test below)."""
    table = parse_table((ROOT / "reports" / "sea_designs.md").read_text())
    assert len(table) == len(TABLE)
    for file, expected in TABLE.items():
        design = file.removesuffix(".py").replace("_", "-")
        if file in SLOW_DESIGNS:
            for prop, verdict in zip(PROPS, expected, strict=True):
                if verdict is not None:  # the table leaves it open: the slow test checks it
                    assert table[design][prop] == verdict, (design, prop)
        else:
            assert table[design] == seed_check(file).verdicts, design


@pytest.mark.slow
def test_committed_report_matches_what_the_checker_finds_now(seed_check) -> None:
    table = parse_table((ROOT / "reports" / "sea_designs.md").read_text())
    for file in TABLE:
        design = file.removesuffix(".py").replace("_", "-")
        assert table[design] == seed_check(file).verdicts, design


def test_an_interrupted_compare_writes_the_report_of_what_it_checked(
    model_file, tmp_path: Path
) -> None:
    import signal

    slow = model_file(SLOW_LOST_UPDATE)
    never_reached = model_file(SLOW_LOST_UPDATE, name="second.py")
    report = tmp_path / "review" / "report.md"
    args = ("compare", slow, never_reached, "--out", str(report))
    returncode, stdout = stop_midway(args, signal.SIGINT)
    assert returncode == 130
    assert "interrupted: not checked: " + never_reached in stdout
    table = parse_table(report.read_text())
    assert list(table) == ["slow-lost-update"]
    assert table["slow-lost-update"]["all_counted"] == "violated"
    assert table["slow-lost-update"]["deadlock"] == "bounded"
    assert "interrupted, " in report.read_text()


def test_compare_takes_the_search_options_of_check(two_designs) -> None:
    racy, atomic = two_designs
    proc = run_cli(
        "compare",
        racy,
        atomic,
        "-p",
        "all_counted",
        "--preemption-bound",
        "0",
        "--strategy",
        "dfs",
        "--max-executions",
        "50",
    )
    assert proc.returncode == 0, proc.stderr
    table = parse_table("\n".join(proc.stdout.splitlines()))
    assert set(table["lost-update"]) == {"all_counted"}  # -p: that property alone
    # No preemption: the racy design's lost update needs one, so the bound hides it.
    assert table["lost-update"]["all_counted"] == "bounded"
    assert table["lost-update-atomic"]["all_counted"] == "bounded"


CAUSAL = """
    import rasmodel as rm

    model = rm.Model("causal")


    @model.build
    def build(env):
        x, y, z = env.var("x", 0), env.var("y", 0), env.var("z", 0)

        def writer():
            x.value = 1
            yield env.pause("x written")
            y.value = x.value
            env.emit("y_set")
            yield env.pause("y written")

        def bystander():
            z.value = 1
            env.emit("z_set")
            yield env.pause("z written")
            z.value = 2
            env.emit("z_set")

        env.process(bystander(), name="bystander")
        env.process(writer(), name="writer")
        return y


    @model.invariant
    def y_stays_zero(y, params):
        return y.value == 0
"""


def test_the_report_excerpt_is_the_causal_slice_with_the_violating_step_marked(
    model_file, tmp_path: Path
) -> None:
    from rasmodel.report.causal import causal_slice
    from rasmodel.search import check

    path = model_file(CAUSAL)
    # As found (the minimiser would leave the bystander's steps out altogether).
    found = check(path, properties=["y_stays_zero"], minimize=False)
    cex = found["y_stays_zero"].counterexample
    assert cex is not None and cex.step >= 0
    kept = causal_slice(cex.execution, cex.step)
    before = {step.actor for step in cex.execution.steps[: cex.step]}
    assert "bystander" in before  # it ran first, and is no part of the story
    actors = {cex.execution.steps[i].actor for i in kept}
    assert actors == {"writer"}  # the bystander's steps could run at any time
    assert cex.step in kept
    report = tmp_path / "report.md"
    proc = run_cli("compare", path, "-p", "y_stays_zero", "--out", str(report))
    assert proc.returncode == 0, proc.stderr
    text = report.read_text()
    assert "| **writer** |" in text and "**y_set**" in text
    assert "bystander" not in text.split("## causal: y_stays_zero")[1]
    assert "steps that happen before the violating step" in text
    terminal = run_cli("check", path, "-p", "y_stays_zero").stdout
    marked = [line for line in terminal.splitlines() if "<- violated here" in line]
    assert len(marked) == 1 and "writer" in marked[0] and "after pause 'x written'" in marked[0]


def test_distinguish_replays_the_scenario_on_the_design_that_holds(tmp_path: Path) -> None:
    report = tmp_path / "review.md"
    model = str(EXAMPLES / "lost_update.py")
    args = ("compare", model, "-V", "atomic=false", "-V", "atomic=true", "--distinguish")
    proc = run_cli(*args, "--out", str(report), "--html")
    assert proc.returncode == 0, proc.stderr
    text = report.read_text()
    section = text.split("### all_counted: lost-update atomic=false violates it, ")[1]
    assert section.startswith("lost-update atomic=true does not")
    assert "(it takes every one of them)" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "w" in line]
    assert "| 1 | w1: start | w1: start |" in rows  # the same preemption, on both designs
    assert any("incremented value=1" in row.split(" | ")[1] for row in rows)
    assert not any("incremented value=1" in row.split(" | ")[2] for row in rows)
    assert "Distinguishing scenarios" in (tmp_path / "review.html").read_text()
    printed = run_cli(*args).stdout  # without --out: printed after the table
    assert "### all_counted: lost-update atomic=false violates it" in printed


def test_the_minimiser_leaves_out_the_steps_the_violation_does_not_need(model_file) -> None:
    from rasmodel.search import check

    cex = check(model_file(CAUSAL), properties=["y_stays_zero"])["y_stays_zero"].counterexample
    assert cex is not None and cex.minimal
    assert [step.actor for step in cex.execution.steps] == ["writer", "writer"]


def test_the_slice_of_an_invariant_keeps_the_writes_it_read(model_file) -> None:
    """The invariant reads x and y; the step that made it fail wrote only one of them."""
    from rasmodel.report.causal import causal_slice
    from rasmodel.search import check

    path = model_file(
        """
        import rasmodel as rm

        model = rm.Model("two-writers")


        @model.build
        def build(env):
            x, y = env.var("x", 0), env.var("y", 0)

            def a():
                x.value = 1
                yield env.pause()

            def b():
                y.value = 1
                yield env.pause()

            env.process(a(), name="a")
            env.process(b(), name="b")
            return x, y


        @model.invariant
        def not_both(system, params):
            x, y = system
            return not (x.value == 1 and y.value == 1)
        """
    )
    cex = check(path, properties=["not_both"])["not_both"].counterexample
    assert cex is not None and {"x", "y"} <= cex.reads
    kept = causal_slice(cex.execution, cex.step, cex.observes, cex.reads)
    assert {cex.execution.steps[i].actor for i in kept} == {"a", "b"}


TWO_MODELS = """
    import rasmodel as rm


    def make(name, atomic):
        model = rm.Model(name)

        @model.build
        def build(env):
            count = env.var("count", 0)

            def worker():
                if atomic:
                    count.value += 1
                    yield env.pause()
                else:
                    value = count.value
                    yield env.pause()
                    count.value = value + 1

            env.process(worker(), name="w0")
            env.process(worker(), name="w1")
            return count

        @model.final
        def counted(count, params):
            return count.value == 2

        return model


    broken = make("counter", False)
    fixed = make("counter", True)
"""


def test_designs_named_path_colon_model_replay_and_distinguish(model_file, tmp_path) -> None:
    """Two models of one file, both named "counter": the report keeps their files
    apart and its replay commands name the model within the file."""
    path = model_file(TWO_MODELS, name="two.py")
    report = tmp_path / "out" / "r.md"
    args = ("compare", f"{path}:broken", f"{path}:fixed", f"{path}:broken", "--distinguish")
    proc = run_cli(*args, "--out", str(report))
    assert proc.returncode == 0, proc.stderr
    text = report.read_text()
    assert "rasmodel replay ../two.py:broken r_files/1-counter-counted.json" in text
    assert "rasmodel replay ../two.py:broken r_files/3-counter-counted.json" in text
    assert "### counted: counter violates it, counter does not" in text
    replayed = run_cli(
        "replay", f"{path}:broken", str(tmp_path / "out/r_files/1-counter-counted.json")
    )
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr


def test_compare_out_that_is_a_directory_is_refused_before_the_search(tmp_path) -> None:
    for out in (str(tmp_path), str(tmp_path / "new") + "/"):
        proc = run_cli("compare", str(EXAMPLES / "lost_update.py"), "--out", out)
        assert proc.returncode == 2 and "not a directory" in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    abbreviated = run_cli("compare", str(EXAMPLES / "lost_update.py"), "--vari=atomic=true")
    assert abbreviated.returncode == 2  # no silently dropped variant


def test_distinguish_follows_a_scenario_past_a_choose_only_one_design_has(
    model_file, tmp_path
) -> None:
    path = model_file(
        """
        import rasmodel as rm

        model = rm.Model("choosy", params={"fixed": False})


        @model.build
        def build(env, fixed):
            count = env.var("count", 0)

            def worker():
                if fixed:
                    env.choose(["a", "b"], "which")  # the fixed design has a choice
                    count.value += 1
                    yield env.pause()
                else:
                    value = count.value
                    yield env.pause()
                    count.value = value + 1

            env.process(worker(), name="w0")
            env.process(worker(), name="w1")
            return count


        @model.final
        def counted(count, params):
            return count.value == 2
        """
    )
    report = tmp_path / "r.md"
    args = ("compare", path, "-V", "fixed=false", "-V", "fixed=true", "--distinguish")
    assert run_cli(*args, "--out", str(report)).returncode == 0
    text = report.read_text()
    assert "(it takes every one of them)" in text, text
