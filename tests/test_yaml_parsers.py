"""Scenario files parsed by libyaml read exactly as PyYAML's own parser reads them (sim.scenario.loading).

libyaml (C) parses a scenario file when it can; PyYAML's pure-Python parser, whose errors
the scenario errors quote, parses the rest. Whatever the text, the outcome must be the one
PyYAML alone gives: the same data and the same line for every node, or the same error.
The texts are the shipped scenarios with random edits of the characters YAML cares about.
"""

from __future__ import annotations

import random

import pytest
import yaml

from sim.scenario import loading
from tests.conftest import SCENARIOS

EDITS = [
    *":-[]{}#&*!|>'\",?%@` \t\n\r\x00\x07\x85\u2028\ufeff\\",
    *("  ", "\n  ", ": ", "- ", "&a ", "*a", "!!str ", "!!binary ", "---\n", "...\n", "%YAML 1.1\n", "<<: "),
    *("\xe9", "\U0001f600", "0.5e3", "yes", "~"),
]


def _lines(node, seen=None):
    """Each node's kind, tag, line and value, in document order (aliases by their first line)."""
    seen = set() if seen is None else seen
    if node is None:
        return None
    if id(node) in seen:
        return ("alias", node.start_mark.line)
    seen.add(id(node))
    head = (type(node).__name__, node.tag, node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        return (*head, [(_lines(key, seen), _lines(value, seen)) for key, value in node.value])
    if isinstance(node, yaml.SequenceNode):
        return (*head, [_lines(item, seen) for item in node.value])
    return (*head, node.value)


def _outcome(parse, text):
    try:
        node, data = parse(text)
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None)
        return ("error", type(exc), str(exc), mark and (mark.line, mark.column))
    return ("parsed", repr(data), _lines(node))


def _edited(texts, rng):
    chars = list(rng.choice(texts))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(chars) + 1)
        roll = rng.random()
        if roll < 0.4:
            chars.insert(at, rng.choice(EDITS))
        elif roll < 0.7:
            del chars[at : at + rng.randint(1, 5)]
        else:
            chars[at:at] = rng.choice(EDITS) * rng.randint(1, 3)
    return "".join(chars)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml parses every file itself")
def test_a_file_reads_as_pyyaml_alone_reads_it():
    texts = [path.read_text(encoding="utf-8") for path in sorted(SCENARIOS.glob("*.yaml"))]
    rng = random.Random(18)
    fast = 0
    for text in texts + [_edited(texts, rng) for _ in range(300)]:
        pyyaml_alone = _outcome(lambda t: loading._parse(loading._Loader, t), text)
        assert _outcome(loading._compose_and_construct, text) == pyyaml_alone, text
        fast += pyyaml_alone[0] == "parsed" and not loading.PYYAML_ONLY.search(text)
    assert fast > 100  # most texts took libyaml's path


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml parses every file itself")
@pytest.mark.parametrize("levels", [10, 49, 50, 51, 200, 600, 1200])
@pytest.mark.parametrize("style", ["flow", "block", "alias"])
def test_deep_nesting_reads_as_pyyaml_alone_reads_it(levels, style):
    """PyYAML's composer gives up a few hundred levels down, libyaml at a thousand: the outcome is PyYAML's."""
    if style == "flow":
        text = "description: " + "[" * levels + "]" * levels + "\n"
    elif style == "block":
        text = "".join(f"{'  ' * i}k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"
    else:  # deep under an anchor, shallow where an alias refers to it
        text = "a: &deep " + "[" * levels + "]" * levels + "\nb: [*deep]\n"
    pyyaml_alone = _outcome(lambda t: loading._parse(loading._Loader, t), text)
    assert _outcome(loading._compose_and_construct, text) == pyyaml_alone


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml parses every file itself")
def test_the_shipped_scenarios_are_parsed_by_libyaml():
    for path in SCENARIOS.glob("*.yaml"):
        assert not loading.PYYAML_ONLY.search(path.read_text(encoding="utf-8")), path
