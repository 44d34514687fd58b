"""Synthetic data for the benchmark and the tests: N schema-valid entities of lorem-ipsum text (never medical
content) with the shape, length and cross-references of real entries: links, citations, figures, sections
and glossary abbreviations."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import yaml
from kb.data.schemas import load_schemas

REPO = Path(__file__).resolve().parent.parent.parent
REVIEW_DATE = "2026-01-15"
# 2026-02-02: after every synthetic review date, so nothing is in the future or stale.
EPOCH = "1770000000"

# Share of each entity type in a synthetic data set, as in a mature knowledge base; a type declared by the
# schemas that has no recipe in _entity below gets no synthetic entities.
_TYPE_SHARES = {"therapy": 0.04, "disease": 0.04, "product": 0.30, "challenge": 0.25, "trial": 0.37}
_WORDS = tuple(" ".join([
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut",
    "labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris",
    "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse",
    "cillum eu fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui",
    "officia deserunt mollit anim id est laborum",
]).split(" "))
_GLOSSARY = {"LQX": "lorem quux", "DSA": "dolor sit amet", "CAE": "consectetur adipiscing elit",
             "MVQ": "minim veniam quis", "UDX": "ullamco dolor extra", "FNP": "fugiat nulla pariatur"}


# --- Synthetic data --------------------------------------------------------------------------------------------

class _Text:
    """Lorem-ipsum text with entity links, citations and glossary abbreviations mixed in."""

    def __init__(self, rng: random.Random, entity_ids: list[str], names: dict[str, str], source_ids: list[str]):
        self.rng, self.entity_ids, self.names, self.source_ids = rng, entity_ids, names, source_ids

    def words(self, count: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _ in range(count))

    def title(self, count: int = 3) -> str:
        return self.words(count).capitalize()

    def sentence(self, low: int = 8, high: int = 18) -> str:
        return self.words(self.rng.randint(low, high)).capitalize() + "."

    def plain(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def markdown(self, sentences: int, cited: list[str]) -> str:
        """Sentences with, now and then, an entity link, a citation, emphasis or an abbreviation."""
        out = []
        for _ in range(sentences):
            words = self.words(self.rng.randint(8, 18)).capitalize().split()
            roll = self.rng.random()
            if roll < 0.25:
                target = self.rng.choice(self.entity_ids)
                out.append(" ".join(words) + f" [{self.names[target]}](id:{target}).")
                continue
            if roll < 0.35:
                words[self.rng.randrange(len(words))] = f"*{self.rng.choice(_WORDS)}*"
            elif roll < 0.45:
                words[self.rng.randrange(len(words))] = self.rng.choice(list(_GLOSSARY))
            sentence = " ".join(words) + "."
            if self.rng.random() < 0.4:
                source = self.rng.choice(self.source_ids)
                cited.append(source)
                sentence += f" [@{source}]"
            out.append(sentence)
        return " ".join(out)

    def pick(self, pool: list[str], count: int) -> list[str]:
        return self.rng.sample(pool, min(count, len(pool)))


def _counts(n: int, types: list[str]) -> dict[str, int]:
    """How many entities of each type (with a recipe) make ``n`` in all; the largest type takes the rest."""
    shares = {name: _TYPE_SHARES[name] for name in types if name in _TYPE_SHARES}
    counts = {name: max(1, round(n * share)) for name, share in shares.items()}
    largest = max(shares, key=shares.__getitem__)
    counts[largest] = max(1, n - sum(count for name, count in counts.items() if name != largest))
    return counts


def _figures(text: _Text, ids: dict[str, list[str]], count: int) -> list[dict[str, Any]]:
    figures = []
    for index in range(count):
        figure = {
            "measure": f"Synthetic measure {text.title(2).lower()} {index + 1}",
            "category": "other",
            "value": text.rng.randint(1, 999),
            "unit": "cases",
            "statistic": "count",
            "population": f"Synthetic cohort: {text.words(8)}",
            "n": text.rng.randint(10, 500),
            "follow_up": f"{text.rng.randint(1, 60)} lorem units",
            "as_of": "2025",
            "evidence_level": text.rng.choice(["review", "secondary-report", "registry"]),
            "sources": text.pick(text.source_ids, 2),
        }
        if text.rng.random() < 0.5:
            figure["note"] = text.sentence()
        if text.rng.random() < 0.5:
            figure["therapy"] = text.rng.choice(ids["therapy"])
        figures.append(figure)
    return figures


def _sections(text: _Text, cited: list[str], count: int) -> list[dict[str, Any]]:
    # Two sections more than asked, of eight sentences: a synthetic page then gives search at least as much
    # text as the median real entity page (issue 16 measures search on such pages).
    return [{"title": f"Section {text.title()}", "body": text.markdown(8, cited),
             "sources": text.pick(text.source_ids, 1)} for _ in range(count + 2)]


def _common(text: _Text, entity_id: str, cited: list[str]) -> dict[str, Any]:
    return {
        "name": text.names[entity_id],
        "aliases": [f"{text.title(2)} {entity_id.rsplit('-', 1)[1]}"],
        "summary": text.markdown(4, cited),
        "plain_summary": text.markdown(4, cited),
    }


def _closing(text: _Text, entity_id: str, cited: list[str]) -> dict[str, Any]:
    related = [i for i in text.pick(text.entity_ids, 4) if i != entity_id]
    return {
        "related": related,
        "sources": list(dict.fromkeys([*text.pick(text.source_ids, 3), *cited[:2]])),
        "last_reviewed": REVIEW_DATE,
        "reviewed_by": "Synthetic benchmark team",
        "review_history": [{"date": REVIEW_DATE, "change": "Synthetic benchmark entry, lorem ipsum."}],
    }


def _entity(type_name: str, entity_id: str, text: _Text, ids: dict[str, list[str]]) -> dict[str, Any]:
    cited: list[str] = []
    data = _common(text, entity_id, cited)
    rng = text.rng
    if type_name == "therapy":
        data.update({
            "kind": "other", "status": "investigational", "cell_source": text.sentence(),
            "off_the_shelf": rng.random() < 0.5, "curative_intent": text.sentence(),
            "mechanism": text.markdown(5, cited),
            "steps": [{"title": text.title(2), "description": text.markdown(2, cited)} for _ in range(4)],
            "eligibility": text.markdown(3, cited),
            "figures": _figures(text, ids, 2),
            "risks": [{"challenge": c, "note": text.markdown(1, cited)} for c in text.pick(ids["challenge"], 2)],
            "research": [text.markdown(1, cited) for _ in range(2)],
            "diseases": text.pick(ids["disease"], 2),
            "sections": _sections(text, cited, 2),
        })
    elif type_name == "product":
        data.update({
            "brand": f"Loremcel {entity_id.rsplit('-', 1)[1]}", "therapy": rng.choice(ids["therapy"]),
            "status": "investigational", "detail": "brief",
            "manufacturer": f"Ipsum Synthetic Labs {rng.randint(1, 99)}",
            "target": f"Lorem antigen {rng.randint(1, 40)}",
            "construct": {"binder": text.title(3), "vector": text.words(2), "cell_source": "autologous",
                          "sources": text.pick(text.source_ids, 1)},
            "indications": [{"disease": d, "description": text.sentence(), "sources": text.pick(text.source_ids, 1)}
                            for d in text.pick(ids["disease"], 2)],
            "pivotal_trials": text.pick(ids["trial"], 2),
            "figures": _figures(text, ids, 2),
            "sections": _sections(text, cited, 2),
        })
    elif type_name == "trial":
        data.update({
            "phase": rng.choice(["phase 1", "phase 1/2", "phase 2"]), "design": f"Synthetic design: {text.words(6)}",
            "population": f"Synthetic population: {text.words(8)}",
            "enrollment": {"enrolled": rng.randint(10, 400), "as_of": "2025", "sources": text.pick(text.source_ids, 1)},
            "therapy": rng.choice(ids["therapy"]), "products": text.pick(ids["product"], 2),
            "diseases": text.pick(ids["disease"], 1),
            "endpoints": {"primary": [text.sentence()], "secondary": [text.sentence(), text.sentence()]},
            "figures": _figures(text, ids, 3),
            "sections": _sections(text, cited, 2),
        })
    elif type_name == "disease":
        data.update({
            "abbreviation": f"LX{entity_id.rsplit('-', 1)[1]}",
            "therapy_status": [{"therapy": t, "status": "investigational", "note": text.markdown(1, cited),
                                "sources": text.pick(text.source_ids, 1)} for t in text.pick(ids["therapy"], 3)],
            "sections": _sections(text, cited, 3),
        })
    else:  # challenge
        data.update({
            "category": rng.choice(["access", "durability", "relapse"]),
            "mechanism": text.markdown(4, cited),
            "grading": {"system": f"Synthetic lorem scale {rng.randint(1, 9)}", "description": text.markdown(1, cited),
                        "columns": ["Grade", "Lorem", "Ipsum"],
                        "rows": [[str(g), text.words(3), text.words(4)] for g in range(1, 5)],
                        "sources": text.pick(text.source_ids, 1)},
            "figures": _figures(text, ids, 2),
            "management": text.markdown(4, cited),
            "research": [text.markdown(1, cited) for _ in range(2)],
            "therapies": text.pick(ids["therapy"], 2),
            "sections": _sections(text, cited, 2),
        })
    data.update(_closing(text, entity_id, cited))
    return data


def _dump(path: Path, header: str, data: dict[str, Any]) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    path.write_text(f"{header}\n{body}", encoding="utf-8")


def generate_dataset(root: Path, n: int, *, seed: int = 7, schema_dir: Path | None = None) -> Path:
    """Write a synthetic, schema-valid data folder of ``n`` entities (five types) to ``root``; return it."""
    rng = random.Random(seed)
    shutil.copytree(schema_dir or REPO / "data" / "schema", root / "schema")
    entity_types = load_schemas(root / "schema").entity_types
    ids = {t: [f"synth-{t}-{i:05d}" for i in range(1, c + 1)] for t, c in _counts(n, list(entity_types)).items()}
    entity_ids = [i for group in ids.values() for i in group]
    names = {i: f"Lorem {i.split('-')[1]} {i.rsplit('-', 1)[1]}" for i in entity_ids}
    # One source per two entities: the bibliography stays under the 1 MB file limit at N = 5,000.
    source_ids = [f"synth-source-{i:05d}" for i in range(1, max(10, n // 2) + 1)]
    text = _Text(rng, entity_ids, names, source_ids)
    sources = {s: {"kind": "web",
                   "citation": f"Lorem I, Ipsum D ({2000 + k % 25}). Synthetic benchmark source {k + 1}: "
                               f"{text.words(8)}.",
                   "url": f"https://example.org/synthetic/{s}", "note": f"Synthetic: {text.words(6)}"}
               for k, s in enumerate(source_ids)}
    _dump(root / "sources.yaml", "# yaml-language-server: $schema=schema/sources.schema.json", sources)
    glossary = {abbr: {"term": term, "definition": f"Synthetic glossary entry: {text.sentence()}"}
                for abbr, term in _GLOSSARY.items()}
    _dump(root / "glossary.yaml", "# yaml-language-server: $schema=schema/glossary.schema.json", glossary)
    for type_name, group in ids.items():
        folder = root / entity_types[type_name].directory
        folder.mkdir(parents=True, exist_ok=True)
        header = f"# yaml-language-server: $schema=../schema/{type_name}.schema.json"
        for entity_id in group:
            _dump(folder / f"{entity_id}.yaml", header, _entity(type_name, entity_id, text, ids))
    return root
