"""The weekly link check opens an issue whose body lists the failing links (scripts/check_external_links.py
--format markdown); the check itself needs the network, so only the report is tested here."""

from __future__ import annotations

from tests.scripts_helper import load_script

links_check = load_script("check_external_links")
Link, Verdict = links_check.Link, links_check.Verdict


def verdict(url: str, kind: str, detail: str) -> Verdict:
    return Verdict(url, kind, 404 if kind == "broken" else 403, detail, None, 0.5, "GET")


def report(verdicts: list[Verdict], links: dict[str, Link], **options) -> str:
    return links_check.markdown_report(verdicts, links, "data/sources.yaml", elapsed=12.0, **options)


LINKS = {
    "https://example.org/gone": Link("https://example.org/gone", [("smith-2020", "web", 7, 10)]),
    "https://doi.org/10.1/x": Link("https://doi.org/10.1/x", [("jones-2021", "doi 10.1/x", 12, 10),
                                                               ("jones-2021b", "doi 10.1/x", 20, 10)]),
    "https://pubmed.ncbi.nlm.nih.gov/1/": Link("https://pubmed.ncbi.nlm.nih.gov/1/", [("lee-2019", "PubMed 1", 3, 9)]),
}
VERDICTS = [verdict("https://example.org/gone", "broken", "HTTP 404"),
            verdict("https://doi.org/10.1/x", "unverified", "HTTP 403 (may be bot protection)"),
            verdict("https://pubmed.ncbi.nlm.nih.gov/1/", "ok", "HTTP 200")]


def test_each_broken_link_is_a_row_with_its_source_and_line():
    assert ("| `smith-2020` | web | `https://example.org/gone` | HTTP 404 | `data/sources.yaml:7:10` |"
            in report(VERDICTS, LINKS).splitlines())


def test_counts_are_given_first():
    assert report(VERDICTS, LINKS).startswith(
        "The weekly check of the bibliography (`data/sources.yaml`) found **1 broken** and 1 unverified link(s) "
        "among 3 (1 answered)")


def test_unverified_links_are_folded_away_one_row_per_place_cited():
    text = report(VERDICTS, LINKS)
    folded = text[text.index("<details>"):]
    assert "`jones-2021`" in folded and "`jones-2021b`" in folded
    assert "`smith-2020`" not in folded


def test_links_that_answered_are_not_listed():
    assert "lee-2019" not in report(VERDICTS, LINKS)


def test_an_address_cannot_break_the_table():
    url = "https://example.org/a|b`c"
    text = report([verdict(url, "broken", "HTTP 404")], {url: Link(url, [("x", "web", 1, 1)])})
    assert "| `https://example.org/a%7Cb%60c` |" in text


def test_long_lists_are_cut_at_the_limit():
    links = {f"https://example.org/{i}": Link(f"https://example.org/{i}", [(f"s{i}", "web", i, 1)]) for i in range(5)}
    text = report([verdict(url, "broken", "HTTP 404") for url in links], links, limit=2)
    assert "| … | and 3 more | | | |" in text
    assert "`s2`" not in text
