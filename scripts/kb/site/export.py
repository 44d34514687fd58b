"""Export stage: the open-data files published with the site, under a versioned path (``api/v1/``).

One JSON file per entity type and one per entity (exactly the fields of the YAML, so they validate
against the published schemas), the bibliography (also as CSL-JSON and RIS, for reference managers) and
glossary, the JSON Schemas themselves, CSV copies of the comparison tables, and a checksum list. Output is
deterministic: same data, same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from kb.model import Entity, KnowledgeBase
from kb.site.bibliography import csl_json, ris
from kb.site.compare import Cell, Comparison, compare_products, compare_therapies, compare_trials
from kb.site.facets import filters_for

API = "api/v1"
FEED = "feed.xml"  # the Atom feed of changes, at the site's root (see kb.site.feed)


def entity_data_path(entity: Entity) -> str:
    """Where an entity's own JSON file is in the site: ``api/v1/<type folder>/<id>.json``."""
    return f"{API}/{entity.type.plural}/{entity.id}.json"


def _json(value: Any) -> bytes:
    """Strict JSON (no NaN or Infinity, which JSON does not have), pretty-printed, as UTF-8."""
    return (json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _csv(kb: KnowledgeBase, comparison: Comparison, noun: str) -> bytes:
    """A comparison as CSV, for analysis: each column as the page shows it; for each column of figures, the
    measure, value and unit of the figure each cell shows (the first, where it shows two); the row's facet values
    (as the filters give them, where the table has no column of that name); and its sources."""
    rows = [entity for entity, _ in comparison.rows]
    filters = filters_for(kb, rows, noun, f"kb-compare-{noun}", every_facet=True)
    facets = [facet for facet in filters.facets if facet.title not in comparison.columns.values()]
    figure_columns = [key for key in comparison.columns if any(cells[key].unit for _, cells in comparison.rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", *comparison.columns.values(),
                     *(f"{comparison.columns[key]}: {part}" for key in figure_columns
                       for part in ("measure", "value", "unit")),
                     *(facet.title for facet in facets), "sources"])
    for entity, cells in comparison.rows:
        sources = sorted({s for cell in cells.values() for s in cell.sources})
        texts = (f"{cell.text} ({cell.note})" if cell.note else cell.text for cell in cells.values())
        figures = (part for key in figure_columns for part in _figure_parts(cells[key]))
        values = filters.rows.get(entity.id, {})
        labels = ("; ".join(facet.values[slug] for slug in values.get(facet.key, [])) for facet in facets)
        writer.writerow([entity.id, *texts, *figures, *labels, " ".join(sources)])
    return buffer.getvalue().encode("utf-8")


def _figure_parts(cell: Cell) -> tuple[str, Any, str]:
    """(measure, value, unit) of the figure a cell shows; empty where it shows none."""
    return (cell.measure, cell.sort_key, cell.unit) if cell.unit else ("", "", "")


def data_version(kb: KnowledgeBase) -> tuple[str, str]:
    """(version, date) of the newest release in data/releases.yaml."""
    releases = kb.releases
    if not releases:
        return "0.0.0", ""
    version = max(releases, key=lambda v: tuple(int(p) for p in v.split(".")))
    return version, releases[version]["date"]


def reviewed_after_release(kb: KnowledgeBase) -> str | None:
    """The newest review date when a page was reviewed after the day of the newest release (the files then hold
    data the release does not), else None. Changes made on the release's own day cannot be told apart."""
    _, released = data_version(kb)
    newest = kb.last_reviewed()
    return newest if newest and newest > released else None


def export_files(kb: KnowledgeBase) -> dict[str, bytes]:
    """Every open-data file, keyed by its path in the site."""
    return Exporter().files(kb)


class Exporter:
    """Makes the open-data files, keeping each entity's JSON while its data is the same object: ``kb serve``
    exports again after every save, and the data of each file that did not change is the object it was."""

    def __init__(self) -> None:
        self._encoded: dict[int, tuple[Any, bytes]] = {}  # id(data) -> (data, its JSON): the data kept alive
        self._bibliography: tuple[list[tuple[str, Any]], dict[str, bytes]] | None = None  # (sources, files)

    def files(self, kb: KnowledgeBase) -> dict[str, bytes]:
        """Every open-data file, keyed by its path in the site."""
        version, released = data_version(kb)
        files: dict[str, bytes] = {}
        encoded: dict[int, tuple[Any, bytes]] = {}
        for entity_type in kb.types:
            entities = kb.of_type(entity_type.name)
            items = {e.id: self._entity_json(e.data, encoded) for e in entities}
            files[f"{API}/{entity_type.plural}.json"] = _json_with_items({
                "version": version, "type": entity_type.name, "schema": f"schema/{entity_type.schema_file}"}, items)
            for entity in entities:
                files[entity_data_path(entity)] = items[entity.id]
        self._encoded = encoded  # what this export used: nothing else is kept
        files |= self._bibliography_files(kb)
        files[f"{API}/glossary.json"] = _json(kb.glossary)
        for name, schema in sorted(kb.schemas.raw.items()):
            files[f"{API}/schema/{name}"] = _json({k: v for k, v in schema.items() if k != "$id"})
        files[f"{API}/compare-products.csv"] = _csv(kb, compare_products(kb), "products")
        files[f"{API}/compare-therapies.csv"] = _csv(kb, compare_therapies(kb), "therapies")
        files[f"{API}/compare-trials.csv"] = _csv(kb, compare_trials(kb), "trials")
        files[f"{API}/index.json"] = _json({"version": version, "released": released,
                                            "reviewed_after_release": reviewed_after_release(kb),
                                            "files": sorted(p.removeprefix(f"{API}/") for p in files)})
        checksums = "".join(f"{hashlib.sha256(content).hexdigest()}  {path.removeprefix(API + '/')}\n"
                            for path, content in sorted(files.items()))
        files[f"{API}/SHA256SUMS"] = checksums.encode("utf-8")
        return files

    def _bibliography_files(self, kb: KnowledgeBase) -> dict[str, bytes]:
        """The bibliography as JSON, CSL-JSON and RIS, kept while every source's data is the object it was."""
        sources = [(source.id, source.data) for source in kb.sources.values()]
        kept = self._bibliography
        if kept is None or len(kept[0]) != len(sources) or any(
                old_id != new_id or old_data is not new_data for (old_id, old_data), (new_id, new_data)
                in zip(kept[0], sources, strict=True)):
            files = {f"{API}/sources.json": _json(dict(sources)), f"{API}/sources.csl.json": csl_json(kb),
                     f"{API}/sources.ris": ris(kb)}
            self._bibliography = kept = (sources, files)
        return kept[1]

    def _entity_json(self, data: Any, encoded: dict[int, tuple[Any, bytes]]) -> bytes:
        kept = self._encoded.get(id(data))
        content = kept[1] if kept is not None and kept[0] is data else _json(data)
        encoded[id(data)] = (data, content)
        return content


def _json_with_items(head: dict[str, Any], items: dict[str, bytes]) -> bytes:
    """``_json({**head, "items": {id: data}})``, from each item's own JSON: every line of an item's JSON moves
    four spaces right, which is where indenting by two puts it two levels down."""
    if not items:
        return _json({**head, "items": {}})
    opening = _json(head).decode("utf-8").rstrip().removesuffix("}").rstrip()
    entries = [f'    {json.dumps(key, ensure_ascii=False)}: ' + content.decode("utf-8").rstrip().replace("\n", "\n    ")
               for key, content in items.items()]
    return (opening + ',\n  "items": {\n' + ",\n".join(entries) + "\n  }\n}\n").encode("utf-8")
