"""YAML layout mistakes in the curator's words: which line is indented to the wrong column, and the right column;
which line lacks the colon after its key.

The YAML parser notices such a line only where the structure stops making sense, often a line later, and says
so in its own terms ("did not find expected '-' indicator", "mapping values are not allowed in this context").
This module reads the lines up to that point as the block structure YAML sees: each line continues a mapping
(``key: …``) or a list (``- …``) that is open at its column, or opens a new one under a key that has no value
yet. The first line whose column fits no open block is the mistake, and the nearest open block of its kind gives
the column it belongs at. Block scalars (``>-``, ``|``), quoted and flow values spread over several lines, and
continuation lines of plain text are skipped, as YAML reads them as part of a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

# The parser's words for a block structure that stopped making sense.
INDENTATION_ERRORS = ("did not find expected '-' indicator", "did not find expected key",
                      "mapping values are not allowed", "expected <block end>")
MISSING_COLON = "could not find expected ':'"
LOOK_BACK = 3  # the mistake is on the parser's line or at most this many lines before it

_ITEM = re.compile(r"(?P<indent> *)-(?: +(?P<rest>.*)|$)")
_KEY = re.compile(r"""(?P<indent> *)(?P<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{}>|!&*:-][^\s#:]*|-[^\s#:][^\s#:]*) *:"""
                  r"""(?: +(?P<value>.*))?""")
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*\s*(#.*)?")


class Block(NamedTuple):
    """An open mapping (``key``) or list (``item``): the column (from 0) where its keys or dashes start."""

    column: int
    kind: str
    line: int
    label: str


class Mistake(NamedTuple):
    """A line (from 1) indented to ``column`` (from 1) that belongs at ``expected`` (from 1), and the message."""

    line: int
    column: int
    message: str


@dataclass
class _Reader:
    """The open blocks at the current line, and what the lines after a value may be."""

    blocks: list[Block] = field(default_factory=list)
    pending: Block | None = None  # a key or dash with no value yet: the next line may open a block below it
    scalar_column: int | None = None  # a block scalar: every line indented deeper is its text
    scalar_indent: int | None = None  # …and its first line sets the column of all its lines
    scalar_line: int = 0
    text_column: int | None = None  # plain text: lines indented deeper that are not ``key:`` lines go on with it
    closing: str | None = None  # the character that closes a value spread over lines (quote or bracket)
    after_text: bool = False  # the line is indented under a plain-text value

    def read(self, number: int, line: str) -> Mistake | None:
        """Take one line; the mistake it makes, if any."""
        content = line.strip()
        if not content or (content.startswith("#") and self.scalar_column is None) or content in ("---", "..."):
            return None
        if self.scalar_column is not None:
            mistake = self._scalar_line(number, line)
            if mistake is not False:
                return mistake
        if content.startswith("#") or self._continues_value(line):
            return None
        indent = len(line) - len(line.lstrip(" "))
        item = _ITEM.fullmatch(line)
        if item is not None:
            return self._item(number, indent, item.group("rest") or "", item.start("rest"))
        key = _KEY.fullmatch(line)
        if key is not None:
            return self._key(number, indent, key.group("key"), key.group("value") or "")
        return None  # text where a key should be: not a matter of indentation

    def _scalar_line(self, number: int, line: str) -> Mistake | bool | None:
        """A line of a block scalar (``>-``, ``|``), whose first line sets the column of the others: None if it
        is one, a mistake if it is text that starts too far left, False if it ends the scalar."""
        indent = len(line) - len(line.lstrip(" "))
        assert self.scalar_column is not None
        if self.scalar_indent is None and indent > self.scalar_column:
            self.scalar_indent, self.scalar_line = indent, number
        if self.scalar_indent is not None and indent >= self.scalar_indent:
            return None
        if indent > self.scalar_column and not _structural(line):
            return Mistake(number, indent + 1, f"YAML indentation error: this line of the text starts at column "
                                               f"{indent + 1}; the text's first line (line {self.scalar_line}) "
                                               f"starts at column {(self.scalar_indent or 0) + 1}")
        self.scalar_column = self.scalar_indent = None
        return False

    def _continues_value(self, line: str) -> bool:
        indent = len(line) - len(line.lstrip(" "))
        if self.closing is not None:
            if self.closing in line:
                self.closing = None
            return True
        self.after_text = self.text_column is not None and indent > self.text_column
        if self.after_text and not _structural(line):
            return True
        self.text_column = None
        return False

    def _item(self, number: int, indent: int, rest: str, rest_column: int) -> Mistake | None:
        mistake = self._place(number, indent, "item", "-")
        if mistake is not None:
            return mistake
        inner = _ITEM.fullmatch(" " * rest_column + rest) if rest else None
        while inner is not None:  # a list in a list: "- - a"
            self.blocks.append(Block(rest_column, "item", number, "-"))
            rest, rest_column = inner.group("rest") or "", inner.start("rest")
            inner = _ITEM.fullmatch(" " * rest_column + rest) if rest else None
        key = _KEY.fullmatch(rest) if rest else None
        if key is not None:
            self.blocks.append(Block(rest_column, "key", number, key.group("key")))
            self._value(rest_column, self.blocks[-1], key.group("value") or "")
        else:
            self._value(self.blocks[-1].column, self.blocks[-1], rest)
        return None

    def _key(self, number: int, indent: int, key: str, value: str) -> Mistake | None:
        mistake = self._place(number, indent, "key", key)
        if mistake is None:
            self._value(indent, self.blocks[-1], value)
        return mistake

    def _value(self, column: int, owner: Block, value: str) -> None:
        """What the lines after this value may be: a block below an empty key, a block scalar's lines…"""
        value = value.strip()
        self.pending = owner if not value or value.startswith("#") else None
        if not value or value.startswith("#"):
            return
        if _BLOCK_SCALAR.fullmatch(value):
            self.scalar_column = column
        elif value[0] in "[{" and value.count(value[0]) > value.count("]" if value[0] == "[" else "}"):
            self.closing = "]" if value[0] == "[" else "}"
        elif value[0] in "\"'":
            self.closing = value[0] if value.count(value[0]) % 2 == 1 else None
        elif value[0] not in "[{":
            self.text_column = column  # plain text may go on, indented deeper, on the next lines

    def _place(self, number: int, indent: int, kind: str, label: str) -> Mistake | None:
        """Close the blocks this line ends and open or continue its own; a mistake if its column fits none."""
        pending, self.pending = self.pending, None
        if not self.blocks or (pending is not None and _opens_below(pending, indent, kind)):
            self.blocks.append(Block(indent, kind, number, label))
            return None
        kept = list(self.blocks)
        while kept and (kept[-1].column > indent or (kept[-1].column == indent and kept[-1].kind != kind)):
            kept.pop()
        if kept and kept[-1].column == indent:
            self.blocks = [*kept[:-1], Block(indent, kind, number, label)]
            return None
        return _mistake(number, indent, kind, label, self.blocks, self.after_text)


def _structural(line: str) -> bool:
    """Whether a line reads as a ``key:`` or a ``- key:`` (not as text going on from the line above)."""
    item = _ITEM.fullmatch(line)
    rest = item.group("rest") if item is not None else None
    return _KEY.fullmatch(line) is not None or (rest is not None and _KEY.fullmatch(rest) is not None)


def _opens_below(owner: Block, indent: int, kind: str) -> bool:
    """Whether a line at ``indent`` opens a block under ``owner`` (a list may start in its key's column)."""
    return indent > owner.column or (kind == "item" and owner.kind == "key" and indent == owner.column)


def _mistake(number: int, indent: int, kind: str, label: str, blocks: list[Block], after_text: bool) -> Mistake:
    same_kind = [block for block in blocks if block.kind == kind] or blocks
    ranked = sorted(same_kind, key=lambda block: (abs(block.column - indent), -block.column))
    best = ranked[0]
    what = "this list item" if kind == "item" else f"'{label}'"
    like = "the item" if kind == "item" else f"'{best.label}'"
    message = (f"YAML indentation error: {what} starts at column {indent + 1}; it belongs at column "
               f"{best.column + 1}, like {like} on line {best.line}")
    tied = [block for block in ranked[1:] if abs(block.column - indent) == abs(best.column - indent)]
    if tied:
        other = tied[0]
        message += f" (or at column {other.column + 1}, like '{other.label}' on line {other.line})"
    if after_text:
        message += "; if it goes on with the text above, put that text in quotes"
    return Mistake(number, indent + 1, message)


def misindented_line(text: str, error_line: int) -> Mistake | None:
    """The first line, up to the parser's ``error_line`` (from 1), whose column fits no open block; None when
    the lines read as well-indented (the parser's own message is then the better one)."""
    reader = _Reader()
    for number, line in enumerate(text.splitlines()[:error_line], start=1):
        mistake = reader.read(number, line)
        if mistake is not None:
            return mistake if number >= error_line - LOOK_BACK else None
    return None


def line_without_colon(text: str, error_line: int) -> Mistake | None:
    """The line before the parser's ``error_line`` that holds text where a ``key:`` should be."""
    lines = text.splitlines()[:error_line]
    for number in range(len(lines), max(0, error_line - LOOK_BACK - 1), -1):
        line = lines[number - 1]
        content = line.strip()
        if content and not content.startswith("#") and ":" not in content and not content.startswith("-"):
            column = len(line) - len(content) + 1
            return Mistake(number, column, f"YAML syntax error: {MISSING_COLON}: '{content[:40]}' has no ':' "
                                           "after its key")
    return None
