"""Every citation link in the real data is well-formed: PubMed IDs, DOIs, NCT numbers and web addresses.

This is the offline half of link checking (the network is not used in tests). Whether the links actually
answer is checked by hand or on a schedule with ``scripts/check_external_links.py``.

``http://`` addresses are accepted (some seeded sources only exist there); their number is reported as a
warning in the test output, so that it can be driven down, but never fails the test.
"""

from __future__ import annotations

import re
import warnings
from urllib.parse import urlsplit

import pytest
from kb.data.load import load_document
from kb.model import Source

from tests.conftest import REPO

DATA = REPO / "data"
PMID = re.compile(r"[1-9][0-9]{0,8}")
DOI = re.compile(r"10\.[0-9]{4,9}/[-._;()/:A-Za-z0-9]+")  # Crossref's recommended pattern for modern DOIs
NCT = re.compile(r"NCT[0-9]{8}")
HOSTNAME = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
IDENTIFIER_OF_KIND = {"pubmed": "pmid", "doi": "doi", "trial-registry": "nct", "regulator": "url", "web": "url"}
INLINE_LINK = re.compile(r"\]\(\s*(https?:[^)\s]*)")


class HttpLinksNotice(UserWarning):
    """Not an error: sources still linked over plain http://."""


def url_problem(url: str, *, schemes: tuple[str, ...] = ("https", "http")) -> str | None:
    """Why ``url`` is not a well-formed absolute web address, or None."""
    if not isinstance(url, str) or not url:
        return "empty"
    if any(c.isspace() or c in "<>\"'\\`{}|^" or ord(c) < 32 for c in url):
        return "contains a space, quote, angle bracket or other character that must be percent-encoded"
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        return f"scheme '{parts.scheme}' is not one of {', '.join(schemes)}"
    if parts.username is not None or parts.password is not None:
        return "carries a user name or password"
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "has a malformed port"
    if not parts.hostname or not HOSTNAME.fullmatch(parts.hostname):
        return f"host '{parts.hostname}' is not a domain name"
    return None


def identifier_problems(source_id: str, source: dict) -> list[str]:
    """What is malformed about one bibliography entry's identifiers."""
    problems = []
    needed = IDENTIFIER_OF_KIND.get(source.get("kind"))
    if needed and needed not in source:
        problems.append(f"{source_id}: kind '{source['kind']}' needs '{needed}'")
    if "pmid" in source and not (isinstance(source["pmid"], str) and PMID.fullmatch(source["pmid"])):
        problems.append(f"{source_id}: PMID {source['pmid']!r} is not 1-9 digits")
    if "doi" in source and not (isinstance(source["doi"], str) and DOI.fullmatch(source["doi"])):
        problems.append(f"{source_id}: DOI {source['doi']!r} is not 10.NNNN/suffix")
    if "nct" in source and not (isinstance(source["nct"], str) and NCT.fullmatch(source["nct"])):
        problems.append(f"{source_id}: NCT number {source['nct']!r} is not NCT + 8 digits")
    if "url" in source and (why := url_problem(source["url"])):
        problems.append(f"{source_id}: URL {source['url']!r} {why}")
    if not any(key in source for key in ("pmid", "doi", "nct", "url")):
        problems.append(f"{source_id}: no PMID, DOI, NCT number or URL; a reader cannot open it")
    return problems


def strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.fixture(scope="module")
def sources() -> dict[str, dict]:
    document, problems = load_document(DATA / "sources.yaml", DATA)
    assert document is not None, problems
    return document.data


def test_the_bibliography_is_not_empty(sources):
    assert len(sources) > 100


def test_every_source_has_well_formed_identifiers(sources):
    problems = [p for source_id, source in sources.items() for p in identifier_problems(source_id, source)]
    assert not problems, "\n".join(problems)


def test_every_url_is_http_or_https_and_plain_http_ones_are_counted(sources, record_property):
    urls = [source["url"] for source in sources.values() if "url" in source]
    assert urls
    plain_http = sorted(url for url in urls if urlsplit(url).scheme == "http")
    record_property("http_urls", len(plain_http))
    print(f"{len(plain_http)} of {len(urls)} source URLs use http:// rather than https://")
    if plain_http:
        warnings.warn(HttpLinksNotice(f"{len(plain_http)} of {len(urls)} source URLs in data/sources.yaml use "
                                      "http:// (accepted; prefer https:// where the site offers it)"), stacklevel=1)


def test_every_link_the_site_shows_for_a_source_is_a_well_formed_address(sources):
    problems = []
    for source_id, data in sources.items():
        links = Source(source_id, data).links
        if not links:
            problems.append(f"{source_id}: no link")
        for label, url in links:
            # Links the site builds from an identifier are always https; only a curator's own URL may be http.
            schemes = ("https", "http") if url == data.get("url") else ("https",)
            if why := url_problem(url, schemes=schemes):
                problems.append(f"{source_id}: {label} -> {url} {why}")
    assert not problems, "\n".join(problems)


def test_inline_links_in_every_data_file_are_well_formed():
    found, problems = 0, []
    for path in sorted(DATA.rglob("*.yaml")):
        document, load_problems = load_document(path, DATA)
        assert document is not None, load_problems
        for text in strings(document.data):
            for url in INLINE_LINK.findall(text):
                found += 1
                if why := url_problem(url):
                    problems.append(f"{path.relative_to(REPO)}: {url} {why}")
    print(f"{found} inline link(s) checked in data/")
    assert not problems, "\n".join(problems)


# The checks themselves must catch what they guard against.

@pytest.mark.parametrize(("field", "value"), [
    ("pmid", "PMID29385370"), ("pmid", "0293"), ("pmid", "1234567890"), ("pmid", "2938 5370"), ("pmid", 29385370),
    ("doi", "10.1056"), ("doi", "doi:10.1056/NEJMoa1709866"), ("doi", "https://doi.org/10.1056/NEJMoa1709866"),
    ("doi", "10.10/abc"), ("doi", "10.1056/NEJM oa"),
    ("nct", "NCT0243584"), ("nct", "nct02435849"), ("nct", "NCT024358490"), ("nct", "02435849"),
    ("url", "javascript:alert(1)"), ("url", "ftp://example.org/x"), ("url", "https://"),
    ("url", "https://exa mple.org/"), ("url", "https://user:secret@example.org/"), ("url", "www.example.org"),
    ("url", "https://localhost/x"), ("url", "https://example.org:99999/"), ("url", "https://example.org/<script>"),
])
def test_a_malformed_identifier_is_caught(field, value):
    kind = {"pmid": "pubmed", "doi": "doi", "nct": "trial-registry", "url": "web"}[field]
    assert identifier_problems("x", {"kind": kind, "citation": "c", field: value})


@pytest.mark.parametrize("source", [
    {"kind": "pubmed", "pmid": "29385370", "doi": "10.1056/NEJMoa1709866"},
    {"kind": "trial-registry", "nct": "NCT02435849"},
    {"kind": "web", "url": "http://www.example.org/a_b?c=1&d=%22e%22#f"},
    {"kind": "regulator", "url": "https://www.fda.gov/vaccines-blood-biologics/kymriah"},
    {"kind": "doi", "doi": "10.1182/blood.2021012345(2)-x;y/z"},
])
def test_a_well_formed_source_passes(source):
    assert identifier_problems("x", {"citation": "c", **source}) == []


def test_a_source_without_its_identifier_is_caught():
    assert identifier_problems("x", {"kind": "pubmed", "citation": "c"}) == ["x: kind 'pubmed' needs 'pmid'",
                                                                              "x: no PMID, DOI, NCT number or URL; "
                                                                              "a reader cannot open it"]


def test_a_source_lists_each_address_once():
    # A curator's URL that is the PubMed or DOI address showed twice: "PubMed 1 · Web page", both to PubMed
    source = Source("lee-2019", {"kind": "pubmed", "citation": "Lee.", "pmid": "1", "doi": "10.1000/x",
                                 "url": "https://pubmed.ncbi.nlm.nih.gov/1"})
    assert [label for label, _ in source.links] == ["PubMed 1", "doi:10.1000/x"]
    other = Source("lee-2019", {"kind": "pubmed", "citation": "Lee.", "pmid": "1", "url": "https://example.org/lee"})
    assert [label for label, _ in other.links] == ["PubMed 1", "Web page"]
