"""Load stage: read the YAML files under ``data/`` into plain Python values with the position of every node.

Only a safe subset of YAML is accepted: one mapping per file, no anchors or aliases, no explicit tags,
bounded size and nesting. Plain scalars resolve by the YAML 1.2 core rules (``2025-03-01`` and ``no``
stay strings), so dates are validated as ISO strings later rather than silently converted here.
Every problem becomes a :class:`~kb.problems.Problem`; nothing here raises on bad input.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from kb.forked import map_in_two_processes
from kb.problems import Problem, display_path

# libyaml's C parser is several times faster; the pure-Python one gives the same events.
_EventSource = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 20

JsonPath = tuple[str | int, ...]

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class Position(NamedTuple):  # a tuple: one is made per node, and a dataclass costs several times more
    """Where a node starts (1-based) and, for mapping values, where its key starts."""

    line: int
    column: int
    key_line: int | None = None
    key_column: int | None = None


@dataclass
class Document:
    """One data file: its parsed content and the position of every node, keyed by JSON path.

    A document loaded with the others keeps its text instead of its positions: recording a position for
    every node cost more than finding them again for the few files a problem is reported in, and they are
    cheaper to hand back from a forked process."""

    path: Path
    data: Any
    positions: dict[JsonPath, Position] = field(default_factory=dict)
    first_line: str = ""
    text: str | None = None

    def position(self, path: JsonPath) -> Position | None:
        """Where the node for ``path`` starts (None if there is no such node)."""
        if self.text is not None and not self.positions:
            builder = _TreeBuilder(*_events(self.text))
            builder.build_document()
            self.positions, self.text = builder.positions, None
        return self.positions.get(path)

    def without_positions(self, text: str) -> Document:
        """This document with ``text`` (its file's) kept instead of its positions."""
        return Document(self.path, self.data, {}, self.first_line, text)

    @property
    def shown_path(self) -> str:
        return display_path(self.path)

    def problem(self, path: JsonPath, message: str, *, at_key: bool = False, severity: str = "error") -> Problem:
        """A problem located at the node for ``path`` (or its key), falling back to the nearest parent."""
        for depth in range(len(path), -1, -1):
            position = self.position(path[:depth])
            if position is None:
                continue
            if at_key and depth == len(path) and position.key_line is not None:
                return Problem(self.shown_path, position.key_line, position.key_column or 1, message, severity)
            return Problem(self.shown_path, position.line, position.column, message, severity)
        return Problem(self.shown_path, 1, 1, message, severity)


class _Invalid(Exception):
    def __init__(self, line: int, column: int, message: str):
        self.line, self.column, self.message = line, column, message


def _mark(event: yaml.Event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


_MAYBE_NUMBER = frozenset("0123456789+-.")  # first characters of an int or a float
_MAYBE_NOT_TEXT = _MAYBE_NUMBER | frozenset("~nNtTfF")  # and of null and the bools


def _resolve_plain(value: str) -> Any:
    if value and value[0] not in _MAYBE_NOT_TEXT:
        return value
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if value[0] not in _MAYBE_NUMBER:  # text that starts like null or a bool ("no", "the", "full")
        return value
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_SEQUENCE, _MAPPING = yaml.SequenceStartEvent, yaml.MappingStartEvent
_SEQUENCE_END, _MAPPING_END = yaml.SequenceEndEvent, yaml.MappingEndEvent


class _TreeBuilder:
    """Builds values from parser events, refusing unsafe constructs and, with ``record_positions``, recording
    the position of every node.

    This runs once per YAML node of every file, so it favours plain attribute tests over helpers."""

    def __init__(self, events: list[yaml.Event], error: yaml.YAMLError | None, *, record_positions: bool = True):
        self.next_event = iter(events).__next__
        self.error = error  # where the parser stopped, raised when the builder gets there
        self.positions: dict[JsonPath, Position] = {}
        self.record_positions = record_positions

    def build_document(self) -> Any:
        try:
            return self._build_document()
        except StopIteration:  # the events ran out where the parser stopped
            raise self.error or _Invalid(1, 1, "the YAML stream ended early") from None

    def _build_document(self) -> Any:
        if not isinstance(self.next_event(), yaml.StreamStartEvent):
            raise _Invalid(1, 1, "not a YAML stream")
        event = self.next_event()
        if isinstance(event, yaml.StreamEndEvent):
            raise _Invalid(1, 1, "file is empty; it must hold one YAML mapping")
        value = self.build_node(self.next_event(), (), 0)
        self.next_event()  # DocumentEndEvent
        event = self.next_event()
        if not isinstance(event, yaml.StreamEndEvent):
            raise _Invalid(*_mark(event), "a data file holds one YAML document, found a second one")
        return value

    @staticmethod
    def refuse(event: yaml.Event, depth: int) -> None:
        """Raise if the node is an alias, has an anchor or a tag, or is nested too deep."""
        if isinstance(event, _ALIAS):
            raise _Invalid(*_mark(event),
                           f"YAML aliases are not allowed (found '*{event.anchor}'); write the value out")
        if getattr(event, "anchor", None):
            raise _Invalid(*_mark(event),
                           f"YAML anchors are not allowed (found '&{event.anchor}'); write the value out")
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _Invalid(*_mark(event), f"YAML tags are not allowed (found '{shown}'); write plain values")
        if depth > MAX_DEPTH:
            raise _Invalid(*_mark(event), f"nesting deeper than {MAX_DEPTH} levels")

    def build_node(self, event: yaml.Event, path: JsonPath, depth: int, key_line: int | None = None,
                   key_column: int | None = None) -> Any:
        kind = event.__class__
        if kind is _ALIAS or event.anchor is not None or event.tag is not None or depth > MAX_DEPTH:
            self.refuse(event, depth)
        if self.record_positions:
            mark = event.start_mark
            self.positions[path] = Position(mark.line + 1, mark.column + 1, key_line, key_column)
        if kind is _SCALAR:
            return _resolve_plain(event.value) if event.implicit[0] else event.value
        if kind is _SEQUENCE:
            items: list[Any] = []
            while (event := self.next_event()).__class__ is not _SEQUENCE_END:
                items.append(self.build_node(event, (*path, len(items)), depth + 1))
            return items
        if kind is _MAPPING:
            return self.build_mapping(path, depth)
        raise _Invalid(*_mark(event), f"unexpected YAML construct {type(event).__name__}")

    def build_mapping(self, path: JsonPath, depth: int) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        while (event := self.next_event()).__class__ is not _MAPPING_END:
            kind = event.__class__
            if kind is _ALIAS or event.anchor is not None or event.tag is not None or depth + 1 > MAX_DEPTH:
                self.refuse(event, depth + 1)
            if kind is not _SCALAR:
                raise _Invalid(*_mark(event), "mapping keys must be plain text")
            key = event.value
            if event.implicit[0] and not isinstance(_resolve_plain(key), str):
                raise _Invalid(*_mark(event), f"mapping key '{key}' must be text; quote it")
            if key in mapping:
                raise _Invalid(*_mark(event), f"duplicate key '{key}'")
            if self.record_positions:
                key_line, key_column = _mark(event)
            else:
                key_line = key_column = None
            mapping[key] = self.build_node(self.next_event(), (*path, key), depth + 1, key_line, key_column)
        return mapping


def _events(text: str) -> tuple[list[yaml.Event], yaml.YAMLError | None]:
    """The parser's events, all taken at once (faster than a step per event), and the error that stopped it."""
    source = _EventSource(text)
    events: list[yaml.Event] = []
    next_event = source.get_event
    try:
        while (event := next_event()) is not None:  # None after the stream's end (check_event() costs a call more)
            events.append(event)
    except yaml.YAMLError as exc:
        return events, exc
    finally:
        source.dispose()
    return events, None


def _decode(raw: bytes) -> tuple[str | None, tuple[int, int, str] | None]:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, (line, column, f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the file as UTF-8")


def _tab_problems(text: str) -> list[tuple[int, int]]:
    if "\t" not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            found.append((number, indent.index("\t") + 1))
    return found


def _syntax_problem(exc: yaml.YAMLError, text: str) -> tuple[int, int, str]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        # e.g. an unclosed quote is only noticed lines later: say where the construct began.
        context += f" started at line {context_mark.line + 1}, column {context_mark.column + 1}"
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if mark is not None:
        return mark.line + 1, mark.column + 1, message
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        # The reader gives an offset (in characters or UTF-8 bytes, depending on the parser), not a mark:
        # locate the refused character itself, the first of its kind in the text.
        index = text.find(chr(exc.character))
        if index >= 0:
            line_start = text.rfind("\n", 0, index) + 1
            return text.count("\n", 0, index) + 1, index - line_start + 1, message
    return 1, 1, message


def load_document(path: Path, data_root: Path | None = None, *, keep_positions: bool = True,
                  resolved_folders: dict[Path, Path] | None = None) -> tuple[Document | None, list[Problem]]:
    """Read one YAML file; return the document, or ``None`` and the problems that stopped it. Without
    ``keep_positions`` the document keeps its text instead (see :class:`Document`). ``resolved_folders``,
    shared by the files of one load, saves resolving the same folder again."""
    shown = display_path(path)

    def fail(line: int, column: int, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(shown, line, column, message)]

    if data_root is not None:
        # Every file, not only links: a linked folder (data/products -> elsewhere) must not bring files in either.
        try:
            target = _resolved(path, resolved_folders)
        except (OSError, RuntimeError):  # a symbolic link loop (RuntimeError before Python 3.13)
            return fail(1, 1, "symbolic link cannot be followed (it points to itself or forms a loop)")
        if not target.is_relative_to(_resolved_folder(data_root, resolved_folders)):
            return fail(1, 1, f"symbolic link points outside the data folder (to {target})")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(1, 1, f"file is {size} bytes; data files are limited to {MAX_FILE_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        return fail(1, 1, f"cannot read file: {exc.strerror}")
    text, bad_bytes = _decode(raw)
    if bad_bytes:
        return fail(*bad_bytes)
    assert text is not None
    tabs = _tab_problems(text)
    if tabs:
        return None, [Problem(shown, line, column, "tab character in indentation; indent with spaces")
                      for line, column in tabs]
    builder = _TreeBuilder(*_events(text), record_positions=keep_positions)
    try:
        data = builder.build_document()
    except _Invalid as exc:
        return fail(exc.line, exc.column, exc.message)
    except yaml.YAMLError as exc:
        return fail(*_syntax_problem(exc, text))
    except RecursionError:
        return fail(1, 1, f"nesting deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        return fail(1, 1, f"a data file must hold a YAML mapping (key: value pairs), found {kind}")
    document = Document(path, data, builder.positions, text.split("\n", 1)[0].rstrip("\r"))
    return (document if keep_positions else document.without_positions(text)), []


def _resolved(path: Path, resolved_folders: dict[Path, Path] | None) -> Path:
    """``path.resolve()``, its folder resolved once for all its files (resolving costs a system call per part)."""
    return path.resolve() if path.is_symlink() else _resolved_folder(path.parent, resolved_folders) / path.name


def _resolved_folder(folder: Path, resolved_folders: dict[Path, Path] | None) -> Path:
    """``folder.resolve()``, remembered in ``resolved_folders`` when given."""
    if resolved_folders is None:
        return folder.resolve()
    if folder not in resolved_folders:
        resolved_folders[folder] = folder.resolve()
    return resolved_folders[folder]


def find_data_files(data_root: Path, directories: list[str], files: list[str]) -> tuple[list[Path], list[Problem]]:
    """Every YAML file the layout expects, plus problems for files that fit nowhere."""
    found: list[Path] = []
    problems: list[Problem] = []
    for name in files:
        if (data_root / name).exists() or (data_root / name).is_symlink():
            found.append(data_root / name)
    for directory in directories:
        folder = data_root / directory
        if not folder.is_dir():
            continue
        for root, subdirs, names in os.walk(folder):
            for sub in sorted(subdirs):
                problems.append(Problem(display_path(Path(root) / sub), 1, 1,
                                        f"unexpected folder; '{directory}/' holds one .yaml file per entity"))
            subdirs.clear()
            for name in sorted(names):
                path = Path(root) / name
                if name.endswith(".yaml"):
                    found.append(path)
                elif name.endswith(".yml"):
                    problems.append(Problem(display_path(path), 1, 1, "rename to .yaml; .yml files are ignored"))
    return found, problems


def load_documents(paths: list[Path], data_root: Path, *, split: bool = False) -> tuple[list[Document], list[Problem]]:
    """Load every file; a broken file is reported and left out, the others still load. Documents keep their
    text, not positions (see :class:`Document`). With ``split``, a forked process shares the files out with
    this one (see kb.forked)."""
    resolved_folders: dict[Path, Path] = {}

    def load_plain(path: Path) -> tuple[tuple[Any, str, str | None] | None, list[Problem]]:
        """What loading ``path`` gave, as plain values, which a forked process hands back fastest (kb.forked)."""
        document, found = load_document(path, data_root, keep_positions=False, resolved_folders=resolved_folders)
        return (None if document is None else (document.data, document.first_line, document.text)), found

    documents: list[Document] = []
    problems: list[Problem] = []
    for path, (loaded, found) in zip(paths, map_in_two_processes(load_plain, paths, split=split), strict=True):
        problems.extend(found)
        if loaded is not None:
            documents.append(Document(path, loaded[0], {}, loaded[1], loaded[2]))
    return documents, problems
