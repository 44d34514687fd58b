"""The renderer turns the model into Markdown pages: one per entity, an index per type, links both ways."""

from __future__ import annotations

import re

import markdown
import pytest
from benchmarks.synthetic import generate_dataset
from kb.data.markup import MARKDOWN_EXTENSIONS
from kb.model import load_knowledge_base
from kb.site import render
from kb.site.figures import format_figure_value
from kb.site.plan import plan_site, render_site
from kb.site.render import environment, plain


def render_entity_page(kb, entity) -> str:
    return render.render_page(kb, entity.page_path, [f"{entity.type.name}/page.md.j2"],
                              {"entity": entity, "d": entity.data})


@pytest.fixture
def kb(data_root):
    return load_knowledge_base(data_root)


@pytest.fixture
def pages(kb):
    return render_site(kb)


def test_every_entity_gets_a_page_and_every_type_an_index(kb, pages):
    for entity in kb.entities.values():
        assert entity.page_path in pages
    for entity_type in kb.types:
        assert f"{entity_type.plural}/index.md" in pages


def test_reference_pages_are_generated(pages):
    assert {"reference/sources.md", "reference/glossary.md", "reference/evidence-levels.md"} <= set(pages)


def test_product_page_links_its_therapy(pages):
    # Tables and lists are HTML blocks, whose links MkDocs leaves alone: they are written as final URLs.
    assert '<a href="../../therapies/car-t/">CAR-T cell therapy</a>' in pages["products/tisagenlecleucel.md"]


def test_links_in_data_text_stay_markdown_for_mkdocs_to_resolve_and_check(pages):
    assert "[the therapy](../therapies/car-t.md)" in pages["products/tisagenlecleucel.md"]


def test_therapy_page_lists_its_products_trials_challenges_and_diseases(pages):
    page = pages["therapies/car-t.md"]
    assert '<a href="../../products/tisagenlecleucel/">tisagenlecleucel</a>' in page
    assert '<a href="../../trials/eliana/">ELIANA</a>' in page
    assert '<a href="../../challenges/crs/">Cytokine release syndrome</a>' in page
    assert '<a href="../../diseases/b-all/">B-cell acute lymphoblastic leukemia</a>' in page


def test_related_section_links_each_linked_entity_under_its_type(pages):
    related = [line for line in pages["products/tisagenlecleucel.md"].splitlines() if 'class="kb-related"' in line]
    assert related == [
        '<p class="kb-related"><strong>Therapies:</strong> <a href="../../therapies/car-t/">CAR-T cell therapy</a></p>',
        '<p class="kb-related"><strong>Trials:</strong> <a href="../../trials/eliana/">ELIANA</a></p>',
        '<p class="kb-related"><strong>Diseases:</strong> <a href="../../diseases/b-all/">B-cell acute lymphoblastic '
        'leukemia</a></p>']


def test_several_related_links_keep_their_order_with_a_dot_between(kb):
    from kb.site.render import PageContext

    others = [kb.entities["eliana"], kb.entities["car-t"]]
    assert PageContext(kb, "products/tisagenlecleucel.md").a_all(others) == (
        '<a href="../../trials/eliana/">ELIANA</a> · <a href="../../therapies/car-t/">CAR-T cell therapy</a>')
    # From a type's index page the other entities of that type are below it, not beside it.
    assert PageContext(kb, "trials/index.md").a_all(others) == (
        '<a href="eliana/">ELIANA</a> · <a href="../therapies/car-t/">CAR-T cell therapy</a>')


def test_related_links_escape_names_for_html(kb):
    kb.entities["eliana"].name = "ELIANA <b>&</b>"
    page = render_entity_page(kb, kb.entities["tisagenlecleucel"])
    assert '<a href="../../trials/eliana/">ELIANA &lt;b&gt;&amp;&lt;/b&gt;</a>' in page


def test_bibliography_lists_the_pages_citing_each_source_or_says_none_does(kb):
    from kb.model import Source

    kb.sources["uncited"] = Source("uncited", {"kind": "web", "citation": "A source no page cites.",
                                            "url": "https://example.org"})
    rows = dict(re.findall(r'<td><span id="([^"]+)"></span>.*</td>\n<td>(.*)</td>',
                           render_site(kb)["reference/sources.md"]))
    assert rows["label-page"] == ('<a href="../../diseases/b-all/">B-cell acute lymphoblastic leukemia</a>, '
                                  '<a href="../../products/tisagenlecleucel/">tisagenlecleucel</a>')
    assert rows["uncited"] == "Not cited by any page yet."


def test_bibliography_escapes_a_citing_page_name_for_html(kb):
    kb.entities["eliana"].name = "ELIANA <i>[*draft*]</i> & co"
    page = render_site(kb)["reference/sources.md"]
    assert '<a href="../../trials/eliana/">ELIANA &lt;i&gt;[*draft*]&lt;/i&gt; &amp; co</a>' in page


def test_index_page_links_every_entity_of_its_type(pages):
    assert '<a href="tisagenlecleucel/">tisagenlecleucel</a>' in pages["products/index.md"]


def test_citations_become_numbered_marks_linked_to_the_reference_list(pages):
    page = pages["products/tisagenlecleucel.md"]
    assert '<a class="footnote-ref" id="fnref:maude-2018-nejm" href="#fn:maude-2018-nejm">' in page
    assert '<li id="fn:maude-2018-nejm">Maude SL' in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/29385370/"' in page
    assert 'href="https://doi.org/10.1056/NEJMoa1709866"' in page
    assert 'href="https://clinicaltrials.gov/study/NCT02435849"' in pages["trials/eliana.md"]


def test_citation_numbers_follow_reading_order_and_match_the_reference_list(pages):
    page = pages["products/tisagenlecleucel.md"]
    marks = re.findall(r'href="#fn:([^"]+)">(\d+)</a>', page)
    numbers: dict[str, int] = {}
    for source_id, number in marks:
        assert numbers.setdefault(source_id, int(number)) == int(number)  # one number per source
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    first_seen = list(dict.fromkeys(source_id for source_id, _ in marks))
    assert [numbers[s] for s in first_seen] == list(range(1, len(numbers) + 1))
    assert re.findall(r'<li id="fn:([^"]+)">', page) == first_seen


def test_a_group_of_citation_marks_is_in_increasing_order_whatever_the_data_order(kb):
    page = render.PageContext(kb, "products/tisagenlecleucel.md")
    page.cite(["maude-2018-nejm"])
    group = page.cite(["label-page", "maude-2018-nejm"])
    assert re.findall(r">(\d+)</a>", group) == ["1", "2"]
    assert re.findall(r'href="#fn:([^"]+)"', group) == ["maude-2018-nejm", "label-page"]


def test_a_source_cited_twice_gets_distinct_anchors(pages):
    page = pages["products/tisagenlecleucel.md"]
    assert 'id="fnref:label-page"' in page
    assert 'id="fnref2:label-page"' in page


def test_sources_are_numbered_in_order_of_first_citation(kb):
    assert kb.entities["tisagenlecleucel"].cited_sources == ["label-page", "maude-2018-nejm"]


def test_figure_shows_value_population_n_and_evidence_level(pages):
    row = next(line for line in pages["products/tisagenlecleucel.md"].splitlines() if "Overall remission" in line)
    assert "<strong>81% (95% CI 71–89)</strong>" in row
    assert "(n = 75)" in row
    assert "Single-arm trial" in row
    assert 'href="#fn:maude-2018-nejm"' in row


def test_both_audiences_get_a_summary_tab(pages):
    page = pages["therapies/car-t.md"]
    assert '=== "For patients and families"' in page
    assert '=== "For clinicians"' in page


def test_page_header_shows_the_last_review(pages):
    assert "Last reviewed <time datetime=\"2026-01-15\">2026-01-15</time> by Test team" in pages["diseases/b-all.md"]


@pytest.mark.parametrize(("figure", "expected"), [
    ({"value": 475000, "unit": "USD"}, "USD 475,000"),
    ({"value": 168, "unit": "days", "statistic": "median", "range": {"low": 20, "high": 617}},
     "median 168 days (range 20–617)"),
    ({"value": 49.0, "unit": "%"}, "49%"),
    ({"value": 11.6, "unit": "%"}, "11.6%"),
])
def test_figure_values_are_formatted_for_readers(figure, expected):
    assert format_figure_value(figure) == expected


def test_plain_text_escapes_markdown_and_html():
    assert plain("<b>x</b> *y* [z](w) {: .c}") == r"&lt;b&gt;x&lt;/b&gt; \*y\* \[z\]\(w\) &#123;: .c&#125;"


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "{: onclick=alert(1) }",
    "--8<-- /etc/passwd",
])
def test_renderer_escapes_unsafe_text_even_when_validation_is_bypassed(kb, attack):
    entity = kb.entities["car-t"]
    entity.data["mechanism"] = attack  # bypasses validation on purpose
    page = render_entity_page(kb, entity)
    section = page.split("## How it works", 1)[1].split("##", 1)[0]
    converted = markdown.markdown(section, extensions=MARKDOWN_EXTENSIONS)  # as MkDocs will see it
    assert "<script" not in converted and "<img" not in converted
    assert 'href="javascript:' not in converted.lower()
    assert "{:" not in section and "--8<--" not in section


def test_data_markdown_in_a_table_cell_becomes_escaped_html(kb):
    from kb.site.render import PageContext

    context = PageContext(kb, "products/tisagenlecleucel.md")
    cell = context.html("**Bold** and *mild* <script>x</script> [therapy](id:car-t) [@maude-2018-nejm]")
    assert cell.startswith("<strong>Bold</strong> and <em>mild</em> &lt;script&gt;x&lt;/script&gt; ")
    assert '<a href="../../therapies/car-t/">therapy</a>' in cell
    assert 'href="#fn:maude-2018-nejm">1</a>' in cell


def test_a_link_with_an_unsafe_target_keeps_only_its_words_in_html(kb):
    from kb.site.render import PageContext

    assert PageContext(kb, "index.md").html("[click](javascript:void)") == "click"


@pytest.mark.parametrize(("from_page", "to_page", "expected"), [
    ("products/a.md", "products/b.md", "../b/"),
    ("products/a.md", "trials/b.md", "../../trials/b/"),
    ("products/index.md", "products/b.md", "b/"),
    ("products/a.md", "products/index.md", "../"),
    ("index.md", "products/a.md", "products/a/"),
    ("products/index.md", "products/index.md", "./"),
])
def test_html_links_use_the_directory_urls_mkdocs_gives_pages(from_page, to_page, expected):
    from kb.site.links import relative_url

    assert relative_url(from_page, to_page) == expected


def test_html_links_between_any_two_pages_agree_with_the_path_arithmetic_of_the_standard_library():
    import itertools
    import posixpath

    from kb.site.links import page_url, relative_url

    pages = ["index.md", "about.md", "trials/index.md", "trials/a.md", "trials/b.md", "trials/page_2.md",
             "products/x.md", "reference/sources.md", "reference/sources_2.md", "a/b/c.md", "a/b/index.md",
             "a/index.md"]
    for from_page, to_page in itertools.product(pages, pages):
        expected = posixpath.relpath(page_url(to_page) or ".", page_url(from_page) or ".")
        assert relative_url(from_page, to_page) == ("./" if expected == "." else expected + "/"), (from_page, to_page)


def test_citations_in_one_place_form_one_group_separated_by_commas(kb):
    from kb.site.render import PageContext

    marks = PageContext(kb, "index.md").cite(["label-page", "maude-2018-nejm"])
    assert marks.startswith('<sup class="kb-cite" data-search-exclude><a class="footnote-ref"')
    assert marks.endswith("</a></sup>")
    assert re.findall(r">(\d+)</a>(,?)", marks) == [("1", ","), ("2", "")]


def test_templates_read_a_data_field_by_name_and_a_missing_one_is_undefined():
    template = environment().from_string("{{ d.name }}|{{ d.missing is defined }}")
    assert template.render(d={"name": "Tisagenlecleucel"}) == "Tisagenlecleucel|False"


def test_using_a_missing_data_field_is_an_error_that_names_it():
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="'dict object' has no attribute 'missing'"):
        environment().from_string("{{ d.missing }}").render(d={"name": "Tisagenlecleucel"})


@pytest.mark.parametrize("text", ["a # b", "{#x#}", "50% < 60% & more > less", "line\nbreak", "\\*_[link](x)!|~^`+",
                                  "{{ }}", "plain words", "&#123;"])
def test_plain_text_is_escaped_for_markdown_first_and_html_second(text):
    markdown_escaped = re.sub(r"([\\`*_\[\]()#+!|~^])", r"\\\1", text)
    html_escaped = "".join({"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;"}.get(c, c)
                           for c in markdown_escaped)
    assert plain(text) == html_escaped.replace("\n", " ")


def test_a_section_table_shows_every_cell_with_its_links_and_citations(data_root):
    crs = data_root / "challenges" / "crs.yaml"
    crs.write_text(crs.read_text(encoding="utf-8") + """sections:
  - title: Management by grade
    body: What the guideline recommends at each grade.
    table:
      caption: Management of CRS by ASTCT grade
      columns: [Grade, Treatment]
      rows:
        - ['1', 'Supportive care; consider *tocilizumab* [@maude-2018-nejm]']
        - ['2', 'Tocilizumab, as on the [therapy page](id:car-t)']
""", encoding="utf-8")
    page = render_site(load_knowledge_base(data_root))["challenges/crs.md"]
    assert "<strong>Management of CRS by ASTCT grade</strong>" in page
    assert "<th>Grade</th><th>Treatment</th>" in page
    # each cell is labelled with its column, for the cards a phone shows
    assert re.search(r'<td data-label="Treatment">Supportive care; consider <em>tocilizumab</em> '
                     r'<sup class="kb-cite" data-search-exclude>.*?</sup></td>', page)
    assert ('<td data-label="Treatment">Tocilizumab, as on the <a href="../../therapies/car-t/">therapy page</a></td>'
            in page)


def test_a_summary_is_cut_only_where_a_sentence_ends():
    from kb.site.render import whole_sentences

    text = ("CAR-T cells are made from your own blood, e.g. from T cells. They are given back through a drip. "
            "Most patients stay in hospital for about 2.5 weeks afterwards, near the treating centre.")
    assert whole_sentences(text, 500) == text
    assert whole_sentences(text, 120) == ("CAR-T cells are made from your own blood, e.g. from T cells. "
                                          "They are given back through a drip.")
    assert whole_sentences(text, 30) == "CAR-T cells are made from your own blood, e.g. from T cells."
    assert whole_sentences("One long sentence without an end " * 9, 30) == "One long sentence without an end " * 9


def test_no_index_page_cuts_a_summary(pages):
    for path, page in pages.items():
        if path.endswith("index.md"):
            assert "…</td>" not in page, path


def test_the_home_page_links_every_disease_pathway_and_challenge(kb, pages):
    home = render.PageContext(kb, "index.md")
    listed = [entity for name in ("disease", "pathway", "challenge") for entity in kb.of_type(name)]
    assert listed
    for entity in listed:
        assert f'<a href="{home.href(entity)}">' in pages["index.md"], entity.id


def test_the_home_page_leads_a_researcher_to_the_trial_comparisons_and_the_data(pages):
    # A researcher's test found trials and comparisons only at the bottom and no link to the downloads.
    introduction = pages["index.md"].split("## By leukemia", 1)[0]
    assert "(compare/trials.md)" in introduction and "(reference/downloads.md)" in introduction


def test_the_home_page_stays_short_with_many_pages_of_a_type_and_links_the_rest(tmp_path):
    many = load_knowledge_base(generate_dataset(tmp_path / "data", 200))
    challenges = many.of_type("challenge")
    assert len(challenges) > 30
    home = next(page for page in plan_site(many, {}) if page.path == "index.md").render(many)
    listed = re.findall(r'<li><a href="challenges/([^/]+)/">', home)
    assert listed == [entity.id for entity in challenges[:30]]
    assert f"And {len(challenges) - 30} more: see [all {len(challenges)}](challenges/index.md)." in home


def test_the_home_page_lists_the_six_pages_reviewed_last_newest_first(kb, pages):
    recent = kb.recently_reviewed(6)
    dates = [entity.data["last_reviewed"] for entity in recent]
    assert len(recent) == min(6, len(kb.entities))
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == max(entity.data["last_reviewed"] for entity in kb.entities.values())
    assert all(entity.data["last_reviewed"] <= dates[-1] for entity in kb.entities.values() if entity not in recent)
    for entity in recent:
        assert f"{entity.data['last_reviewed']}: [{plain(entity.name)}]" in pages["index.md"]


def test_a_section_that_cites_its_source_in_its_body_shows_its_number_once(data_root):
    trial = data_root / "trials" / "eliana.yaml"
    trial.write_text(trial.read_text() + """sections:
  - title: Results
    body: Most children were in remission. [@maude-2018-nejm]
    sources: [maude-2018-nejm, eliana-registry]
""")
    kb = load_knowledge_base(data_root)
    page = render_entity_page(kb, kb.entities["eliana"])
    results = page.split("## Results", 1)[1].split("\n#", 1)[0]
    assert results.count('href="#fn:maude-2018-nejm"') == 1
    assert results.count('href="#fn:eliana-registry"') == 1


def test_names_that_differ_only_in_case_are_listed_once(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    aliases = product.read_text().replace("aliases: [Kymriah, CTL019]", "aliases: [tisa-cel, Tisa-cel, CTL019]")
    product.write_text(aliases)
    kb = load_knowledge_base(data_root)
    assert "*Also known as:* tisa-cel, CTL019" in render_entity_page(kb, kb.entities["tisagenlecleucel"])


def test_search_terms_are_not_shown_as_names_of_the_page(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text().replace("aliases: [Kymriah, CTL019]",
                                                   "aliases: [Kymriah, CTL019]\nsearch_terms: [fever after CAR-T]"))
    kb = load_knowledge_base(data_root)
    page = render_entity_page(kb, kb.entities["tisagenlecleucel"])
    assert "CTL019" in page
    assert "fever after CAR-T" not in page



def test_changes_to_a_page_show_the_five_newest_and_send_the_earlier_ones_to_its_data(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    history = "".join(f"  - date: '2025-0{month}-01'\n    change: Change of month {month}.\n" for month in range(1, 9))
    product.write_text(product.read_text() + "review_history:\n" + history)
    kb = load_knowledge_base(data_root)
    changes = render_entity_page(kb, kb.entities["tisagenlecleucel"]).split("## Changes to this page", 1)[1]
    shown = re.findall(r"Change of month ([0-9])\.", changes)
    assert shown == ["8", "7", "6", "5", "4"]
    assert "3 earlier changes are in this page's [data as JSON](../api/v1/products/tisagenlecleucel.json)" in changes


def test_a_page_with_few_changes_shows_them_all(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text() + "review_history:\n  - date: '2025-01-01'\n    change: First version.\n")
    kb = load_knowledge_base(data_root)
    changes = render_entity_page(kb, kb.entities["tisagenlecleucel"]).split("## Changes to this page", 1)[1]
    assert "First version." in changes
    assert "earlier change" not in changes


def test_download_and_citation_pages_say_when_the_data_is_newer_than_its_newest_release(data_root):
    # The site served data reviewed long after release 0.1.0 and told readers to cite it as 0.1.0.
    product = data_root / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text().replace("last_reviewed: '2026-01-15'", "last_reviewed: '2026-02-01'"))
    pages = render_site(load_knowledge_base(data_root))  # the newest release, 1.10.0, is of 2026-01-25
    assert 'These files are newer than release 1.10.0' in pages["reference/downloads.md"]
    assert "up to 2026-02-01" in pages["reference/downloads.md"]
    assert "hold changes reviewed after release 1.10.0" in pages["reference/how-to-cite.md"]


def test_data_reviewed_before_its_newest_release_is_that_release(pages):
    assert "newer than release" not in pages["reference/downloads.md"]
    assert "changes reviewed after release" not in pages["reference/how-to-cite.md"]


def test_the_data_index_names_the_newest_review_after_the_release(data_root):
    import json

    from kb.site.export import export_files

    product = data_root / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text().replace("last_reviewed: '2026-01-15'", "last_reviewed: '2026-02-01'"))
    index = json.loads(export_files(load_knowledge_base(data_root))["api/v1/index.json"])
    assert (index["version"], index["reviewed_after_release"]) == ("1.10.0", "2026-02-01")


def test_a_figures_evidence_level_links_to_its_row_on_the_evidence_levels_page(pages):
    # It linked to the top of the page, where a reader had to find the level among twelve.
    levels = set(re.findall(r'<tr id="([a-z-]+)">', pages["reference/evidence-levels.md"]))
    linked = {level for page in pages.values() for level in re.findall(r'evidence-levels/#([a-z-]+)"', page)}
    assert linked and linked <= levels
