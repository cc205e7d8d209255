"""The reference pages in docs/ are generated from the code (docs/generate.py): each
committed page must be what the code generates now."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
assert spec is not None and spec.loader is not None
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.mark.parametrize("page", sorted(generate.PAGES))
def test_the_committed_page_is_what_the_code_generates(page: str) -> None:
    committed = (ROOT / "docs" / page).read_text()
    generated = generate.PAGES[page]()
    if page == "cli.md":  # argparse's layout differs between Python versions: the options
        committed, generated = _options(committed), _options(generated)
    assert committed == generated, (
        f"docs/{page} is out of date: run `python docs/generate.py` and commit it"
    )


def _options(page: str) -> list[tuple[str, list[str]]]:
    """Each section of the CLI page with the options it lists."""
    sections = re.split(r"^## ", page, flags=re.MULTILINE)
    return [(s.splitlines()[0], sorted(set(re.findall(r"--[a-z][a-z-]*", s)))) for s in sections]


def test_the_readme_points_at_documentation_that_ships() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("DESIGN.md", "DOMAIN.md"):
        assert name not in readme
    for page in generate.PAGES:
        assert f"docs/{page}" in readme


def test_the_readme_verdict_table_is_the_one_the_seed_models_are_checked_against() -> None:
    from tests.test_seed_models import PROPS, TABLE

    readme = (ROOT / "README.md").read_text()
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| design | no_sleep_in_atomic"):
            assert tuple(cells[1:]) == PROPS
        elif cells and cells[0] in TABLE:
            rows[cells[0]] = tuple(None if c == "-" else c for c in cells[1:])
    assert rows == TABLE
