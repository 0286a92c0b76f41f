"""MkDocs hook: fill the generated parts of the pages from the code at build time.

A page asks for a generated block with an HTML comment on a line of its own:

* ``<!-- gen:scenario-reference -->`` — every scenario field (sim.scenario.reference_doc);
* ``<!-- gen:parameters SECTION -->`` — the fields of one scenario section, e.g. ``critique``;
* ``<!-- gen:cli-help -->`` — ``partysim --help`` and each subcommand's help (sim.cli.build_parser);
* ``<!-- gen:rule MODULE -->`` — the docstring of ``sim.mechanisms.MODULE`` (or of a dotted module such as
  ``sim.model.sectors``): the rule and its source, as the code states it;
* ``<!-- gen:outputs NAME -->`` — the time-series columns the mechanism ``NAME`` counts or keeps;
* ``<!-- gen:transition-flows -->`` — the flow columns read off the members' status changes;
* ``<!-- gen:timeseries-columns -->``, ``<!-- gen:summary-keys -->``, ``<!-- gen:manifest-keys -->``, ``<!-- gen:sample-run -->`` —
  the output contract read off a small real run (sim.report.contract_doc).

An unknown marker or section stops the build, so a page cannot silently lose its table.
The repository root goes first on ``sys.path`` so that the build documents this checkout.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.report import contract_doc  # noqa: E402
from sim.run.recorder import TRANSITION_FLOWS  # noqa: E402
from sim.scenario import reference_doc, scenario_schema  # noqa: E402

MARKER = re.compile(r"^<!-- gen:([a-z-]+)((?: [A-Za-z0-9_.]+)*) -->$", re.MULTILINE)


@functools.cache
def _sample():
    return contract_doc.sample_run(ROOT)


@functools.cache
def _mechanism_columns() -> dict[str, tuple[str, ...]]:
    return contract_doc.mechanism_columns(ROOT)


#: Sphinx roles in docstrings (``:meth:`Discipline.lift```) shown as code.
ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def _cli_help() -> str:
    """``partysim --help`` and every subcommand's ``--help``, at a fixed width (argparse reads COLUMNS)."""
    from sim.cli import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        parser = build_parser()
        (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        out = ["```console", "$ partysim --help", parser.format_help().rstrip(), "```"]
        for name, sub in commands.choices.items():
            out += [
                f"\n### `partysim {name}`\n",
                "```console",
                f"$ partysim {name} --help",
                sub.format_help().rstrip(),
                "```",
            ]
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(out) + "\n"


def _rule(module: str) -> str:
    """A mechanism module's (or a dotted module's) docstring as Markdown (its first line is the page's summary)."""
    doc = inspect.getdoc(importlib.import_module(module if "." in module else f"sim.mechanisms.{module}")) or ""
    return ROLE.sub(r"``\1``", doc) + "\n"


def _render(kind: str, args: list[str], page: str) -> str:
    schema = scenario_schema()
    if kind == "scenario-reference":
        return reference_doc.scenario_reference(schema)
    if kind == "parameters":
        unknown = [a for a in args if a not in schema["properties"]]
        if not args or unknown:
            raise ValueError(f"{page}: gen:parameters needs scenario sections, unknown: {unknown}")
        return "\n".join(reference_doc.section_reference(section, schema) for section in args)
    if kind == "rule" and len(args) == 1:
        return _rule(args[0])
    if kind == "outputs" and len(args) == 1:
        columns = _mechanism_columns()
        if args[0] not in columns:
            raise ValueError(f"{page}: gen:outputs of an unknown mechanism {args[0]!r}")
        return contract_doc.columns_table(columns[args[0]])
    if kind == "transition-flows":
        return contract_doc.columns_table(tuple(TRANSITION_FLOWS))
    if kind == "timeseries-columns":
        return contract_doc.timeseries_table(_sample().timeseries)
    if kind == "summary-keys":
        return contract_doc.summary_table(_sample().summary)
    if kind == "cli-help":
        return _cli_help()
    if kind == "manifest-keys":
        return contract_doc.manifest_table(_sample().manifest)
    if kind == "sample-run":
        return contract_doc.sample_note()
    raise ValueError(f"{page}: unknown generated block gen:{kind}")


def on_page_markdown(markdown: str, page, config, files) -> str:
    return MARKER.sub(lambda m: _render(m.group(1), m.group(2).split(), page.file.src_uri), markdown)
