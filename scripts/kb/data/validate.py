"""Validate stage: find and load the data files, then check them in three steps and report every problem at once.

1. classify: which file is which entity (by its folder and name) or collection (by its name);
2. schema: each file against its JSON Schema in ``data/schema/`` (the shape of the data);
3. rules: what a schema cannot say (:mod:`kb.data.rules`), first what each file says on its own (where the
   schema's custom keywords mark it, and for every file), then across files: every reference resolves, and
   the plausibility warnings that compare two files.

Steps 1 to 3's first half look at one file at a time (:func:`check_file`), so ``kb validate FILE…`` checks only
the files given (:func:`check_files`) and ``kb serve`` checks again only the files that changed
(:class:`FileChecks`). Every problem, whatever its kind, is a ``PATH:LINE:COL: severity: MESSAGE [code] (hint: …)``
line pinned to the node at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from kb import clock
from kb.data import rules
from kb.data.load import Document, JsonPath, find_data_files, load_document
from kb.data.schemas import SchemaError, Schemas, load_schemas
from kb.problems import Finding, Problem, display_path
from kb.two_processes import in_two_processes

if TYPE_CHECKING:  # imported where a file's errors are listed (Schemas.validator)
    from jsonschema import ValidationError

ID_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"
# An entity's page is <type folder>/<id>.md: this id would take the place of the page listing the type.
RESERVED_IDS = {"index": "it names the page that lists every entity of a type"}
PLACEHOLDER = "TODO"


class Reference(NamedTuple):
    """One link from an entity to another entity or a source, as written in the data."""

    origin: str  # the id of the entity whose file holds the reference
    path: JsonPath
    target: str
    target_type: str


@dataclass
class FileCheck:
    """What one file says on its own: what it is, its document (None if it could not be read), its problems, and
    the references it makes (checked against every id afterwards)."""

    path: Path
    kind: str  # "entity", "collection", "rejected" (a name that cannot be an id) or "other"
    name: str | None  # the entity type's name, or the collection file's name
    document: Document | None
    problems: list[Problem] = field(default_factory=list)
    references: list[tuple[JsonPath, rules.TextReference]] = field(default_factory=list)
    # What the checks across files found in it, kept while what they read is the same (kb serve, see
    # FileChecks): its references' problems for one index of ids, its references for the model, its figures'
    # warnings for the trials they read.
    resolved: tuple[int, list[Problem], int] | None = field(default=None, repr=False)
    model_references: list[Reference] | None = field(default=None, repr=False)
    against_trials: tuple[dict[str, Any], list[Problem]] | None = field(default=None, repr=False)


@dataclass
class ValidationResult:
    """What validation hands to the model: the files it accepted, the references in them, the problems."""

    schemas: Schemas
    entities: dict[str, tuple[str, Document]] = field(default_factory=dict)  # id -> (type, document)
    collections: dict[str, Document] = field(default_factory=dict)  # data file name -> document
    references: list[Reference] = field(default_factory=list)  # from entities, in id order, each once
    problems: list[Problem] = field(default_factory=list)


def check_data(data_root: Path, today: dt.date | None = None, *, checks: FileChecks | None = None
               ) -> ValidationResult:
    """Find, load and validate everything under ``data_root``. Raises SchemaError if the schemas are unusable.
    With ``checks``, the files that did not change since it last saw them are not checked again."""
    folder = _schema_folder(data_root)
    schemas = checks.schemas(folder) if checks else load_schemas(folder)
    directories = [t.directory for t in schemas.entity_types.values()]
    paths, problems = find_data_files(data_root, directories, list(schemas.collection_files))
    problems += _undeclared_folders(data_root, directories)
    today = today or clock.today()
    if checks:
        own = [checks.check(path, data_root, schemas, today) for path in paths]
    else:
        own = check_files_in_two_processes(paths, data_root, schemas, today)
    result = combine(own, data_root, schemas, checks)
    result.problems = sorted(set(problems + result.problems))
    return result


# Each file's own checks, in the order of ``paths``: from TWO_PROCESSES_FROM files on, in two processes. On two
# cores, `kb validate` on the real data (192 files) took 0.95 s in one process, of which checking the files 0.77 s.
TWO_PROCESSES_FROM = 64


def check_files_in_two_processes(paths: list[Path], data_root: Path, schemas: Schemas, today: dt.date
                                 ) -> list[FileCheck]:
    return in_two_processes(partial(_check_each, data_root=data_root, schemas=schemas, today=today), paths,
                            from_items=TWO_PROCESSES_FROM)


def _check_each(paths: list[Path], data_root: Path, schemas: Schemas, today: dt.date) -> list[FileCheck]:
    return [check_file(path, data_root, schemas, today) for path in paths]


def check_files(data_root: Path, files: Iterable[Path], today: dt.date | None = None) -> list[Problem]:
    """The problems of the given files only, with the ids the other files define (from their names and the
    bibliography's keys and kinds, without checking those files) and the trials their figures refer to."""
    schemas = load_schemas(_schema_folder(data_root), check_all=False)
    today = today or clock.today()
    root = Path(os.path.abspath(data_root))
    files = [Path(os.path.abspath(file)) for file in files]
    schemas.check(governing_schema(path, root, schemas) for path in files if path.is_relative_to(root))
    problems: list[Problem] = []
    checks = []
    for path in files:
        if not path.is_relative_to(root):
            problems.append(Problem(display_path(path), 1, 1, f"not inside the data folder {display_path(root)}",
                                    code="misplaced-file"))
        else:
            checks.append(check_file(path, root, schemas, today))
    ids = _listed_ids(root, schemas, checks)
    trials = _TrialFiles(root, schemas)
    for check in checks:
        problems += check.problems + _duplicate_of_listed(check, root, schemas)
        problems += _reference_problems(check, ids)
        if check.kind == "entity" and check.document is not None:
            own = check.path.stem if check.name == "trial" else None
            problems += rules.trial_plausibility_problems(check.document, own, trials.data)
        problems += _secondary_figures(check, ids)
    return sorted(set(problems))


def governing_schema(path: Path, data_root: Path, schemas: Schemas) -> str:
    """The schema file that governs the data file at ``path`` ("" for a file of no type or collection)."""
    kind, name = classify(path, data_root, schemas)
    if kind == "entity":
        return schemas.entity_types[name or ""].schema_file
    return schemas.collection_files.get(name or "", "")


def _schema_folder(data_root: Path) -> Path:
    if not data_root.is_dir():
        raise SchemaError(data_root, "the data folder is missing", code="missing-data-folder")
    folder = data_root / "schema"
    if folder.exists() and not folder.resolve().is_relative_to(data_root.resolve()):
        raise SchemaError(folder, "the schema folder is a link to a folder outside the data folder")
    return folder


def _undeclared_folders(data_root: Path, directories: list[str]) -> list[Problem]:
    """Folders beside the type folders that no schema declares (a deleted schema, a misspelt folder)."""
    return [Problem(display_path(folder), 1, 1, f"folder '{folder.name}' is not an entity type: no schema in "
                                                f"data/schema/ declares x-directory: {folder.name}",
                    code="unexpected-folder")
            for folder in sorted(data_root.iterdir())
            if folder.is_dir() and folder.name not in {*directories, "schema"} and not folder.name.startswith(".")]


# --- One file on its own: classify, schema, its own rules ----------------------------------------------------

def check_file(path: Path, data_root: Path, schemas: Schemas, today: dt.date) -> FileCheck:
    """Load one file and check everything it says on its own."""
    document, problems = load_document(path, data_root)
    kind, name = classify(path, data_root, schemas)
    check = FileCheck(path, kind, name, document, problems)
    if document is None:
        return check
    if kind == "other":
        check.problems.append(document.problem((), "this file is not part of any entity type's folder",
                                               code="misplaced-file"))
        return check
    if kind == "entity":
        id_problem = _id_problem(path.stem)
        if id_problem:
            check.kind = "rejected"
            check.problems.append(document.problem((), id_problem[1], code=id_problem[0]))
            return check
    _check_content(check, document, schemas, today)
    return check


def classify(path: Path, data_root: Path, schemas: Schemas) -> tuple[str, str | None]:
    """("collection", file name), ("entity", type name) or ("other", None), by where the file is."""
    relative = path.relative_to(data_root).parts
    if len(relative) == 1 and relative[0] in schemas.collection_files:
        return "collection", relative[0]
    if len(relative) == 2:
        for entity_type in schemas.entity_types.values():
            if entity_type.directory == relative[0]:
                return "entity", entity_type.name
    return "other", None


def _id_problem(entity_id: str) -> tuple[str, str] | None:
    if not re.fullmatch(ID_PATTERN, entity_id):
        return "invalid-id", (f"file name '{entity_id}' is not a valid id: use lower-case letters, digits and single "
                              "hyphens (kebab-case)")
    if entity_id in RESERVED_IDS:
        return "reserved-id", f"file name '{entity_id}' cannot be an id: {RESERVED_IDS[entity_id]}; rename the file"
    return None


def _check_content(check: FileCheck, document: Document, schemas: Schemas, today: dt.date) -> None:
    if check.kind == "entity":
        schema_file = schemas.entity_types[check.name or ""].schema_file
        schema_line = f"../schema/{schema_file}"
    else:
        schema_file = schemas.collection_files[check.name or ""]
        schema_line = f"schema/{schema_file}"
    check.problems += schema_problems(document, schemas, schema_file)
    found, check.references = own_rule_problems(document, schemas.inlined[schema_file], today,
                                                schemas.compound_field_names)
    check.problems += found
    if check.kind == "entity":
        check.problems += rules.table_problems(document)
        check.problems += rules.review_problems(document, today)
        check.problems += rules.own_plausibility_problems(document, is_trial=check.name == "trial")
    check.problems += rules.first_line_problems(document, schema_line)


# --- Across files: ids, references, plausibility --------------------------------------------------------------

def combine(checks: list[FileCheck], data_root: Path, schemas: Schemas, kept: FileChecks | None = None
            ) -> ValidationResult:
    """Every file's own checks, plus what needs them all: unique ids, references that resolve, the plausibility
    warnings that compare two files. With ``kept``, what a file's check found here last time is used again
    while what it read (the ids, the trials) is the same."""
    result = ValidationResult(schemas)
    accepted: dict[str, FileCheck] = {}
    for check in checks:
        _accept(check, result, accepted)
    unreadable = [check.path for check in checks if check.document is None]
    ids = _id_index(result, unreadable, data_root, schemas)
    ids_version = kept.ids_version(ids) if kept else None
    for check in sorted((c for c in checks if c.kind == "collection" and c.document is not None),
                        key=lambda c: c.path.name):
        result.problems += _resolved(check, ids, ids_version)

    def trial_data(trial_id: str) -> dict[str, Any] | None:
        entry = result.entities.get(trial_id)
        return entry[1].data if entry and entry[0] == "trial" else None

    for entity_id, check in sorted(accepted.items()):
        result.problems += _resolved(check, ids, ids_version)
        result.references += _model_references(check, entity_id)
        result.problems += _against_trials(check, entity_id, trial_data, reuse=kept is not None)
        result.problems += _secondary_figures(check, ids)
    result.problems += _skipped_note(ids, unreadable)
    return result


def _accept(check: FileCheck, result: ValidationResult, accepted: dict[str, FileCheck]) -> None:
    """Take one file's check into the result: its document and its problems, unless its id is taken."""
    document = check.document
    if document is not None and check.kind == "collection":
        result.collections[check.path.name] = document
    elif document is not None and check.kind == "entity":
        entity_id = check.path.stem
        if entity_id in result.entities:
            other = result.entities[entity_id][1].shown_path
            result.problems.append(document.problem((), f"id '{entity_id}' is already used by {other}; ids are "
                                                        "unique across all entity types", code="duplicate-id"))
            return
        result.entities[entity_id] = (check.name or "", document)
        accepted[entity_id] = check
    result.problems += check.problems


def _resolved(check: FileCheck, ids: rules.IdIndex, ids_version: int | None) -> list[Problem]:
    """The file's reference problems (kept on its check for the same version of the ids)."""
    if ids_version is not None and check.resolved is not None and check.resolved[0] == ids_version:
        ids.skipped += check.resolved[2]
        return check.resolved[1]
    skipped = ids.skipped
    problems = _reference_problems(check, ids)
    if ids_version is not None:
        check.resolved = (ids_version, problems, ids.skipped - skipped)
    return problems


def _model_references(check: FileCheck, entity_id: str) -> list[Reference]:
    """The entity's references as the model takes them, each once (kept on its check)."""
    if check.model_references is None:
        check.model_references = list(dict.fromkeys(Reference(entity_id, path, ref.target, ref.target_type)
                                                    for path, ref in check.references))
    return check.model_references


def _against_trials(check: FileCheck, entity_id: str, trial_data: rules.TrialLookup, *, reuse: bool
                    ) -> list[Problem]:
    """The warnings comparing the entity's figures with their trials (kept on its check with the trials' data
    it read, while those are the very same objects)."""
    if reuse and check.against_trials is not None and \
            all(trial_data(trial) is data for trial, data in check.against_trials[0].items()):
        return check.against_trials[1]
    read: dict[str, Any] = {}

    def reading(trial_id: str) -> dict[str, Any] | None:
        read[trial_id] = trial_data(trial_id)
        return read[trial_id]

    assert check.document is not None
    own = entity_id if check.name == "trial" else None
    problems = list(rules.trial_plausibility_problems(check.document, own, reading))
    check.against_trials = (read, problems)
    return problems


def _secondary_figures(check: FileCheck, ids: rules.IdIndex) -> list[Problem]:
    """A note for each of the entity's figures resting only on secondary sources (by the kinds in the
    bibliography)."""
    if check.kind != "entity" or check.document is None:
        return []
    return list(rules.secondary_figure_problems(check.document, ids.source_kinds))


def _reference_problems(check: FileCheck, ids: rules.IdIndex) -> list[Problem]:
    """Each reference the file makes that does not resolve, pinned to the id as written."""
    problems = []
    document = check.document
    for path, reference in check.references if document is not None else ():
        finding = rules.reference_problem(ids, reference.target, reference.target_type)
        if finding is not None:
            problems.append(document.problem(path, f"{_where(path)}{finding.message}", code=finding.code,
                                             hint=finding.hint, spot=reference.spot, nth=reference.nth))
    return problems


def _id_index(result: ValidationResult, unreadable: list[Path], data_root: Path, schemas: Schemas) -> rules.IdIndex:
    readable = {t.name for t in schemas.entity_types.values() if not (data_root / t.directory).is_file()}
    ids = rules.IdIndex(types={i: t for i, (t, _) in result.entities.items()},
                        entity_types=readable,  # a type whose folder is a file: its ids cannot be known
                        unreadable_ids={path.stem for path in unreadable if path.parent != data_root})
    sources = result.collections.get("sources.yaml")
    if sources is not None:
        ids.sources = set(sources.data)
        ids.source_kinds = _source_kinds(sources.data)
    elif data_root / "sources.yaml" in unreadable:
        ids.sources_unreadable = True
    else:
        result.problems.append(Problem(display_path(data_root / "sources.yaml"), 1, 1, "the bibliography file is "
                                       "missing; every [@source] citation and sources: list refers to it",
                                       code="missing-bibliography"))
        ids.sources_unreadable = True  # one problem is enough: citations are not reported one by one
    return ids


def _source_kinds(bibliography: dict[str, Any]) -> dict[str, str]:
    """Each source id with its kind (pubmed, news…), as the bibliography gives it."""
    return {key: entry.get("kind") for key, entry in bibliography.items() if isinstance(entry, dict)}


def _skipped_note(ids: rules.IdIndex, unreadable: list[Path]) -> list[Problem]:
    if not ids.skipped or not unreadable:
        return []
    return [Problem(display_path(unreadable[0]), 1, 1, f"{ids.skipped} reference(s) to ids defined in files that "
                                                       "could not be read were not checked; fix those files first",
                    "warning", code="unchecked-references")]


# --- The ids of files not checked (kb validate FILE…) ---------------------------------------------------------

_SOURCE_KEY = re.compile(r"^([a-z0-9][a-z0-9-]*):", re.MULTILINE)


def _listed_ids(data_root: Path, schemas: Schemas, checks: list[FileCheck]) -> rules.IdIndex:
    """Every id the data defines, from the file names in the type folders and the keys of the bibliography."""
    ids = rules.IdIndex(entity_types=set(schemas.entity_types))
    for entity_type in schemas.entity_types.values():
        folder = data_root / entity_type.directory
        names = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        for path in names:  # the first type's file keeps an id, as in the whole check
            if re.fullmatch(ID_PATTERN, path.stem):
                ids.types.setdefault(path.stem, entity_type.name)
    given = next((c.document for c in checks if c.kind == "collection" and c.path.name == "sources.yaml"), None)
    bibliography = data_root / "sources.yaml"
    if given is not None:
        ids.sources = set(given.data)
        ids.source_kinds = _source_kinds(given.data)
    elif bibliography.is_file():
        ids.source_kinds = _KindsInText(bibliography.read_text(encoding="utf-8", errors="replace"))
        ids.sources = set(ids.source_kinds)
    else:
        ids.sources_unreadable = True
    return ids


class _KindsInText(Mapping[str, str]):
    """Each source id of the bibliography's text (its keys at the start of a line) -> its kind, read from that
    source's own lines when asked for: the secondary-source notes of a few files need a few of the entries."""

    def __init__(self, text: str):
        starts = [(match.group(1), match.start()) for match in _SOURCE_KEY.finditer(text)]
        ends = [start for _, start in starts[1:]] + [len(text)]
        self._text = text
        self._entries = {key: (start, end) for (key, start), end in zip(starts, ends, strict=True)}

    def __getitem__(self, source_id: str) -> str:
        start, end = self._entries[source_id]
        try:
            entry = yaml.safe_load(self._text[start:end]).get(source_id)
        except (yaml.YAMLError, AttributeError):
            raise KeyError(source_id) from None  # kind unknown: no note (the whole check reports the error)
        if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
            raise KeyError(source_id)
        return entry["kind"]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _duplicate_of_listed(check: FileCheck, data_root: Path, schemas: Schemas) -> list[Problem]:
    """A checked entity whose id names a file in another type's folder too."""
    if check.kind != "entity" or check.document is None:
        return []
    for entity_type in schemas.entity_types.values():
        other = data_root / entity_type.directory / check.path.name
        if entity_type.name != check.name and other.is_file():
            return [check.document.problem((), f"id '{check.path.stem}' is already used by {display_path(other)}; "
                                               "ids are unique across all entity types", code="duplicate-id")]
    return []


class _TrialFiles:
    """The trials' data, read when a figure refers to one (None for a trial that is missing or unreadable)."""

    def __init__(self, data_root: Path, schemas: Schemas):
        self.folder = next((data_root / t.directory for t in schemas.entity_types.values() if t.name == "trial"),
                           None)
        self.read: dict[str, dict[str, Any] | None] = {}

    def data(self, trial_id: str) -> dict[str, Any] | None:
        if trial_id not in self.read:
            path = self.folder / f"{trial_id}.yaml" if self.folder and re.fullmatch(ID_PATTERN, trial_id) else None
            document = load_document(path, self.folder.parent)[0] if path and path.is_file() else None
            self.read[trial_id] = document.data if document else None
        return self.read[trial_id]


# --- Files checked once while they do not change (kb serve) ---------------------------------------------------

Stamp = tuple[int, int, int]  # modification time (ns), size and inode


def _stamp(path: Path) -> Stamp | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino


class FileChecks:
    """Each file's own checks (and the schemas), kept while the file is unchanged: when one file is saved, only
    that file is loaded and checked again; the checks across files run over the kept results."""

    def __init__(self) -> None:
        self._checks: dict[Path, tuple[Stamp | None, dt.date, int, FileCheck]] = {}
        self._schemas: tuple[tuple[tuple[str, Stamp | None], ...], Schemas] | None = None
        self._ids: tuple[Any, int] = (None, 0)

    def schemas(self, folder: Path) -> Schemas:
        stamps = tuple((p.name, _stamp(p)) for p in sorted(folder.glob("*.schema.json"))) if folder.is_dir() else ()
        if self._schemas is None or self._schemas[0] != stamps or not stamps:
            self._schemas = (stamps, load_schemas(folder))
            self._checks.clear()
        return self._schemas[1]

    def check(self, path: Path, data_root: Path, schemas: Schemas, today: dt.date) -> FileCheck:
        stamp = _stamp(path)
        kept = self._checks.get(path)
        if kept is not None and kept[0] == stamp and stamp is not None and kept[1] == today and \
                kept[2] == id(schemas):
            return kept[3]
        check = check_file(path, data_root, schemas, today)
        self._checks[path] = (stamp, today, id(schemas), check)
        return check

    def ids_version(self, ids: rules.IdIndex) -> int:
        """A number that stays the same while the index of ids resolves every reference the same way."""
        key = ids.key()
        if key != self._ids[0]:
            self._ids = (key, self._ids[1] + 1)
        return self._ids[1]

    def forget(self, paths: Iterable[Path]) -> None:
        """Check these files again next time, whatever their stamps say (a save within the clock's resolution)."""
        for path in paths:
            self._checks.pop(path, None)


# --- 2. Schema ----------------------------------------------------------------------------------------------

def schema_problems(document: Document, schemas: Schemas, schema_file: str) -> list[Problem]:
    """The document against its JSON Schema, each error in the curator's words."""
    if schemas.passes(schema_file, document.data):
        return []
    validator = schemas.validator(schema_file)
    return [_schema_problem(document, error) for error in validator.iter_errors(document.data)]


class SchemaMessage(NamedTuple):
    code: str
    message: str
    at: tuple[str, ...] = ()  # a key below the error's node to point at
    hint: str = ""


def _schema_problem(document: Document, error: ValidationError) -> Problem:
    path: JsonPath = tuple(error.absolute_path)
    where = rules.field_name(path)
    prefix = f"{where}: " if where else ""
    if isinstance(error.instance, str) and error.instance.strip().startswith(PLACEHOLDER):
        said = SchemaMessage("placeholder", f"placeholder '{PLACEHOLDER}' not filled in")
    elif "propertyNames" in error.schema_path:  # a key of the mapping, checked as a value: point at the key
        said = _MESSAGES.get(str(error.validator), _default_message)(error)
        said = said._replace(code="invalid-key", at=(str(error.instance),))
    else:
        said = _MESSAGES.get(str(error.validator), _default_message)(error)
    return document.problem((*path, *said.at), prefix + said.message, code=said.code, hint=said.hint,
                            at_key=bool(said.at))


def _default_message(error: ValidationError) -> SchemaMessage:
    return SchemaMessage("schema-rule", error.message)


def _missing_field(error: ValidationError) -> SchemaMessage:
    missing = error.message.split("'")[1] if "'" in error.message else error.message
    # Conditional requirements (if/then) carry the reason in the `then` schema's description.
    why = error.schema.get("description") if "then" in error.relative_schema_path else None
    return SchemaMessage("missing-field", f"missing required field '{missing}'" + (f" ({why})" if why else ""))


def _unknown_field(error: ValidationError) -> SchemaMessage:
    allowed = sorted(error.schema.get("properties", {}))
    extra = [key for key in error.instance if key not in allowed] if isinstance(error.instance, dict) else []
    key = str(extra[0]) if extra else "?"
    hint = difflib.get_close_matches(key, allowed, n=1)
    suggestion = f" (did you mean '{hint[0]}'?)" if hint else f"; allowed: {', '.join(allowed)}"
    return SchemaMessage("unknown-field", f"unknown field '{key}'{suggestion}", (key,),
                         f"rename it to '{hint[0]}'" if hint else "")


def _bad_key(error: ValidationError) -> SchemaMessage:
    return SchemaMessage("invalid-key", f"'{error.instance}' is not a valid key here ({error.message})",
                         (str(error.instance),))


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
               "object": "a mapping", "boolean": "true or false"}
# A number written with its unit, as "84%" or "12 months".
_NUMBER_WITH_UNIT = re.compile(r"\s*(?P<number>[-+]?[0-9]+(?:[.,][0-9]+)*)\s*(?P<unit>[^\s0-9].*?)?\s*")


def _wrong_type(error: ValidationError) -> SchemaMessage:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    message = f"expected {' or '.join(_TYPE_NAMES.get(t, t) for t in expected)}, found {_describe(error.instance)}"
    return SchemaMessage("wrong-type", message, hint=_number_hint(error, expected))


def _number_hint(error: ValidationError, expected: list[str]) -> str:
    """For a number written as text with its unit ("84%"): write the number alone, the unit in ``unit``."""
    if not isinstance(error.instance, str) or not {"number", "integer"} & set(expected):
        return ""
    found = _NUMBER_WITH_UNIT.fullmatch(error.instance)
    if found is None:
        return ""
    key = next((part for part in reversed(error.absolute_path) if isinstance(part, str)), "value")
    number = found.group("number").replace(",", "")
    unit = found.group("unit")
    if unit and key in ("value", "low", "high"):
        shown = f"'{unit}'" if unit == "%" else unit
        return f"write the number alone, {key}: {number}, and its unit in the figure's unit: {shown}"
    return f"write the number alone, without quotes: {key}: {number}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    shown = json.dumps(value, ensure_ascii=False)[:40] if isinstance(value, str | int | float | bool) else ""
    return names.get(type(value), type(value).__name__) + (f" {shown}" if shown else "")


def _not_allowed_value(error: ValidationError) -> SchemaMessage:
    options = error.validator_value
    if error.validator == "oneOf":
        if not all(isinstance(option, dict) and "const" in option for option in options):
            return _default_message(error)
        options = [option["const"] for option in options]
    close = difflib.get_close_matches(str(error.instance), [str(option) for option in options], n=2)
    ratios = [difflib.SequenceMatcher(None, str(error.instance), option).ratio() for option in close]
    unique = close[0] if close and (len(close) == 1 or ratios[0] > ratios[1]) else None  # no guess between equals
    return SchemaMessage("not-allowed-value",
                         f"'{error.instance}' is not one of the allowed values: {', '.join(map(str, options))}",
                         hint=f"did you mean '{unique}'?" if unique else "")


def _wrong_form(error: ValidationError) -> SchemaMessage:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "pattern" and error.validator_value == r"\S":
        return SchemaMessage("empty-text", "must hold more than spaces")
    if schema.get("format") in ("date", "partial-date"):
        wanted = "YYYY-MM-DD" if schema.get("format") == "date" else "YYYY-MM-DD, YYYY-MM or YYYY"
        return SchemaMessage("invalid-date", f"'{error.instance}' is not a valid date ({wanted})")
    expected = schema.get("description") or error.validator_value
    return SchemaMessage("wrong-form", f"'{error.instance}' does not have the expected form ({expected})")


_MESSAGES: dict[str, Callable[[ValidationError], SchemaMessage]] = {
    "required": _missing_field,
    "additionalProperties": _unknown_field,
    "propertyNames": _bad_key,
    "type": _wrong_type,
    "enum": _not_allowed_value,
    "oneOf": _not_allowed_value,
    "pattern": _wrong_form,
    "format": _wrong_form,
    "minItems": lambda error: SchemaMessage("too-few-items", f"needs at least {error.validator_value} item(s)"),
    "minLength": lambda error: SchemaMessage("empty-text", "must not be empty"),
    "maxLength": lambda error: SchemaMessage("text-too-long", f"is {len(error.instance)} characters long; at most "
                                                              f"{error.validator_value} are allowed"),
    "uniqueItems": lambda error: SchemaMessage("duplicate-item", "lists the same item twice"),
    "minimum": lambda error: SchemaMessage("out-of-range", f"must be at least {error.validator_value}, found "
                                                           f"{error.instance}"),
    "maximum": lambda error: SchemaMessage("out-of-range", f"must be at most {error.validator_value}, found "
                                                           f"{error.instance}"),
}


# --- 3. Rules -----------------------------------------------------------------------------------------------

CustomNode = tuple[JsonPath, Any, dict[str, Any]]


def own_rule_problems(document: Document, schema: dict[str, Any], today: dt.date, field_names: frozenset[str]
                      ) -> tuple[list[Problem], list[tuple[JsonPath, rules.TextReference]]]:
    """The problems the rules find in ``document`` on its own, and the references it makes (checked later,
    against every file's ids). ``field_names``: the data's field names that must not show in its texts."""
    problems: list[Problem] = []
    references: list[tuple[JsonPath, rules.TextReference]] = []
    for path, text, is_key in rules.strings_in(document.data):
        problems += _string_problems(document, path, text, is_key, field_names)
    for path, value, node in custom_nodes(schema, document.data):
        if not isinstance(value, str):  # a wrong type: the schema check reports it
            continue
        problems += (_pinned(document, path, finding) for finding in _node_problems(value, node, today))
        references += ((path, reference) for reference in _references(value, node))
    return problems, references


def _string_problems(document: Document, path: JsonPath, text: str, is_key: bool, field_names: frozenset[str]
                     ) -> Iterator[Problem]:
    """Any string's problems: a hidden character; a field's name where readers see the text (every text but a
    review's note of what changed, which is the curators' record)."""
    finding = rules.character_problem(text)
    if finding:
        yield _pinned(document, path, finding, at_key=is_key)
    if is_key or path[:1] == ("review_history",):
        return
    finding = rules.field_name_problem(text, field_names)
    if finding:
        yield _pinned(document, path, finding, severity="warning")


def _pinned(document: Document, path: JsonPath, finding: Finding, *, at_key: bool = False,
            severity: str = "error") -> Problem:
    return document.problem(path, f"{_where(path)}{finding.message}", code=finding.code, hint=finding.hint,
                            at_key=at_key, severity=severity, spot=None if at_key else finding.spot, nth=finding.nth)


def _where(path: JsonPath) -> str:
    name = rules.field_name(path)
    return f"{name}: " if name else ""


def _node_problems(value: str, node: dict[str, Any], today: dt.date) -> Iterator[Finding]:
    if "x-text" in node:
        yield from rules.text_problems(value, node["x-text"])
    if node.get("x-not-future"):
        finding = rules.future_date_problem(value, today)
        if finding:
            yield finding


def _references(value: str, node: dict[str, Any]) -> Iterator[rules.TextReference]:
    if "x-references" in node:
        yield rules.TextReference(value, node["x-references"], "", 0)
    elif node.get("x-text") == "markdown":
        yield from rules.references_in_markdown(value)


def custom_nodes(schema: Any, value: Any, path: JsonPath = ()) -> Iterator[CustomNode]:
    """Each value whose (inlined) schema carries a custom keyword: its path, the value, that schema."""
    if not isinstance(schema, dict):
        return
    if "x-text" in schema or "x-references" in schema or "x-not-future" in schema:
        yield path, value, schema
    if isinstance(value, dict):
        properties, additional = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            yield from custom_nodes(properties.get(key, additional), item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from custom_nodes(schema.get("items"), item, (*path, index))
