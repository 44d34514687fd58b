"""A data file passes its schema in jsonschema-rs exactly when jsonschema finds no error in it.

Validation asks jsonschema-rs first whether a file passes (fast) and lists errors with jsonschema only when it
does not (``Schemas.passes``). Hypothesis changes one real file of each schema in the ways a curator's edit
does (a value replaced by another of any type, a field dropped or added, an item added to a list) and checks the
two verdicts agree. Text is drawn without control or invisible characters: there the two read a pattern's
``\\s`` and ``$`` differently, and the hidden-character rule reports such characters in every string anyway.
Derandomised, so every run tries the same examples.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kb.data.load import find_data_files, load_document
from kb.data.schemas import load_schemas
from kb.data.validate import governing_schema

from tests.conftest import REPO

DATA = REPO / "data"
SCHEMAS = load_schemas(DATA / "schema")
SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=120,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SHORTENED_TO = 6  # a collection's entries kept (the bibliography has hundreds)


def _real_files() -> list[tuple[Path, str, Any]]:
    """Every real data file: its path, the schema file that governs it, and its data."""
    directories = [t.directory for t in SCHEMAS.entity_types.values()]
    paths, _ = find_data_files(DATA, directories, list(SCHEMAS.collection_files))
    return [(path, governing_schema(path, DATA, SCHEMAS), load_document(path, DATA)[0].data) for path in paths]


REAL_FILES = _real_files()


def _shortened(value: Any) -> Any:
    if isinstance(value, dict) and len(value) > SHORTENED_TO:
        return dict(list(value.items())[:SHORTENED_TO])
    if isinstance(value, list) and len(value) > SHORTENED_TO:
        return value[:SHORTENED_TO]
    return value


def _first_file_of_each_schema() -> dict[str, Any]:
    examples: dict[str, Any] = {}
    for path, schema_file, data in REAL_FILES:
        if path.parent == DATA:  # a collection: a few of its entries
            data = {key: _shortened(value) for key, value in _shortened(data).items()}
        examples.setdefault(schema_file, data)
    return examples


EXAMPLES = _first_file_of_each_schema()


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


def _schema_values(key: str) -> list[Any]:
    return [value for schema in SCHEMAS.inlined.values() for node in _walk(schema) if isinstance(node, dict)
            for value in ([node[key]] if key in node else [])]


SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), max_size=20)
PATTERNED_TEXT = st.sampled_from(sorted(set(_schema_values("pattern")))).flatmap(
    lambda pattern: st.from_regex(pattern, fullmatch=True, alphabet=st.characters(codec="ascii",
                                                                                 blacklist_categories=("Cc",))))
NAMED_VALUES = st.sampled_from(sorted({repr(v): v for values in _schema_values("enum") for v in values}.values(),
                                      key=repr))
FIELD_NAMES = st.sampled_from(sorted({name for properties in _schema_values("properties") for name in properties}))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.integers(-5, 400),
                    st.floats(allow_nan=False, allow_infinity=False), SAFE_TEXT, PATTERNED_TEXT, NAMED_VALUES,
                    st.dates().map(str), st.from_regex(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", fullmatch=True))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELD_NAMES, inner,
                                                                                          max_size=3), max_leaves=6)
CHANGE = st.sampled_from(["replace", "typo", "drop", "add-field", "add-item", "copy-elsewhere"])
TYPED = st.sampled_from("0123456789-./:aZ _")  # what a slip of the keyboard puts in a date, an id, an address


def _containers(data: Any) -> list[dict[str, Any] | list[Any]]:
    return [node for node in _walk(data) if isinstance(node, (dict, list)) and node]


def _edit(data: dict[str, Any], draw: Any) -> None:
    """One curator-like edit somewhere in ``data`` (changed in place)."""
    containers = _containers(data)
    if not containers:  # every field dropped
        data[draw(FIELD_NAMES)] = draw(VALUES)
        return
    node = containers[draw(st.integers(0, len(containers) - 1))]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    key = keys[draw(st.integers(0, len(keys) - 1))]
    change = draw(CHANGE)
    if change == "replace":
        node[key] = draw(VALUES)
    elif change == "typo" and isinstance(node[key], str):  # a character added, removed or changed
        text, at = node[key], draw(st.integers(0, len(node[key])))
        node[key] = draw(st.sampled_from([text[:at] + draw(TYPED) + text[at:], text[:at] + text[at + 1:],
                                          text[:at] + draw(TYPED) + text[at + 1:]]))
    elif change == "drop":
        del node[key]
    elif change == "add-field" and isinstance(node, dict):
        node[draw(FIELD_NAMES)] = draw(VALUES)
    elif change == "add-item" and isinstance(node, list):
        node.append(copy.deepcopy(node[key]) if draw(st.booleans()) else draw(VALUES))
    elif change == "copy-elsewhere":  # a value of the file, of the right type and shape for some other field
        values = [value for value in _walk(data) if value is not node]
        node[key] = copy.deepcopy(values[draw(st.integers(0, len(values) - 1))])


def test_every_real_data_file_passes_in_both():
    for path, schema_file, data in REAL_FILES:
        assert SCHEMAS.passes(schema_file, data), path
        assert not list(SCHEMAS.validator(schema_file).iter_errors(data)), path


@pytest.mark.parametrize("schema_file", sorted(EXAMPLES))
@SETTINGS
@given(data=st.data())
def test_an_edited_file_gets_the_same_verdict_from_both(schema_file, data):
    edited = copy.deepcopy(EXAMPLES[schema_file])
    for _ in range(data.draw(st.integers(1, 3))):
        _edit(edited, data.draw)
    errors = list(SCHEMAS.validator(schema_file).iter_errors(edited))
    assert SCHEMAS.passes(schema_file, edited) == (not errors), [error.message for error in errors[:3]]
