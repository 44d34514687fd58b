"""The search index: how words are indexed, that the scores are lunr's, and that every text field of an entity
reaches its page's index entries."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from benchmarks.synthetic import generate_dataset
from hypothesis import given, settings
from hypothesis import strategies as st
from kb.data.validate import custom_nodes as _custom_nodes
from kb.mkdocs.plugin import front_matter_search_terms
from kb.model import load_knowledge_base
from kb.site.plan import render_site
from kb.site.search_index import (
    FIELDS,
    GATHERING_PAGE_BOOST,
    LONGEST_SNIPPET,
    index_documents,
    index_files,
    named_sections,
    one_word_names,
    page_names,
    read_sections,
    readable,
    shards,
    spelling_pairs,
    term_scores,
    words,
)
from lunr.builder import Builder
from mkdocs.exceptions import PluginError
from mkdocs.utils.yaml import yaml_load

REPO = Path(__file__).resolve().parent.parent
SEPARATOR = re.compile(r"""[\s!"#$%&'()+,./:;<=>?@\[\]_`{|}·–—‘’“”…≤≥±×]+""")
SPELLINGS = spelling_pairs({"leukem": "leukaem", "pediatr": "paediatr"})


def test_the_separator_is_the_one_mkdocs_yml_gives_material():
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    written = re.search(r"^\s+separator: '(.*)'$", config, re.MULTILINE).group(1).replace("''", "'")
    assert written == SEPARATOR.pattern


def test_words_are_lower_case_split_at_spaces_and_punctuation_and_html_tags_are_skipped():
    assert words("<p>CD19-directed CAR (Kymriah), <em>CLL/SLL</em>; 4.5&amp;xy</p>", SEPARATOR) == [
        "cd19-directed", "cd19", "directed", "car", "kymriah", "cll", "sll", "4", "5", "xy"]


@pytest.mark.parametrize(("name", "terms"), [
    ("tisa-cel", ["tisa-cel", "tisa", "cel", "tisacel"]),
    ("ZUMA-3", ["zuma-3", "zuma", "3", "zuma3"]),
    ("CAR-T", ["car-t", "car", "cart"]),  # the single letter is no word of its own
    ("T-ALL", ["t-all", "all", "tall"]),  # ALL stays, although lunr counts "all" as a stop word
    ("19-28z", ["19-28z", "19", "28z", "1928z"]),
    ("NCT02435849", ["nct02435849"]),
])
def test_a_hyphenated_name_is_indexed_whole_in_parts_and_without_its_hyphens(name: str, terms: list[str]):
    assert words(name, SEPARATOR) == terms


def test_a_compound_of_words_is_not_indexed_without_its_hyphens():
    assert words("graft-versus-host non-relapse", SEPARATOR) == [
        "graft-versus-host", "graft", "versus", "host", "non-relapse", "non", "relapse"]


def test_stop_words_and_single_letters_are_left_out_but_digits_stay():
    assert words("The cells of a patient's 2 arms", SEPARATOR) == ["cells", "patient", "2", "arms"]


def test_a_word_is_indexed_in_both_spellings_either_way():
    assert words("leukemia", SEPARATOR, SPELLINGS) == ["leukemia", "leukaemia"]
    assert words("Paediatrician", SEPARATOR, SPELLINGS) == ["paediatrician", "pediatrician"]
    assert words("lymphoma", SEPARATOR, SPELLINGS) == ["lymphoma"]


def test_a_hyphenated_word_is_indexed_whole_in_the_other_spelling_of_its_parts():
    assert "graft-versus-leukaemia" in words("graft-versus-leukemia", SEPARATOR, SPELLINGS)
    assert "graft-versus-leukemia" in words("Graft-versus-leukaemia", SEPARATOR, SPELLINGS)
    assert words("CAR-T", SEPARATOR, SPELLINGS) == ["car-t", "car", "cart"]


@pytest.mark.parametrize("text, shown", [
    ("<p>the Philadelphia chromosome . Tyrosine kinase</p>", "<p>the Philadelphia chromosome. Tyrosine kinase</p>"),
    ("<li>in CLL , and in ALL ; both</li>", "<li>in CLL, and in ALL; both</li>"),
    ("<p>two  marks  apart (see ) here .</p>", "<p>two marks apart (see) here.</p>"),
    ("<p>a dose of .5 mg and 1.5 mg</p>", "<p>a dose of .5 mg and 1.5 mg</p>"),
])
def test_a_results_text_has_no_space_left_where_a_citation_mark_stood(text: str, shown: str):
    assert readable(text) == shown


def test_the_text_a_result_shows_is_made_readable():
    sections = [{"location": "a/", "title": "A", "text": "<p>cells . More</p>"}]
    files = index_files(sections, index_documents(sections, {}, SEPARATOR, None))
    assert files["texts/0.json"] == ["<p>cells. More</p>"]


def test_an_identity_holds_each_name_of_one_word_whole_in_both_spellings_and_once():
    names = ["tisagenlecleucel", "Kymriah", "tisa-cel", "CIBMTR tisagenlecleucel registry", "Leukemia",
             "Kymriah", "CLL/SLL"]
    assert one_word_names(names, SEPARATOR, SPELLINGS) == ["tisagenlecleucel", "kymriah", "tisa-cel", "leukemia",
                                                           "leukaemia"]


def test_scores_are_those_of_the_lunr_package_builder_with_field_and_document_boosts():
    documents = [{"title": ["car-t", "car"], "text": ["cells", "car", "cells", "fever"], "names": ["kymriah"],
                  "identity": ["kymriah"]},
                 {"title": ["fever"], "text": ["cells", "tocilizumab"]},
                 {"title": ["glossary"], "text": ["car", "car", "car"], "names": ["car"]}]
    boosts = [1.0, 1.0, GATHERING_PAGE_BOOST]
    builder = Builder()
    builder.ref("id")
    for field, boost in FIELDS.items():
        builder.field(field, boost)
    builder.b(0)
    for number, document in enumerate(documents):
        builder.add({"id": number, **{field: document.get(field, []) for field in FIELDS}}, {"boost": boosts[number]})
    serialised = builder.build().serialize()
    term_of = {posting["_index"]: term for term, posting in serialised["invertedIndex"]}
    expected = set()
    for field_ref, elements in serialised["fieldVectors"]:
        field, ref = field_ref.split("/")
        for position in range(0, len(elements), 2):
            expected.add((term_of[elements[position]], list(FIELDS).index(field), int(ref), elements[position + 1]))
    ours = {(term, *posting) for term, postings in term_scores(documents, boosts=boosts).items()
            for posting in postings}
    assert ours == expected


def test_a_title_or_name_outweighs_the_same_word_in_text():
    scores = term_scores([{"title": ["crs"], "text": []}, {"text": ["crs", "crs"]}, {"names": ["crs"]}])
    by_document = {document: score for _, document, score in scores["crs"]}
    assert by_document[0] == by_document[2] > 100 * by_document[1]


def _weights(documents: list[dict[str, list[str]]], boosts: list[float] | None = None) -> dict[tuple[str, int], float]:
    """(term, document) -> the sum of its weights over the document's fields."""
    weights: dict[tuple[str, int], float] = {}
    for term, postings in term_scores(documents, boosts=boosts).items():
        for _, document, score in postings:
            weights[term, document] = weights.get((term, document), 0) + score
    return weights


def test_a_page_named_by_a_word_outweighs_pages_with_the_word_in_their_titles_and_names():
    # The product, named tisagenlecleucel; trials that name it in their titles (and names); many pages that
    # mention it, so that lunr weighs the word little, and a page whose title holds a rare word that starts
    # with the query (a query of car-t also matches car-t-associated).
    product = {"title": ["tisagenlecleucel"], "names": ["tisagenlecleucel"], "identity": ["tisagenlecleucel"]}
    trial = {"title": ["cibmtr", "tisagenlecleucel", "registry"], "names": ["cibmtr", "tisagenlecleucel", "registry"],
             "text": ["tisagenlecleucel"] * 5}
    rare = {"title": ["tisagenlecleucel-associated"], "names": ["tisagenlecleucel-associated"]}
    documents = [product, trial, trial, trial, rare] + [{"text": ["tisagenlecleucel"]}] * 40
    weights = _weights(documents)
    assert weights["tisagenlecleucel", 0] > 10 * weights["tisagenlecleucel", 1]
    assert weights["tisagenlecleucel", 0] > weights["tisagenlecleucel-associated", 4]


def test_a_page_that_gathers_many_mentions_weighs_less_than_one_that_mentions_the_word_once():
    weights = _weights([{"text": ["fludarabine"] * 20}, {"text": ["fludarabine"]}], [GATHERING_PAGE_BOOST, 1.0])
    assert weights["fludarabine", 0] < weights["fludarabine", 1]


def test_shards_cut_a_run_into_pieces_of_about_the_limit_and_a_large_item_stands_alone():
    assert shards([3, 3, 3, 10, 1], 6) == [0, 2, 3, 4]
    assert shards([], 6) == [0]


def test_index_files_point_to_every_term_and_section():
    sections = [{"location": "a/", "title": "Alpha page", "text": "<p>one two</p>"},
                {"location": "a/#b", "title": "Beta", "text": "<p>two three</p>"}]
    documents = index_documents(sections, {"a/": ["Alpha"]}, SEPARATOR, None)
    files = index_files(sections, documents)
    first = files["prebuilt_index.json"]
    assert first["terms"] == ["alpha", "beta", "one", "page", "three", "two"]
    assert first["pages"] == ["a/"]
    assert first["sections"] == [[0, "", "Alpha page"], [0, "#b", "Beta"]]
    postings = [posting for path, shard in files.items() if path.startswith("postings/") for posting in shard]
    assert len(postings) == len(first["terms"])
    texts = [text for path, shard in files.items() if path.startswith("texts/") for text in shard]
    assert texts == ["<p>one two</p>", "<p>two three</p>"]


def test_a_section_longer_than_a_snippet_is_listed_by_its_title_only():
    sections = [{"location": "a/", "title": "Short", "text": "<p>one</p>"},
                {"location": "b/", "title": "Table", "text": "<p>" + "two " * LONGEST_SNIPPET + "</p>"}]
    files = index_files(sections, index_documents(sections, {}, SEPARATOR, None))
    assert files["prebuilt_index.json"]["titleOnly"] == [1]


def test_a_section_listed_by_its_title_only_has_no_text_to_fetch_but_is_still_found_by_its_words():
    sections = [{"location": "a/", "title": "Short", "text": "<p>one</p>"},
                {"location": "b/", "title": "Table", "text": "<p>" + "two " * LONGEST_SNIPPET + "</p>"}]
    files = index_files(sections, index_documents(sections, {}, SEPARATOR, None))
    texts = [text for path, shard in files.items() if path.startswith("texts/") for text in shard]
    assert texts == ["<p>one</p>", ""]
    first = files["prebuilt_index.json"]
    assert "two" in first["terms"]


def test_the_pages_whose_search_boost_is_lowered_are_listed_once_each():
    sections = [{"location": "a/", "title": "Reader page", "text": "<p>one</p>"},
                {"location": "rules/", "title": "Rules", "text": "<p>one</p>", "boost": 0.4},
                {"location": "rules/#a-rule", "title": "A rule", "text": "<p>two</p>", "boost": 0.4},
                {"location": "b/", "title": "Another reader page", "text": "<p>two</p>", "boost": 1}]
    files = index_files(sections, index_documents(sections, {}, SEPARATOR, None))
    first = files["prebuilt_index.json"]
    assert [first["pages"][number] for number in first["lowered"]] == ["rules/"]


def test_a_name_of_several_words_names_the_first_section_of_its_page_whole_and_in_both_spellings():
    sections = [{"location": "a/", "title": "Second cancers", "text": ""},
                {"location": "a/#b", "title": "Leukemia after CAR-T", "text": ""}]
    names = {"a/": ["Second cancers", "T-cell  leukemia after CAR-T", "SPM"]}
    assert named_sections(sections, names, SPELLINGS) == {
        "second cancers": [0], "t-cell leukemia after car-t": [0], "t-cell leukaemia after car-t": [0]}


@pytest.fixture(scope="module")
def knowledge_base():
    return load_knowledge_base(REPO / "data")


def test_an_entity_page_is_found_by_the_search_terms_readers_use_for_it(knowledge_base):
    assert "fever after CAR-T" in page_names(knowledge_base)["challenges/cytokine-release-syndrome/"]


def test_an_entity_page_is_named_by_its_aliases_and_by_the_glossary_synonyms_that_point_to_it(knowledge_base):
    names = page_names(knowledge_base)
    assert {"tisagenlecleucel", "Kymriah", "tisa-cel", "CTL019"} <= set(names["products/tisagenlecleucel/"])
    assert "cytokine storm" in names["challenges/cytokine-release-syndrome/"]
    assert {"HSCT", "bone marrow transplant"} <= set(names["therapies/allogeneic-sct/"])
    assert "NCT02435849" in names["trials/eliana/"]
    assert {"MRD", "measurable residual disease", "minimal residual disease"} <= set(
        names["guidelines/eln-2021-aml-mrd/"])


def test_a_glossary_entry_that_points_to_no_page_is_named_by_its_synonyms_on_its_own_section(knowledge_base):
    # No entry of today's glossary has synonyms and no page (MRD's points to the ELN 2021 MRD guideline), so
    # MRD's entry is taken here without its page.
    glossary = dict(knowledge_base.glossary)
    glossary["MRD"] = {key: value for key, value in glossary["MRD"].items() if key != "see"}
    names = page_names(dataclasses.replace(knowledge_base, glossary=glossary))
    assert {"MRD", "measurable residual disease", "minimal residual disease"} <= set(
        names["reference/glossary/#term-mrd"])
    assert "reference/glossary/#term-crs" not in names  # CRS's entry points to the page about CRS


def test_a_glossary_entry_s_names_count_as_a_title_but_not_as_the_identity_of_a_page():
    sections = [{"location": "g/#term-mrd", "title": "MRD: measurable residual disease", "text": "<p>Cells.</p>"}]
    document = index_documents(sections, {"g/#term-mrd": ["MRD", "minimal residual disease"]}, SEPARATOR, None)[0]
    assert {"minimal", "residual", "disease", "mrd"} <= set(document["names"])
    assert "identity" not in document


def test_a_page_holds_only_its_own_names_of_one_word_in_its_identity(knowledge_base):
    names = page_names(knowledge_base)
    product = set(one_word_names(names["products/tisagenlecleucel/"], SEPARATOR))
    assert {"tisagenlecleucel", "kymriah", "tisa-cel", "ctl019"} <= product
    assert "tisagenlecleucel" not in one_word_names(names["trials/cibmtr-tisagenlecleucel-registry/"], SEPARATOR)
    assert {"aml"} <= set(one_word_names(names["diseases/aml/"], SEPARATOR))
    assert "aml" not in one_word_names(names["trials/cll-1-car-t-aml-2022/"], SEPARATOR)


def test_the_pages_that_gather_other_pages_and_only_they_rank_lower_in_search(knowledge_base):
    boosted = {path for path, markdown in render_site(knowledge_base).items()
               if f'search: {{"boost": {GATHERING_PAGE_BOOST}}}' in markdown.partition("\n---\n")[0]}
    types = {entity_type.plural for entity_type in knowledge_base.types}
    assert {"compare/therapies.md", "compare/products.md", "compare/trials.md", "compare/trials/car-t.md",
            "reference/glossary.md"} <= boosted
    assert {f"{plural}/index.md" for plural in types} <= boosted
    assert not {entity.page_path for entity in knowledge_base.entities.values()} & boosted
    assert GATHERING_PAGE_BOOST < 1


def test_the_hand_written_pages_for_curators_and_maintainers_rank_lower_with_the_gathering_pages_boost():
    boosts = {}
    for page in (REPO / "docs").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        front_matter = yaml_load(text.split("---\n")[1]) if text.startswith("---\n") else {}
        if "search" in front_matter:
            boosts[page.name] = front_matter["search"].get("boost")
    assert boosts == dict.fromkeys(["rules.md", "contributing.md", "performance.md"], GATHERING_PAGE_BOOST)


def test_a_page_that_is_no_entitys_is_named_by_the_search_terms_of_its_front_matter(real_site: Path):
    first = json.loads((real_site / "search" / "prebuilt_index.json").read_text(encoding="utf-8"))
    contributing = first["sections"].index([first["pages"].index("contributing/"), "", "Contributing"])
    assert first["named"]["report an error"] == [contributing]


# What YAML front matter can hold under a key: scalars, lists and mappings of them.
FRONT_MATTER_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                                   lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                                               max_size=4),
                                   max_leaves=8)
PHRASES = st.lists(st.text(min_size=1).filter(str.strip), max_size=6)


def _hand_written_page(search_terms: object) -> object:
    """A hand-written page (docs/about.md) whose front matter's third line gives ``search_terms``."""
    file = SimpleNamespace(src_uri="about.md", generated_by=None,
                           content_string=f"---\ntitle: About\nsearch_terms: {search_terms!r}\n---\n\n# About\n")
    return SimpleNamespace(meta={"title": "About", "search_terms": search_terms}, file=file)


@settings(derandomize=True, database=None, max_examples=200)
@given(terms=PHRASES)
def test_a_list_of_phrases_in_a_pages_front_matter_is_taken_as_its_search_terms(terms):
    assert front_matter_search_terms(_hand_written_page(terms)) == terms


@settings(derandomize=True, database=None, max_examples=200)
@given(value=FRONT_MATTER_VALUES.filter(
    lambda value: not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value))))
def test_any_other_search_terms_value_stops_the_build_naming_the_file_and_its_line(value):
    with pytest.raises(PluginError, match=r"^docs/about\.md:3:1: error: search_terms in the front matter must be"):
        front_matter_search_terms(_hand_written_page(value))


def test_a_page_without_search_terms_has_none():
    page = _hand_written_page(None)
    del page.meta["search_terms"]
    assert front_matter_search_terms(page) == []


# --- Every text field of an entity reaches its page's index entries -------------------------------------------

# Left out of search on purpose (README, "Search"): who reviewed a page and when (the review line), and table
# column headers; the review history is shown on the What's new page, which search leaves out.
EXCLUDED = {("reviewed_by",), ("review_history", "change"), ("review_history", "reviewer"),
            ("sections", "table", "columns"), ("grading", "columns")}


def _median_words_of_an_entity_page(site: Path, entity_urls: list[str]) -> float:
    """The median number of words an entity page gives the search index (titles and texts of its sections; a
    section listed by its title only counts its title)."""
    per_page: Counter[str] = Counter()
    for section in read_sections(site):
        text = re.sub(r"<[^>]+>", " ", f"{section['title']} {section['text'] or ''}")
        per_page[section["location"].split("#")[0]] += len(text.split())
    return statistics.median(per_page[url] for url in entity_urls)


def test_a_synthetic_entity_page_indexes_at_least_as_many_words_as_the_median_real_one(knowledge_base, real_site: Path,
                                                                                      tmp_path: Path):
    # The premise of the benchmark's search targets (issue 16): measured on pages no lighter than real ones.
    data = generate_dataset(tmp_path / "data", 20)
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site)], cwd=REPO,
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "true", "KB_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    synthetic_urls = [entity.url for entity in load_knowledge_base(data).entities.values()]
    real_urls = [entity.url for entity in knowledge_base.entities.values()]
    synthetic, real = (_median_words_of_an_entity_page(site, synthetic_urls),
                       _median_words_of_an_entity_page(real_site, real_urls))
    assert synthetic >= real


def _plain(markdown: str) -> str:
    """Text as the page shows it: links as their text, no citations or emphasis marks."""
    text = re.sub(r"\[@[^\]]+\]", " ", markdown)
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("*", " ")


def test_every_text_field_of_every_entity_is_in_its_pages_index_entries(knowledge_base, real_site: Path):
    sections = read_sections(real_site)
    names = page_names(knowledge_base)
    missing = []
    for entity in knowledge_base.entities.values():
        indexed = set()
        for section in sections:
            if section["location"].split("#")[0] == entity.url:
                indexed.update(words(f"{section['title']} {section['text']}", SEPARATOR))
        indexed.update(words(" ".join(names[entity.url]), SEPARATOR))
        for path, value, schema in _custom_nodes(knowledge_base.schemas.inlined[entity.type.schema_file], entity.data):
            field = tuple(part for part in path if isinstance(part, str))
            if "x-text" in schema and isinstance(value, str) and field not in EXCLUDED:
                absent = set(words(_plain(value), SEPARATOR)) - indexed
                if absent:
                    missing.append(f"{entity.id} {'.'.join(map(str, path))}: {sorted(absent)[:5]}")
    assert not missing, "\n".join(missing)


def test_the_audience_tab_labels_are_left_out_of_every_section(real_site: Path):
    sections = read_sections(real_site)
    assert not [s["location"] for s in sections if "For patients and families" in s["text"]]
    assert any("For patients and families" in html.read_text(encoding="utf-8")  # still on the pages
               for html in (real_site / "products").rglob("index.html"))


@pytest.mark.parametrize(("first_page", "next_page", "intro_word"), [
    ("reference/sources/", "reference/sources_2/", "endnote"),
    ("reference/whats-new/", "reference/whats-new_2/", "feed")])
def test_a_long_lists_introduction_is_searched_on_its_first_page_only(real_site: Path, first_page: str,
                                                                      next_page: str, intro_word: str):
    # Repeated on every page of the list, it made a search list each of them for the introduction's words.
    sections = read_sections(real_site)

    def indexed(url: str) -> set[str]:
        return {word for section in sections if section["location"].split("#")[0] == url
                for word in words(f"{section['title']} {section['text']}", SEPARATOR)}
    assert intro_word in indexed(first_page)
    assert intro_word not in indexed(next_page)


def test_the_worker_is_set_up_with_the_settings_material_gives_its_own_and_the_themes_suggestions(real_site: Path):
    prebuilt = json.loads((real_site / "search" / "prebuilt_index.json").read_text(encoding="utf-8"))
    material = json.loads((real_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert prebuilt["setup"]["config"] == material["config"]
    with (REPO / "mkdocs.yml").open(encoding="utf-8") as config:
        features = yaml_load(config)["theme"]["features"]
    assert prebuilt["setup"]["options"] == {"suggest": "search.suggest" in features}
