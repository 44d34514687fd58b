"""Classes of hostile input, generated rather than listed: links with any characters, brackets and schemes;
numbers across the float range; values with line breaks in every kind of field; text built to make a pattern
slow. Whatever validation accepts must come out of the real Markdown parser as safe HTML."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import threading
import time

import markdown
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from kb.data import rules
from kb.data.markup import MARKDOWN_EXTENSIONS
from kb.data.validate import check_data
from kb.model import KnowledgeBase, load_knowledge_base
from kb.site.checks import UnsafeLink, check_built_site, unsafe_addresses
from kb.site.render import PageContext

from tests.conftest import REPO, copy_fixture_data, make_project, run_kb
from tests.test_build import tree_digest

PROPERTY = settings(derandomize=True, database=None, max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
SCHEMES = ["javascript", "JaVaScRiPt", "vbscript", "data", "file", "ftp", "http", "https", "mailto", "id", ""]
CONTROL = st.sampled_from(["\t", "\n", "\r", "\x00", "\x0b", "\x1a", "\u200b", "\u202e", " ", ""])
TEXTISH = st.text(st.sampled_from(list("ab [](): \\!@-/")), max_size=6)


@st.composite
def links(draw: st.DrawFn) -> str:
    """A link (or something shaped like one): brackets nested or escaped, any scheme, control characters
    anywhere in it, maybe a reference definition."""
    scheme = draw(st.sampled_from(SCHEMES))
    split = draw(st.integers(0, len(scheme)))
    scheme = scheme[:split] + draw(CONTROL) + scheme[split:]
    label = draw(TEXTISH) + draw(st.sampled_from(["", "[b]", "\\]", "[", "]"])) + draw(TEXTISH)
    target = f"{scheme}:{draw(st.sampled_from(['', '//']))}alert(1){draw(CONTROL)}" if scheme.strip() else "x.org"
    form = draw(st.sampled_from(["inline", "reference", "list-reference", "image", "angle"]))
    if form == "reference":
        return f"[{label}][r]\n\n[r]: {target}"
    if form == "list-reference":
        return f"- [r]: {target}\n\n[{label}][r]"
    if form == "image":
        return f"![{label}]({target})"
    if form == "angle":
        return f"<{target}>"
    return f"[{label}]({target})"


def rendered_html(text: str, knowledge_base: KnowledgeBase) -> str:
    """``text`` as a page holds it (the renderer's Markdown) after the same parser MkDocs runs."""
    page = PageContext(knowledge_base, "therapies/car-t.md")
    return markdown.markdown(page.md(text), extensions=MARKDOWN_EXTENSIONS)


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory) -> KnowledgeBase:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1770000000")
        return load_knowledge_base(copy_fixture_data(tmp_path_factory.mktemp("trust") / "data"))


@PROPERTY
@given(before=TEXTISH, link=links(), after=TEXTISH)
def test_a_link_that_validation_accepts_comes_out_of_the_parser_with_a_safe_address(before, link, after,
                                                                                      fixture_kb):
    text = f"{before} {link} {after}".strip() or "x"
    if list(rules.text_problems(text, "markdown")) or rules.character_problem(text):
        return  # refused: nothing reaches a page
    assert unsafe_addresses(rendered_html(text, fixture_kb)) == []


@PROPERTY
@given(before=TEXTISH, link=links(), after=TEXTISH)
def test_even_refused_links_come_out_of_the_renderer_without_an_unsafe_address(before, link, after, fixture_kb):
    """The renderer is the second line of defence: if validation were bypassed, the page would still be safe."""
    text = f"{before} {link} {after}"
    assert unsafe_addresses(rendered_html(text, fixture_kb)) == []


@pytest.mark.parametrize("address", [
    "javascript:alert(1)", "java\tscript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:x", "&#106;avascript:x",
    "java&#x0A;script:x", "\x01javascript:x", "data:text/html,x", "vbscript:x", "ftp://x.org",
])
def test_the_built_page_check_reads_an_address_as_a_browser_does(address):
    quoted = address.replace('"', "&quot;")
    decoded = re.sub(r"[\t\n\r]", "", address.replace("&#106;", "j").replace("&#x0A;", ""))
    assert unsafe_addresses(f'<a href="{quoted}">x</a>') == [decoded.strip("".join(map(chr, range(0x21))))]


@pytest.mark.parametrize("tag", [
    '<a/href="javascript:x">', "<a\nHREF=javascript:x>", "<img alt='' src = 'javascript:x'>",
    '<svg><a xlink:href="javascript:x"/></svg>', '<object data="javascript:x"></object>',
])
def test_the_built_page_check_finds_an_address_wherever_a_browser_reads_an_attribute(tag):
    assert unsafe_addresses(tag) == ["javascript:x"]


@pytest.mark.parametrize("address", ["https://x.org", "http://x.org", "../products/x/", "#fn:1", "x/", "?q=1"])
def test_the_built_page_check_accepts_site_and_web_addresses(address):
    assert unsafe_addresses(f'<a href="{address}">x</a><img src="{address}">') == []


def test_a_build_whose_page_holds_an_unsafe_link_fails_naming_the_data_file(project):
    (project / "scripts" / "kb").unlink()  # the project links the real package: copy it, to break a template
    shutil.copytree(REPO / "scripts" / "kb", project / "scripts" / "kb")
    template = project / "scripts" / "kb" / "site" / "templates" / "entity.md.j2"
    template.write_text(template.read_text() + '\n<p><a href="java&#9;script:alert(1)">x</a></p>\n')
    before = sorted(p.name for p in (project / ".site-builds").iterdir()) if (project / ".site-builds").exists() else []
    result = run_kb("build", cwd=project, env={"PYTHONPATH": str(project / "scripts")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"data/\w+/[a-z0-9-]+\.yaml: the built page \S+/index\.html links to 'javascript:alert\(1\)'",
                     result.stderr), result.stderr
    assert sorted(p.name for p in (project / ".site-builds").iterdir() if not p.name.startswith(".")) == before


@pytest.mark.parametrize("bad_page", [0, 149, 299])  # first, middle and last of 300 pages
def test_the_built_page_check_finds_the_unsafe_link_on_any_page_of_a_large_site(tmp_path, bad_page):
    for number in range(300):
        link = "javascript:x" if number == bad_page else f"../page-{number + 1}/"
        (tmp_path / f"page-{number:03}").mkdir()
        (tmp_path / f"page-{number:03}" / "index.html").write_text(f'<a href="{link}">next</a>')
    with pytest.raises(UnsafeLink, match=rf"page-{bad_page:03}/index\.html links to 'javascript:x'"):
        check_built_site(tmp_path, tmp_path / "data")


# --- Numbers ---------------------------------------------------------------------------------------------------

NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10 ** 60), max_value=10 ** 60).map(str),
    st.sampled_from(["1e400", "-1e400", ".inf", "-.inf", ".nan", "1e-400", "9" * 40, "0x1A", "1_000"]),
)


@settings(derandomize=True, database=None, max_examples=150, deadline=None)
@given(number=NUMBER_TEXT)
def test_any_number_in_a_figure_is_accepted_within_its_bounds_or_refused_in_one_line(number, tmp_path_factory):
    root = copy_fixture_data(tmp_path_factory.mktemp("numbers") / "data")
    product = root / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text().replace("value: 81", f"value: {number}", 1))
    problems = check_data(root).problems
    errors = [p for p in problems if p.is_error]
    if not errors:
        figure = load_knowledge_base(root).entities["tisagenlecleucel"].data["figures"][0]
        assert isinstance(figure["value"], int | float) and math.isfinite(figure["value"])
        assert 0 <= figure["value"] <= 100  # the figure is a proportion in %
    for problem in problems:
        assert "\n" not in str(problem) and problem.line >= 1


# --- Values with line breaks -----------------------------------------------------------------------------------

FIELDS = [  # (file, the line as written, a YAML key to give a new value): one of each kind of field
    ("trials/eliana.yaml", "name: ELIANA", "name"),  # plain text
    ("trials/eliana.yaml", "summary: The pivotal trial of tisagenlecleucel.", "summary"),  # Markdown
    ("trials/eliana.yaml", "phase: phase 2", "phase"),  # a choice
    ("trials/eliana.yaml", "therapy: car-t", "therapy"),  # an id
    ("trials/eliana.yaml", "last_reviewed: '2026-01-15'", "last_reviewed"),  # a date
    ("sources.yaml", "  nct: NCT02435849", "  nct"),  # an identifier
]
BREAKING = st.text(st.sampled_from(list("ab:\n\r\u2028\u0085 1")), min_size=1, max_size=12)


@settings(derandomize=True, database=None, max_examples=120, deadline=None)
@given(field=st.sampled_from(FIELDS), value=BREAKING)
def test_a_value_with_line_breaks_is_reported_on_one_line_per_problem(field, value, tmp_path_factory):
    name, line, key = field
    assume("\n" in value or "\r" in value or "\u2028" in value or "\u0085" in value)
    root = copy_fixture_data(tmp_path_factory.mktemp("breaks") / "data")
    path = root / name
    escaped = value.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    path.write_text(path.read_text().replace(line, f'{key}: "{escaped}"', 1))
    for problem in check_data(root).problems:
        printed = str(problem)
        assert len(printed.splitlines()) == 1, printed
        assert printed.startswith(f"{problem.path}:{problem.line}:{problem.column}: ")


# --- Patterns stay linear ----------------------------------------------------------------------------------------

PATHOLOGICAL = ["[", "[@a", "**a ", "[a](", "*a ", "`a ", "<a ", "![", "]:", "\\[", "_a "]


def _checked_steps(text: str) -> int:
    """How many Python lines validating ``text`` runs (regular expressions count as one line each, however long
    they take: a slow pattern shows as growth of the next measure instead)."""
    steps = 0

    def count(frame, event, arg):
        nonlocal steps
        if event == "line":
            steps += 1
        return count

    sys.settrace(count)
    try:
        list(rules.text_problems(text, "markdown"))
        rules.character_problem(text)
    finally:
        sys.settrace(None)
    return steps


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_checking_a_text_does_a_bounded_amount_of_work_however_long_the_text(unit):
    """Texts of 2,000 and of 12,000 characters (the limit) made of one markup unit repeated: the second takes
    no more Python steps than the first, because the checks refuse crowded markup before any parser runs."""
    short, long = unit * (2000 // len(unit)), unit * (12000 // len(unit))
    assert _checked_steps(long) <= _checked_steps(short) + 50


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_the_patterns_run_over_data_text_grow_linearly(unit):
    """Each pattern over text eight times longer takes at most about eight times the regex work. The engine's
    own steps are not available, so this compares the best of five timings of each length, with generous slack
    (a quadratic pattern shows a ratio near 64)."""
    from kb.data import markup
    from kb.site import render

    patterns = [markup.LINK, markup.CITATION, markup.LINK_OR_CITATION, render._INLINE_MARKUP, render._PLAIN_SPECIALS,
                *(pattern for pattern, _ in rules._FORBIDDEN_MARKUP), rules._HIDDEN]

    def cost(text: str) -> float:
        # Matches are counted, not kept: keeping thousands of match objects measures the memory allocator.
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(10):
                for pattern in patterns:
                    sum(1 for _ in pattern.finditer(text))
            best = min(best, time.perf_counter() - start)
        return best

    # Texts are at most 12,000 characters (the schemas say so): 3,000 and 24,000 cover that range.
    base = unit * (3000 // len(unit))
    assert cost(base * 8) <= 24 * cost(base) + 0.02


# --- Builds at the same time ----------------------------------------------------------------------------------

def test_builds_started_at_the_same_time_all_succeed_and_leave_a_complete_site(tmp_path):
    project = make_project(tmp_path / "project")
    assert run_kb("build", cwd=project).returncode == 0
    expected = sorted(str(p.relative_to(project / "site")) for p in (project / "site").rglob("*") if p.is_file())
    results: list[subprocess.CompletedProcess] = []

    def build() -> None:
        results.append(run_kb("build", cwd=project))

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr[-500:] for r in results]
    assert all("Traceback" not in r.stderr for r in results)
    built = sorted(str(p.relative_to(project / "site")) for p in (project / "site").rglob("*") if p.is_file())
    assert built == expected
    builds = [p.name for p in (project / ".site-builds").iterdir() if not p.name.startswith(".")]
    assert len(builds) == 1  # every build removed the earlier ones, and only those


# --- Places that cannot be written, and a clock out of range --------------------------------------------------

def test_a_build_into_a_place_that_cannot_be_written_is_one_error_line_and_keeps_the_site(project):
    assert run_kb("build", cwd=project).returncode == 0
    before = sorted(p.name for p in (project / ".site-builds").iterdir())
    (project / "elsewhere").write_text("a file where the build would write a folder\n")
    result = run_kb("build", "--site-dir", "elsewhere/site", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kb build: error: ")
    assert sorted(p.name for p in (project / ".site-builds").iterdir()) == before


def test_a_build_that_runs_out_of_room_is_one_error_line_and_keeps_the_site_byte_for_byte(project):
    """As on a full disk: a write fails half-way through the build (here every file is limited to 20 KB, so
    the first larger page cannot be written). Python turns the limit's signal into an OSError."""
    import resource

    assert run_kb("build", cwd=project).returncode == 0
    before = tree_digest(project / "site")

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run([sys.executable, "-m", "kb.cli", "build"], cwd=project, capture_output=True, text=True,
                            timeout=300, preexec_fn=limit_file_size)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kb build: error: ")
    assert tree_digest(project / "site") == before
    assert len([p for p in (project / ".site-builds").iterdir() if not p.name.startswith(".")]) == 1


def test_rendering_onto_a_file_is_one_error_line(project):
    (project / "out").write_text("a file\n")
    result = run_kb("render", "--out", "out", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kb render: error: ")


@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize("epoch", ["99999999999999999999", "-99999999999999999999", "tomorrow", ""])
def test_a_clock_out_of_range_is_one_error_line(project, epoch, command):
    result = run_kb(command, cwd=project, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip().splitlines()[0]]
    assert "SOURCE_DATE_EPOCH" in result.stderr


def test_a_broken_bibliography_is_one_error_and_one_note_not_a_flood(data_root):
    (data_root / "sources.yaml").write_text((data_root / "sources.yaml").read_text() + "broken: [\n")
    problems = check_data(data_root).problems
    assert len([p for p in problems if p.is_error]) == 1
    assert len(problems) <= 2


SOURCE_IDS = st.from_regex(r"[a-z0-9]+(-[a-z0-9]+){0,4}", fullmatch=True)


@given(source_id=SOURCE_IDS, cut=st.integers(min_value=0), gap=st.sampled_from([" ", "\n", "  ", "\n  "]))
def test_a_citation_with_a_space_or_line_break_inside_is_refused_and_a_whole_one_is_not(source_id, cut, gap):
    """A folded YAML text turns a line break inside a citation into a space: the page would show it as typed."""
    where = 2 + cut % (len(source_id) + 1)  # after '[@', anywhere up to the closing bracket
    whole = f"Remission in most patients [@{source_id}]."
    broken = whole.replace(f"[@{source_id}]", f"[@{source_id}]"[:where] + gap + f"[@{source_id}]"[where:])
    assert "broken-citation" not in {finding.code for finding in rules.text_problems(whole, "markdown")}
    assert "broken-citation" in {finding.code for finding in rules.text_problems(broken, "markdown")}
