"""The `rasmodel` command: argument parsing, output selection and exit codes only.

Exit codes (DESIGN section 6): 0 no violation found, 1 a property is violated,
2 usage error or broken model, 3 `--require-exhaustive` and a bound stopped the search.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from typing import Any

from rasmodel import __version__
from rasmodel.errors import RasmodelError, ReplayMismatch, UsageError

EXIT_OK, EXIT_VIOLATED, EXIT_ERROR, EXIT_BOUNDED = 0, 1, 2, 3

_EPILOG = """exit codes: 0 no violation found (the report says whether the search was
exhaustive), 1 a property is violated, 2 usage error or broken model,
3 with --require-exhaustive: a bound stopped the search first."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`).")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rasmodel",
        description="Explore every interleaving of a SimPy model of a kernel RAS design "
        "and report each property violation as a minimal, replayable counterexample.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rasmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser(
        "check",
        help="explore a model and check its properties",
        description="Explore the executions of MODEL.py and give every property a verdict: "
        "holds (exhaustive search), violated (with a counterexample), or bounded "
        "(no violation found, but a bound cut the search short).",
        epilog=_EPILOG,
    )
    check.add_argument("model", metavar="MODEL.py", help="model file (path[:NAME] to pick one)")
    _add_model_options(check)
    _add_search_options(check)
    check.add_argument(
        "--cross-check",
        action="store_true",
        help="run both --reduction dpor and none, and fail (exit 2) if the verdicts or the "
        "sets of final states differ: catches shared state that is not tracked",
    )
    check.add_argument(
        "--stop-first",
        action="store_true",
        help="stop at the first violation instead of deciding every property",
    )
    check.add_argument(
        "--require-exhaustive",
        action="store_true",
        help="exit 3 when a bound stopped the search before it was exhaustive",
    )
    check.add_argument(
        "--out", metavar="DIR", help="write result.json and one <property>.json counterexample each"
    )
    check.add_argument(
        "--graph",
        choices=["svg", "png", "dot"],
        help="with --out: also draw each counterexample as a graph (<property>.<format>)",
    )
    check.add_argument(
        "--format",
        choices=["text", "json", "junit"],
        default="text",
        help="what to print on stdout (default text)",
    )

    replay = sub.add_parser(
        "replay",
        help="re-run a counterexample and re-check its property",
        description="Re-run the choice sequence of COUNTEREXAMPLE.json on MODEL.py, print its "
        "trace and re-check the property. Exit 1 when the violation reproduces, 0 when the "
        "property now holds on that sequence, 2 when the sequence no longer fits the model.",
    )
    replay.add_argument("model", metavar="MODEL.py")
    replay.add_argument("counterexample", metavar="COUNTEREXAMPLE.json")
    replay.add_argument(
        "--graph", metavar="FILE", help="draw the replayed execution to FILE (.svg, .png, .dot)"
    )
    _add_model_options(replay)

    comparer = sub.add_parser(
        "compare",
        allow_abbrev=False,  # -V is attached to files before argparse sees the options
        help="check several designs and write a side-by-side report",
        description="Check each design (a MODEL.py, or a -V variant of the one before it) "
        "with the same options and report the designs x properties table (holds / "
        "violated / bounded, with executions and time), then each counterexample once: "
        "its message, its causal slice, its graph and its replay command; --distinguish "
        "adds the scenarios that tell the designs apart. Exits 0 when the report is "
        "written (violations are its content), 130/143 on Ctrl-C/SIGTERM (the report "
        "of the designs checked so far is still written).",
    )
    comparer.add_argument("models", nargs="+", metavar="MODEL.py")
    comparer.add_argument(
        "-V",
        "--variant",
        dest="variants",
        action="append",
        default=[],
        metavar="NAME=VALUE[,NAME=VALUE]",
        help="a variant of the MODEL.py before it, as a design of its own (repeatable: "
        "`compare models/x.py -V design=broken -V design=fixed`); a file given "
        "without -V is one design at its defaults",
    )
    comparer.add_argument(
        "--out", metavar="REPORT.md", help="write the Markdown report (graphs beside it)"
    )
    comparer.add_argument("--html", action="store_true", help="also write REPORT.html")
    comparer.add_argument(
        "--distinguish",
        action="store_true",
        help="for each property one design violates and another satisfies (holds), "
        "show the shortest scenario found that violates it replayed on both designs, side "
        "by side: what the review argues about",
    )
    _add_model_options(comparer)
    _add_search_options(comparer)

    lister = sub.add_parser(
        "list",
        help="show a model's parameters and properties",
        description="Show a model's parameters (with defaults) and properties (with kinds).",
    )
    lister.add_argument("model", metavar="MODEL.py")
    _add_model_options(lister)
    return parser


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    """What `check` and `compare` share: which properties, the strategy, the bounds."""
    parser.add_argument(
        "-p",
        "--property",
        dest="properties",
        action="append",
        default=[],
        metavar="PROP",
        help="check only this property (repeatable; built-ins: deadlock, livelock, "
        "assertion, exception)",
    )
    parser.add_argument(
        "--strategy",
        default="dfs",
        choices=["dfs", "random", "pct", "hypothesis"],
        help="dfs (default): exhaustive depth-first search; random: uniform random "
        "executions; pct: probabilistic concurrency testing (Burckhardt et al.); "
        "hypothesis: Hypothesis draws and shrinks the choices. The last three run "
        "--max-executions executions (default 1000) and are never exhaustive",
    )
    parser.add_argument(
        "--reduction",
        default="dpor",
        choices=["dpor", "none"],
        help="dfs only: dpor (default) skips interleavings that only reorder independent "
        "steps (every equivalence class is still explored); none explores every interleaving",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="explore in N local worker processes (default 1). The exhaustive search is "
        "cut into units by choice prefix and the units are committed in the order one "
        "process would explore them, so verdicts, executions and pruned runs are the same "
        "for every N; random, pct and hypothesis run one shard per worker with disjoint "
        "seeds. See docs/parallel.md",
    )
    parser.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="run the same units on a Dask distributed cluster: the scheduler's address "
        "(tcp://HOST:8786, started with `dask scheduler` and `dask worker`), or `local` for "
        "a LocalCluster of --jobs workers on this machine. Needs pip install "
        "'rasmodel[cluster]'",
    )
    parser.add_argument(
        "--cache",
        default="off",
        choices=["on", "off"],
        help="dfs only: on keeps the states explored and cuts an execution that reaches "
        "one again (its futures were explored from there); off (default) is stateless. "
        "Not used with --preemption-bound; see docs/cache.md",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the random, pct and hypothesis strategies (default 0)",
    )
    parser.add_argument(
        "--pct-depth",
        type=int,
        default=3,
        metavar="D",
        help="pct: bug depth, i.e. D-1 priority change points (default 3)",
    )
    parser.add_argument(
        "--max-depth",
        type=int,
        default=1000,
        metavar="N",
        help="steps per execution before it is cut (default 1000)",
    )
    parser.add_argument(
        "--max-executions",
        type=int,
        metavar="N",
        help="stop after N executions (the result is then bounded)",
    )
    parser.add_argument(
        "--preemption-bound",
        type=int,
        metavar="N",
        help="explore only executions with at most N preemptions (switches away from a "
        "process that could go on), reduced like the unbounded search; counterexamples "
        "are minimised to the fewest preemptions",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="stop exploring after SECONDS (the result is then bounded)",
    )
    parser.add_argument(
        "--no-minimize",
        dest="minimize",
        action="store_false",
        help="report counterexamples as found, without minimising them",
    )


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-D",
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a model parameter (parsed as the type of its default)",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        parser = build_parser()
        designs: list[Any] = []
        if args_list and args_list[0] == "compare":
            designs, args_list = _split_designs(parser, args_list)
        args = parser.parse_args(args_list)
        args.designs = designs
        if args.command is None:
            build_parser().print_help()
            return EXIT_ERROR
        commands = {"check": _check, "replay": _replay, "list": _list, "compare": _compare}
        return commands[args.command](args)
    except RasmodelError as error:
        if debug:
            traceback.print_exc()
        print(f"rasmodel: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as stop:
        from rasmodel.search import Terminated

        print("rasmodel: interrupted", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the flush at exit
        return EXIT_OK
    except Exception as error:  # a bug in rasmodel itself
        if debug:
            traceback.print_exc()
        print(
            f"rasmodel: internal error: {type(error).__name__}: {error}. This is a bug in "
            "rasmodel, not in your model; rerun with --debug for the traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _check(args: argparse.Namespace) -> int:
    from rasmodel.report.files import ensure_writable, junit_xml, result_json, write_outputs
    from rasmodel.report.progress import Progress
    from rasmodel.report.text import render
    from rasmodel.search import INTERRUPTS, check, cross_check

    options = {**_search_options(args), "stop_first": args.stop_first}
    if args.cross_check and args.strategy != "dfs":
        raise UsageError("--cross-check compares the two dfs reductions; drop --strategy.")
    if args.graph and not args.out:
        raise UsageError("--graph writes files next to the counterexamples: add --out DIR.")
    if args.out:
        ensure_writable(args.out)
    # With a machine-readable format, stdout is that document alone: what the model
    # prints goes to stderr.
    model_output = sys.stderr if args.format != "text" else sys.stdout
    with Progress(args.model) as progress, _stoppable(), redirect_stdout(model_output):
        if args.cross_check:
            del options["reduction"]
            result = cross_check(args.model, progress=progress.update, **options)
        else:
            result = check(args.model, progress=progress.update, **options)
    written = write_outputs(result, args.out, graph=args.graph) if args.out else {}
    if written:
        result = _with_paths(result, written)
    if args.format == "json":
        print(json.dumps(result_json(result, written), indent=2))
    elif args.format == "junit":
        sys.stdout.write(junit_xml(result))
    else:
        print(render(result, written))
    if result.stopped_by in INTERRUPTS:
        return INTERRUPTS[result.stopped_by]
    if not result.ok:
        return EXIT_VIOLATED
    if args.require_exhaustive and not result.exhaustive:
        return EXIT_BOUNDED
    return EXIT_OK


def _search_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of `_add_search_options`, as `check()` takes them."""
    return {
        "properties": args.properties,
        "params": args.params,
        "strategy": args.strategy,
        "reduction": args.reduction,
        "cache": args.cache,
        "seed": args.seed,
        "pct_depth": args.pct_depth,
        "max_depth": args.max_depth,
        "max_executions": args.max_executions,
        "preemption_bound": args.preemption_bound,
        "time_limit": args.time_limit,
        "minimize": args.minimize,
        "jobs": args.jobs,
        "cluster": args.cluster,
        "keep_on_interrupt": True,  # Ctrl-C prints and writes what was found
    }


def _split_designs(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[list[Any], list[str]]:
    """`compare`'s designs in command-line order, each -V a variant of the MODEL.py
    given last before it (a file with no -V is itself a design), and the arguments
    with the files first and the -V taken out, for argparse."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    takes_value = {
        flag
        for action in sub.choices["compare"]._actions
        if action.nargs != 0
        for flag in action.option_strings
    }
    files: list[str] = []
    variants: dict[int, list[tuple[str, ...]]] = {}
    rest: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token in ("-V", "--variant"):
            value: str | None = next(tokens, "")
        elif token.startswith("--variant="):
            value = token.split("=", 1)[1]
        elif token.startswith("-V"):
            value = token[2:]
        else:
            value = None
        if value is not None:
            variants.setdefault(len(files) - 1, []).append(_variant(value, bool(files)))
        elif token.startswith("-"):
            rest.append(token)
            if token in takes_value:  # its value follows (not `--out=F`, not `-Dx=1`)
                rest.append(next(tokens, ""))
        else:
            files.append(token)
    designs: list[Any] = []
    for index, path in enumerate(files):
        designs += [(path, v) for v in variants.get(index, [])] or [path]
    return designs, ["compare", *files, *rest]


def _variant(value: str, after_file: bool) -> tuple[str, ...]:
    if not after_file:
        raise UsageError(f"-V {value}: a variant follows the MODEL.py it belongs to.")
    variant = tuple(part for part in value.replace(",", " ").split() if part)
    if not variant or any("=" not in part for part in variant):
        raise UsageError(f"-V {value!r}: give NAME=VALUE pairs, e.g. -V design=fixed.")
    return variant


@contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM stops the search as Ctrl-C does (the search keeps what it found)."""
    from rasmodel.search import Terminated

    def terminate(signum: int, frame: Any) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _with_paths(result: Any, written: dict[str, str]) -> Any:
    import dataclasses

    props = tuple(
        dataclasses.replace(p, counterexample=p.counterexample.with_path(written[p.name]))
        if p.counterexample is not None and p.name in written
        else p
        for p in result.properties
    )
    return dataclasses.replace(result, properties=props)


def _replay(args: argparse.Namespace) -> int:
    from rasmodel.choices import from_json
    from rasmodel.loader import load_model
    from rasmodel.report.text import trace_table
    from rasmodel.search import replay

    data = _read_counterexample(args.counterexample)
    model = load_model(args.model)
    prop = data.get("property")
    if not isinstance(prop, str) or prop not in model.all_property_names():
        raise UsageError(
            f"{args.counterexample}: property {prop!r} is not a property of model "
            f"{model.name!r} ({', '.join(model.all_property_names())})."
        )
    params = model.resolve_params(dict(data.get("params") or {}))
    params = (
        model.resolve_params({**params, **model.resolve_params(args.params)})
        if (args.params)
        else params
    )
    try:
        choices = from_json(data.get("choices", []))
        execution = replay(model, params, prop, choices, steps=_recorded_steps(data))
    except ReplayMismatch as error:
        print(
            f"rasmodel: the counterexample no longer fits the model: {error} "
            "The model changed (or is nondeterministic); re-run `rasmodel check` for a new one.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(f"replay of {args.counterexample} on {model.path}: {len(execution.steps)} steps")
    print("\n".join(trace_table(execution)))
    violation = next((v for v in execution.violations if v.property == prop), None)
    if args.graph:
        from rasmodel.report.graph import build_graph, draw
        from rasmodel.result import Counterexample

        message = violation.message if violation else "holds on this sequence"
        cex = Counterexample(
            model.path or "", model.name, params, prop, message, execution.choices, execution
        )
        try:
            print(f"graph: {draw(build_graph(cex), args.graph)}")
        except ValueError as error:
            raise UsageError(str(error)) from None
    if violation is None:
        print(f"{prop} holds on this sequence")
        return EXIT_OK
    print(f"{prop} violated: {violation.message}")
    return EXIT_VIOLATED


def _recorded_steps(data: dict[str, Any]) -> int | None:
    """How many steps the recorded execution took (older files: from its trace)."""
    steps = data.get("steps")
    if isinstance(steps, int):
        return steps
    rows = [row.get("step") for row in data.get("trace") or () if isinstance(row, dict)]
    numbers = [n for n in rows if isinstance(n, int) and n >= 0]
    return max(numbers) + 1 if numbers else None


def _read_counterexample(path: str) -> dict[str, Any]:
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such counterexample file.") from None
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: not a counterexample JSON file ({error}).") from None
    if not isinstance(data, dict) or "choices" not in data:
        raise UsageError(f"{path}: not a counterexample file (no 'choices' list).")
    return data


def _compare(args: argparse.Namespace) -> int:
    import os
    import shlex

    from rasmodel.report.compare import (
        compare,
        scenarios_markdown,
        table_markdown,
        write_html,
        write_markdown,
    )
    from rasmodel.report.files import ensure_writable
    from rasmodel.report.progress import Progress
    from rasmodel.search import INTERRUPTS

    if args.html and not args.out:
        raise UsageError("--html writes next to the Markdown report: add --out REPORT.md.")
    if args.out:
        if args.out.endswith(("/", os.sep)) or os.path.isdir(args.out):
            raise UsageError(
                f"--out {args.out}: give the report's file name (e.g. reports/review.md), "
                "not a directory; its counterexamples go beside it. Nothing was checked yet."
            )
        ensure_writable(os.path.dirname(args.out) or ".", "--out")
    command = "rasmodel " + shlex.join(sys.argv[1:] if sys.argv[1:] else ["compare"])
    options = _search_options(args)
    designs = args.designs or args.models
    with Progress("compare") as progress, _stoppable():
        comparison = compare(
            designs, command, tell_apart=args.distinguish, progress=progress.update, **options
        )
    print("\n".join(table_markdown(comparison)))
    if comparison.scenarios and not args.out:
        print("\n".join(scenarios_markdown(comparison)))
    elif args.distinguish and not comparison.scenarios and not comparison.stopped:
        print("no property is violated by one design and holds in another")
    if comparison.unchecked:
        print(f"interrupted: not checked: {', '.join(comparison.unchecked)}")
    if args.out:
        print(f"report: {write_markdown(comparison, args.out)}")
        if args.html:
            html_path = os.path.splitext(args.out)[0] + ".html"
            print(f"report: {write_html(comparison, html_path)}")
    return INTERRUPTS[comparison.stopped] if comparison.stopped else EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from rasmodel.loader import load_model
    from rasmodel.properties import BUILTIN_PROPERTIES

    model = load_model(args.model)
    values = model.resolve_params(args.params)  # checks -D as `check` does
    print(f"model {model.name} ({model.path})")
    if model.doc:
        print("  " + model.doc.strip().splitlines()[0])
    print("parameters:")
    for name, default in model.params.items():
        given = f" (default {default!r})" if values[name] != default else ""
        print(f"  {name} = {values[name]!r} ({type(default).__name__}){given}")
    if not model.params:
        print("  (none)")
    print("properties:")
    for prop in model.properties.values():
        print(f"  {prop.name:<24} {prop.kind.value:<10} {prop.description}")
    for name in BUILTIN_PROPERTIES:
        print(f"  {name:<24} {'built-in':<10}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
