"""`pytest --rasmodel models/`: each model file's properties as test items.

Registered with pytest by the package (entry point `pytest11`), and inert unless
`--rasmodel` is given. Then every `.py` file under the given paths that defines an
`rm.Model` at module level is collected (helper modules without one are skipped):
one item per property, built-ins included, named `FILE::PROPERTY` (`FILE::MODEL::
PROPERTY` when a file defines several models). A file's model is checked once, with
`--rasmodel-param NAME=VALUE` (repeatable: a variant), `--rasmodel-time-limit` and
`--rasmodel-max-executions`; each item's outcome is its verdict: `holds` passes,
`violated` fails with the counterexample as the failure text, `bounded` (a limit
stopped the search) is skipped, saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rasmodel.errors import RasmodelError
from rasmodel.model import Model
from rasmodel.result import Result, Verdict


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rasmodel", "rasmodel model files as tests")
    group.addoption(
        "--rasmodel",
        action="store_true",
        help="collect the .py files under the given paths that define an rm.Model: "
        "one test per property, its verdict as the outcome",
    )
    group.addoption(
        "--rasmodel-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a model parameter for every collected model (repeatable)",
    )
    group.addoption(
        "--rasmodel-time-limit",
        type=float,
        metavar="SECONDS",
        help="stop each model's search after SECONDS (its unviolated properties skip)",
    )
    group.addoption(
        "--rasmodel-max-executions",
        type=int,
        metavar="N",
        help="stop each model's search after N executions",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getoption("rasmodel") or file_path.suffix != ".py":
        return None
    if file_path.name == "conftest.py" or "Model" not in file_path.read_text(errors="ignore"):
        return None
    return ModelFile.from_parent(parent, path=file_path)


class PropertyViolated(Exception):
    """A property's verdict is `violated`; the message is its counterexample."""


class ModelFile(pytest.File):
    """A model file: its models' properties, checked once per model."""

    def collect(self) -> Any:
        from rasmodel.loader import models_in

        try:
            models = models_in(str(self.path))
        except RasmodelError as error:
            raise self.CollectError(f"rasmodel: {error}") from None
        several = len(models) > 1
        for attr, model in models.items():
            parent: pytest.Collector = self
            if several:
                parent = ModelNode.from_parent(self, name=attr, model=model)
                yield parent
                continue
            yield from _items(parent, model)


class ModelNode(pytest.Collector):
    """One of several models in a file."""

    def __init__(self, *, model: Model, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model

    def collect(self) -> Any:
        yield from _items(self, self.model)


def _items(parent: pytest.Collector, model: Model) -> Any:
    checked = _Checked(parent.config, model)
    for name in model.all_property_names():
        yield PropertyItem.from_parent(parent, name=name, checked=checked)


class _Checked:
    """The result of one model's check, run when its first item runs."""

    def __init__(self, config: pytest.Config, model: Model) -> None:
        self.config = config
        self.model = model
        self.result: Result | None = None
        self.error: RasmodelError | None = None  # a broken model fails every item once

    def get(self) -> Result:
        if self.error is not None:
            raise self.error
        if self.result is None:
            from rasmodel.search import check

            try:
                self.result = check(
                    self.model,
                    params=self.config.getoption("rasmodel_param"),
                    time_limit=self.config.getoption("rasmodel_time_limit"),
                    max_executions=self.config.getoption("rasmodel_max_executions"),
                )
            except RasmodelError as error:
                self.error = error
                raise
        return self.result


class PropertyItem(pytest.Item):
    """One property of one model: passes, fails or skips with its verdict."""

    def __init__(self, *, checked: _Checked, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checked = checked

    def runtest(self) -> None:
        from rasmodel.report.text import counterexample_lines

        result = self.checked.get()
        verdict = result[self.name]
        if verdict.verdict is Verdict.VIOLATED:
            assert verdict.counterexample is not None
            lines = counterexample_lines(verdict.counterexample, result.model_path)
            raise PropertyViolated("\n".join(lines))
        if verdict.verdict is Verdict.NO_VIOLATION_FOUND:
            pytest.skip(
                f"bounded: no violation found in {verdict.executions:,} executions, but "
                "the search was not exhaustive"
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (PropertyViolated, RasmodelError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.checked.model.name}: {self.name}"
