"""Load stage: read the YAML files under ``data/`` into plain Python values with the position of every node.

Only a safe subset of YAML is accepted: one mapping per file, no anchors or aliases, no explicit tags,
bounded size and nesting. Plain scalars resolve by the YAML 1.2 core rules (``2025-03-01`` and ``no``
stay strings), so dates are validated as ISO strings later rather than silently converted here.
Every problem becomes a :class:`~kb.problems.Problem`; nothing here raises on bad input.
"""

from __future__ import annotations

import bisect
import codecs
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from kb.data.indentation import INDENTATION_ERRORS, MISSING_COLON, line_without_colon, misindented_line
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
MAX_NUMBER_CHARACTERS = 30  # longer digit strings are not a count, a price or a percentage of this world


class Position(NamedTuple):  # a tuple: one is made per node, and a dataclass costs several times more
    """Where a node starts (1-based) and, for mapping values, where its key starts."""

    line: int
    column: int
    key_line: int | None = None
    key_column: int | None = None


@dataclass
class Document:
    """One data file: its parsed content and the position of every node, keyed by JSON path."""

    path: Path
    data: Any
    positions: dict[JsonPath, Position] = field(default_factory=dict)
    first_line: str = ""
    text: str = ""
    _line_starts: list[int] = field(default_factory=list, init=False, repr=False)

    def position(self, path: JsonPath) -> Position | None:
        """Where the node for ``path`` starts (None if there is no such node)."""
        return self.positions.get(path)

    @property
    def shown_path(self) -> str:
        return display_path(self.path)

    def where(self, path: JsonPath, *, at_key: bool = False) -> tuple[int, int]:
        """The line and column of the node for ``path`` (or its key), falling back to the nearest parent."""
        for depth in range(len(path), -1, -1):
            position = self.position(path[:depth])
            if position is None:
                continue
            if at_key and depth == len(path) and position.key_line is not None:
                return position.key_line, position.key_column or 1
            return position.line, position.column
        return 1, 1

    def problem(self, path: JsonPath, message: str, *, code: str, hint: str = "", at_key: bool = False,
                severity: str = "error", spot: str | None = None, nth: int = 0) -> Problem:
        """A problem located at the node for ``path`` (or its key); with ``spot``, at the ``nth`` occurrence of
        that text inside the node's value (a typo in a long text), when the file holds it as written."""
        line, column = self.where(path, at_key=at_key)
        if spot:
            line, column = self._inside_value(line, column, spot, nth) or (line, column)
        return Problem(self.shown_path, line, column, message, severity, code=code, hint=hint)

    def _inside_value(self, line: int, column: int, spot: str, nth: int) -> tuple[int, int] | None:
        """Where the ``nth`` occurrence of ``spot`` after (line, column) is, if it comes before the next node."""
        starts = self._line_offsets()
        if line > len(starts):
            return None
        begin = starts[line - 1] + column - 1
        end = min((offset for offset in self._node_offsets() if offset > begin), default=len(self.text))
        index = self.text.find(spot, begin, end)
        for _ in range(nth):
            index = self.text.find(spot, index + len(spot), end) if index >= 0 else -1
        if index < 0:
            return None
        line_index = bisect.bisect_right(starts, index) - 1
        return line_index + 1, index - starts[line_index] + 1

    def _line_offsets(self) -> list[int]:
        """The offset where each line starts, counting line breaks as the YAML parser does."""
        if not self._line_starts:
            self._line_starts = [0, *(match.end() for match in _LINE_BREAK.finditer(self.text))]
        return self._line_starts

    def _node_offsets(self) -> list[int]:
        starts = self._line_offsets()
        return [starts[p.line - 1] + p.column - 1 for p in self.positions.values() if p.line <= len(starts)]


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class _Invalid(Exception):
    def __init__(self, line: int, column: int, message: str, code: str):
        self.line, self.column, self.message, self.code = line, column, message, code


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


def _scalar(event: yaml.ScalarEvent) -> Any:
    """A plain scalar's value. Numbers that are too long or not finite are refused: they would crash
    conversions and exports later, or print as 'inf'."""
    text = event.value
    if len(text) > MAX_NUMBER_CHARACTERS and text[:1] in _MAYBE_NUMBER and (_INT.fullmatch(text) or
                                                                          _FLOAT.fullmatch(text)):
        raise _Invalid(*_mark(event), f"number of {len(text)} characters; numbers are limited to "
                                      f"{MAX_NUMBER_CHARACTERS} (quote it if it is meant as text)", "number-too-large")
    value = _resolve_plain(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid(*_mark(event), f"number {text} is too large to be stored", "number-too-large")
    return value


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_SEQUENCE, _MAPPING = yaml.SequenceStartEvent, yaml.MappingStartEvent
_SEQUENCE_END, _MAPPING_END = yaml.SequenceEndEvent, yaml.MappingEndEvent


class _TreeBuilder:
    """Builds values from parser events, refusing unsafe constructs and recording the position of every node."""

    def __init__(self, events: list[yaml.Event], error: yaml.YAMLError | None):
        self.next_event = iter(events).__next__
        self.error = error  # where the parser stopped, raised when the builder gets there
        self.positions: dict[JsonPath, Position] = {}

    def build_document(self) -> Any:
        try:
            return self._build_document()
        except StopIteration:  # the events ran out where the parser stopped
            raise self.error or _Invalid(1, 1, "the YAML stream ended early", "yaml-syntax") from None

    def _build_document(self) -> Any:
        if not isinstance(self.next_event(), yaml.StreamStartEvent):
            raise _Invalid(1, 1, "not a YAML stream", "yaml-syntax")
        event = self.next_event()
        if isinstance(event, yaml.StreamEndEvent):
            raise _Invalid(1, 1, "file is empty; it must hold one YAML mapping", "empty-file")
        value = self.build_node(self.next_event(), (), 0)
        self.next_event()  # DocumentEndEvent
        event = self.next_event()
        if not isinstance(event, yaml.StreamEndEvent):
            raise _Invalid(*_mark(event), "a data file holds one YAML document, found a second one",
                           "multiple-documents")
        return value

    @staticmethod
    def refuse(event: yaml.Event, depth: int) -> None:
        """Raise if the node is an alias, has an anchor or a tag, or is nested too deep."""
        if isinstance(event, _ALIAS):
            raise _Invalid(*_mark(event),
                           f"YAML aliases are not allowed (found '*{event.anchor}'); write the value out", "yaml-alias")
        if getattr(event, "anchor", None):
            raise _Invalid(*_mark(event),
                           f"YAML anchors are not allowed (found '&{event.anchor}'); write the value out", "yaml-alias")
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _Invalid(*_mark(event), f"YAML tags are not allowed (found '{shown}'); write plain values",
                           "yaml-tag")
        if depth > MAX_DEPTH:
            raise _Invalid(*_mark(event), f"nesting deeper than {MAX_DEPTH} levels", "too-deep")

    def build_node(self, event: yaml.Event, path: JsonPath, depth: int, key_line: int | None = None,
                   key_column: int | None = None) -> Any:
        kind = event.__class__
        if kind is _ALIAS or event.anchor is not None or event.tag is not None or depth > MAX_DEPTH:
            self.refuse(event, depth)
        mark = event.start_mark
        self.positions[path] = Position(mark.line + 1, mark.column + 1, key_line, key_column)
        if kind is _SCALAR:
            return _scalar(event) if event.implicit[0] else event.value
        if kind is _SEQUENCE:
            items: list[Any] = []
            while (event := self.next_event()).__class__ is not _SEQUENCE_END:
                items.append(self.build_node(event, (*path, len(items)), depth + 1))
            return items
        if kind is _MAPPING:
            return self.build_mapping(path, depth)
        raise _Invalid(*_mark(event), f"unexpected YAML construct {type(event).__name__}", "yaml-syntax")

    def build_mapping(self, path: JsonPath, depth: int) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        while (event := self.next_event()).__class__ is not _MAPPING_END:
            kind = event.__class__
            if kind is _ALIAS or event.anchor is not None or event.tag is not None or depth + 1 > MAX_DEPTH:
                self.refuse(event, depth + 1)
            if kind is not _SCALAR:
                raise _Invalid(*_mark(event), "mapping keys must be plain text", "key-not-text")
            key = event.value
            if event.implicit[0] and not isinstance(_resolve_plain(key), str):
                raise _Invalid(*_mark(event), f"mapping key '{key}' must be text; quote it", "key-not-text")
            if key in mapping:
                raise _Invalid(*_mark(event), f"duplicate key '{key}'", "duplicate-key")
            key_line, key_column = _mark(event)
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


def _syntax_problem(exc: yaml.YAMLError, text: str) -> Located:
    """Where the parser stopped and why; for a line indented to the wrong column or a key without its colon,
    that line (often one before the parser's) in the curator's words."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        better = _layout_mistake(problem, text, mark.line + 1)
        if better is not None:
            return better
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        # e.g. an unclosed quote is only noticed lines later: say where the construct began.
        context += f" started at line {context_mark.line + 1}, column {context_mark.column + 1}"
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if mark is not None:
        return mark.line + 1, mark.column + 1, message, "yaml-syntax"
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        # The reader gives an offset (in characters or UTF-8 bytes, depending on the parser), not a mark:
        # locate the refused character itself, the first of its kind in the text.
        index = text.find(chr(exc.character))
        if index >= 0:
            line_start = text.rfind("\n", 0, index) + 1
            return text.count("\n", 0, index) + 1, index - line_start + 1, message, "yaml-syntax"
    return 1, 1, message, "yaml-syntax"


def _layout_mistake(problem: str, text: str, error_line: int) -> Located | None:
    if any(words in problem for words in INDENTATION_ERRORS):
        mistake = misindented_line(text, error_line)
        if mistake is not None:
            return mistake.line, mistake.column, mistake.message, "yaml-indentation"
    if MISSING_COLON in problem:
        mistake = line_without_colon(text, error_line)
        if mistake is not None:
            return mistake.line, mistake.column, mistake.message, "yaml-syntax"
    return None


def load_document(path: Path, data_root: Path | None = None) -> tuple[Document | None, list[Problem]]:
    """Read one YAML file; return the document, or ``None`` and the problems that stopped it."""
    shown = display_path(path)
    text, problems = _read_text(path, data_root)
    if text is None:
        return None, [Problem(shown, line, column, message, code=code) for line, column, message, code in problems]
    builder = _TreeBuilder(*_events(text))
    try:
        data = builder.build_document()
    except _Invalid as exc:
        return None, [Problem(shown, exc.line, exc.column, exc.message, code=exc.code)]
    except yaml.YAMLError as exc:
        line, column, message, code = _syntax_problem(exc, text)
        return None, [Problem(shown, line, column, message, code=code)]
    except RecursionError:
        return None, [Problem(shown, 1, 1, f"nesting deeper than {MAX_DEPTH} levels", code="too-deep")]
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        return None, [Problem(shown, 1, 1, f"a data file must hold a YAML mapping (key: value pairs), found {kind}",
                              code="empty-file" if data is None else "not-a-mapping")]
    first_line = text.splitlines()[0] if text else ""  # any line ending: \n, \r\n or a lone \r
    return Document(path, data, builder.positions, first_line, text), []


Located = tuple[int, int, str, str]  # line, column, message, rule code


def _read_text(path: Path, data_root: Path | None) -> tuple[str | None, list[Located]]:
    """The file's text, if it is inside the data folder, small enough, UTF-8 and indented with spaces."""
    if data_root is not None:
        # Every file, not only links: a linked folder (data/products -> elsewhere) must not bring files in either.
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # a missing target or a loop (RuntimeError before Python 3.13)
            return None, [(1, 1, "symbolic link cannot be followed (it points nowhere, to itself or forms a loop)",
                           "symlink")]
        if not target.is_relative_to(data_root.resolve()):
            return None, [(1, 1, f"symbolic link points outside the data folder (to {target})", "symlink")]
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [(1, 1, f"file is {size} bytes; data files are limited to {MAX_FILE_BYTES} bytes",
                           "file-too-large")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [(1, 1, f"cannot read file: {exc.strerror}", "unreadable-file")]
    text, bad_bytes = _decode(raw)
    if text is None:
        return None, [(*bad_bytes, "encoding")] if bad_bytes else []
    tabs = _tab_problems(text)
    return (None, [(line, column, "tab character in indentation; indent with spaces", "tab-indentation")
                   for line, column in tabs]) if tabs else (text, [])


def find_data_files(data_root: Path, directories: list[str], files: list[str]) -> tuple[list[Path], list[Problem]]:
    """Every YAML file the layout expects, plus problems for files that fit nowhere."""
    found: list[Path] = []
    problems: list[Problem] = []
    for name in files:
        if (data_root / name).exists() or (data_root / name).is_symlink():
            found.append(data_root / name)
    for directory in directories:
        folder = data_root / directory
        if folder.exists() and not folder.is_dir():
            problems.append(Problem(display_path(folder), 1, 1, f"'{directory}' must be a folder of .yaml files "
                                                                "(one per entity), not a file",
                                    code="folder-is-a-file"))
            continue
        for root, subdirs, names in os.walk(folder):
            for sub in sorted(subdirs):
                problems.append(Problem(display_path(Path(root) / sub), 1, 1,
                                        f"unexpected folder; '{directory}/' holds one .yaml file per entity",
                                        code="unexpected-folder"))
            subdirs.clear()
            for name in sorted(names):
                path = Path(root) / name
                if name.endswith(".yaml"):
                    found.append(path)
                elif name.endswith(".yml"):
                    problems.append(Problem(display_path(path), 1, 1, "rename to .yaml; .yml files are ignored",
                                            code="yml-extension"))
    return found, problems


def load_documents(paths: list[Path], data_root: Path) -> tuple[list[Document], list[Path], list[Problem]]:
    """Load every file: the documents that loaded, the paths that did not, and the problems that stopped them.
    A broken file is reported and left out; the others still load."""
    documents: list[Document] = []
    unreadable: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        document, found = load_document(path, data_root)
        problems.extend(found)
        if document is None:
            unreadable.append(path)
        else:
            documents.append(document)
    return documents, unreadable, problems
