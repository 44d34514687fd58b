"""The bibliography in the formats reference managers import: CSL-JSON (Zotero, Mendeley, pandoc) and RIS
(EndNote, Zotero, most others).

A source in the data is a citation written out (``Maude SL, Laetsch TW, et al. Title. N Engl J Med
2018;378(5):439-448.``) with its identifiers. Authors, title, journal, year, volume, issue and pages are read
from citations written in that (Vancouver) style; a citation that does not read so keeps its whole text as
its title, so nothing is lost or guessed. Identifiers (DOI, PMID, NCT number, URL) come from their own fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kb.model import KnowledgeBase, Source

# An author as the Vancouver style writes one: family name (one or more words), then up to four initials.
_AUTHOR = re.compile(r"(?P<family>[^\W\d_][\w'’-]*(?: [\w'’-]+){0,3}) (?P<initials>[A-Z]{1,4})")
_ET_AL = {"et al", "et al."}
# "Title. Journal 2018;378(5):439-448": the end of the title, the journal (no full stop or bracket in it) and
# the year, then volume, issue and pages.
_JOURNAL = re.compile(r"(?P<end>[.?!]) (?P<journal>[A-Z][^.;()]*?),? (?P<year>(?:19|20)\d{2})(?=[;:.,(]| \(|$)"
                      r"(?:;(?P<volume>[\w-]+)?(?:\((?P<issue>[^)]+)\))?(?::(?P<pages>[\w.-]+))?)?")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# What each kind of source is, for CSL and for RIS.
_TYPES = {"pubmed": ("article-journal", "JOUR"), "doi": ("article-journal", "JOUR"),
          "guideline": ("report", "RPRT"), "conference-abstract": ("paper-conference", "CONF"),
          "regulator": ("document", "GEN"), "trial-registry": ("webpage", "ELEC"),
          "news": ("article-newspaper", "NEWS"), "press-release": ("webpage", "ELEC"),
          "company": ("webpage", "ELEC"), "web": ("webpage", "ELEC")}


@dataclass
class Reference:
    """One source, read into the fields reference managers know."""

    id: str
    kind: str
    title: str
    authors: list[tuple[str, str]] = field(default_factory=list)  # (family, initials)
    journal: str = ""
    year: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)  # doi, pmid, nct, url

    @property
    def csl_type(self) -> str:
        return "article-journal" if self.journal else _TYPES.get(self.kind, ("document", "GEN"))[0]

    @property
    def ris_type(self) -> str:
        return "JOUR" if self.journal else _TYPES.get(self.kind, ("document", "GEN"))[1]


def read_citation(source: Source) -> Reference:
    """A source's citation read into authors, title, journal, year, volume, issue and pages, where it is
    written in the Vancouver style; otherwise the whole citation is the title (and the year, if it gives one)."""
    citation = source.data["citation"].strip()
    identifiers = {key: source.data[key] for key in ("doi", "pmid", "nct", "url") if key in source.data}
    reference = Reference(source.id, source.data["kind"], citation, identifiers=identifiers)
    rest = citation
    head, _, tail = citation.partition(". ")
    names = [name.strip() for name in head.split(",")]
    if tail and names and all(_AUTHOR.fullmatch(name) or name in _ET_AL for name in names):
        reference.authors = [(m["family"], m["initials"]) for name in names if (m := _AUTHOR.fullmatch(name))]
        rest = tail
    journal = _JOURNAL.search(rest)
    if journal is not None:
        reference.title = rest[:journal.start()].strip() + ("" if journal["end"] == "." else journal["end"])
        reference.journal, reference.year = journal["journal"].strip(), journal["year"]
        reference.volume, reference.issue = journal["volume"] or "", journal["issue"] or ""
        reference.pages = (journal["pages"] or "").rstrip(".")
    else:
        reference.title = rest.rstrip(".") if reference.authors else citation
        year = _YEAR.search(citation)
        reference.year = year.group(0) if year else ""
    return reference


def references(kb: KnowledgeBase) -> list[Reference]:
    return [read_citation(kb.sources[source_id]) for source_id in sorted(kb.sources)]


def csl_json(kb: KnowledgeBase) -> bytes:
    """The bibliography as a CSL-JSON array, one item per source, keyed by the source's id."""
    items = [_csl_item(reference) for reference in references(kb)]
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _csl_item(reference: Reference) -> dict[str, Any]:
    item: dict[str, Any] = {"id": reference.id, "type": reference.csl_type, "title": reference.title}
    if reference.authors:
        item["author"] = [{"family": family, "given": " ".join(f"{initial}." for initial in initials)}
                          for family, initials in reference.authors]
    optional = {"container-title": reference.journal, "volume": reference.volume, "issue": reference.issue,
                "page": reference.pages, "DOI": reference.identifiers.get("doi", ""),
                "PMID": reference.identifiers.get("pmid", ""), "URL": _url(reference),
                "number": reference.identifiers.get("nct", "")}
    item.update({key: value for key, value in optional.items() if value})
    if reference.year:
        item["issued"] = {"date-parts": [[int(reference.year)]]}
    return item


def _url(reference: Reference) -> str:
    """The address to open the source at: its URL, else its DOI's, PubMed's or ClinicalTrials.gov's page."""
    identifiers = reference.identifiers
    if "url" in identifiers:
        return identifiers["url"]
    if "doi" in identifiers:
        return f"https://doi.org/{identifiers['doi']}"
    if "pmid" in identifiers:
        return f"https://pubmed.ncbi.nlm.nih.gov/{identifiers['pmid']}/"
    return f"https://clinicaltrials.gov/study/{identifiers['nct']}" if "nct" in identifiers else ""


def ris(kb: KnowledgeBase) -> bytes:
    """The bibliography as RIS: one record per source, tag lines ending in CRLF as the format asks."""
    return "".join(_ris_record(reference) for reference in references(kb)).encode("utf-8")


def _ris_record(reference: Reference) -> str:
    lines = [("TY", reference.ris_type), ("ID", reference.id), ("TI", reference.title)]
    lines += [("AU", f"{family}, {' '.join(f'{initial}.' for initial in initials)}")
              for family, initials in reference.authors]
    start, _, end = reference.pages.partition("-")
    lines += [("JO", reference.journal), ("PY", reference.year), ("VL", reference.volume), ("IS", reference.issue),
              ("SP", start), ("EP", end), ("DO", reference.identifiers.get("doi", "")),
              ("AN", reference.identifiers.get("pmid", "")), ("UR", _url(reference)), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value or tag == "ER")
