"""The pipeline up to the model: find, load and validate the files, then build the model.

Used by the CLI and the MkDocs hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.collector import cycle_collection_paused
from kb.load import find_data_files, load_documents
from kb.model import KnowledgeBase, build_knowledge_base
from kb.problems import DataError, Problem
from kb.validate import Schemas, ValidationResult, load_schemas, validate_documents


def check_data(data_root: Path, *, split: bool = False) -> tuple[ValidationResult | None, list[Problem], Schemas]:
    """Load and validate everything under ``data_root``; report all problems at once. ``split`` shares the files
    out with a forked process (for batch commands, never a threaded server)."""
    schemas = load_schemas(data_root / "schema")
    directories = [t.directory for t in schemas.entity_types.values()]
    paths, problems = find_data_files(data_root, directories, list(schemas.collection_files))
    with cycle_collection_paused():
        documents, load_problems = load_documents(paths, data_root, split=split)
        result = validate_documents(documents, data_root, schemas, split=split)
    all_problems = sorted(set(problems + load_problems + result.problems))
    return result, all_problems, schemas


# `kb build` checks the data before MkDocs starts and hands the model over to the MkDocs hook, which would
# otherwise read and validate every file a second time. One model per folder, taken once.
_HANDED_OVER: dict[Path, KnowledgeBase] = {}


@contextmanager
def handed_over(data_root: Path, knowledge_base: KnowledgeBase) -> Iterator[None]:
    """While the block runs, the next non-strict :func:`load_knowledge_base` of ``data_root`` returns this model."""
    key = data_root.resolve()
    _HANDED_OVER[key] = knowledge_base
    try:
        yield
    finally:
        _HANDED_OVER.pop(key, None)


def load_knowledge_base(data_root: Path, *, strict: bool = False, split: bool = False) -> KnowledgeBase:
    """The validated model of ``data_root``; raises :class:`DataError` with every error (and warning, if strict).
    ``split`` shares loading and checking with a forked process (see :func:`check_data`)."""
    handed = _HANDED_OVER.pop(data_root.resolve(), None) if _HANDED_OVER else None
    if handed is not None and not strict:
        return handed
    result, problems, schemas = check_data(data_root, split=split)
    blocking = [p for p in problems if p.is_error or strict]
    if blocking or result is None:
        raise DataError(blocking)
    with cycle_collection_paused():  # tens of thousands of new objects, no cycles (see kb.collector)
        return build_knowledge_base(result, schemas, problems)
