"""What a contributor finds on GitHub: the files exist and are linked, the Contributing page's links work on the
site and on GitHub, the issue forms match the schemas, CITATION.cff says what How to cite says, and the locks and
hooks follow pyproject.toml."""

from __future__ import annotations

import datetime
import fnmatch
import json
import re

import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import REPO, run_kb
from tests.scripts_helper import load_script

release = load_script("release")

# Every file issue 20 names (or that its work added for contributors and maintainers).
FILES = [
    "CONTRIBUTING.md", "docs/contributing.md", "SECURITY.md", "CITATION.cff", "CHANGELOG.md",
    ".github/ISSUE_TEMPLATE/report-error.yml", ".github/ISSUE_TEMPLATE/propose-entry.yml",
    ".github/ISSUE_TEMPLATE/config.yml", ".github/pull_request_template.md", ".github/CODEOWNERS",
    ".github/dependabot.yml", ".github/workflows/ci.yml", ".github/workflows/links.yml",
    ".github/workflows/release.yml", "requirements.txt", "package.json", ".yamllint.yaml", ".pre-commit-config.yaml",
    "scripts/check_external_links.py", "scripts/changed_pages.py", "scripts/release.py", "data/releases.yaml",
]
README = (REPO / "README.md").read_text()
CONTRIBUTING_PAGE = (REPO / "docs" / "contributing.md").read_text()
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("name", FILES)
def test_each_file_exists_and_the_readme_or_the_contributing_page_names_it(name):
    assert (REPO / name).is_file(), name
    assert name in README or name in CONTRIBUTING_PAGE, name


def relative_links(text: str) -> list[str]:
    return [link.split("#")[0] for link in MARKDOWN_LINK.findall(text)
            if not re.match(r"[a-z]+:", link) and not link.startswith("#")]


@pytest.mark.parametrize("document", ["README.md", "CONTRIBUTING.md", "docs/contributing.md"])
def test_every_relative_link_leads_to_a_file_of_the_repository(document):
    folder = (REPO / document).parent
    links = relative_links((REPO / document).read_text())
    assert links or document == "docs/contributing.md"
    for link in links:
        assert (folder / link).exists(), f"{document}: {link}"


def test_contributing_md_points_to_the_contributing_page():
    assert "[docs/contributing.md](docs/contributing.md)" in (REPO / "CONTRIBUTING.md").read_text()


def test_contributing_page_links_no_page_that_exists_only_on_the_site():
    # Generated pages (therapies/, reference/…) are no files on GitHub; a relative link to one would be broken there.
    for link in relative_links(CONTRIBUTING_PAGE):
        assert (REPO / "docs" / link).is_file(), link


def issue_form(name: str) -> dict:
    return yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / name).read_text())


def fields(form: dict) -> dict[str, dict]:
    return {item["id"]: item for item in form["body"] if "id" in item}


def test_report_an_error_link_opens_a_form_with_the_page_field_it_fills():
    template = (REPO / "docs" / "overrides" / "main.html").read_text()
    form_name = re.search(r"template=([\w.-]+)&", template)[1]
    assert "&page=" in template
    assert "page" in fields(issue_form(form_name))


SCHEMAS = {name: json.loads((REPO / "data" / "schema" / f"{name}.schema.json").read_text())
           for name in ("therapy", "product", "trial")}
COMMON = json.loads((REPO / "data" / "schema" / "common.schema.json").read_text())
PROPOSAL = fields(issue_form("propose-entry.yml"))
NOT_SCHEMA_FIELDS = {"type", "proposed_id", "agreement"}


def allowed_values(field: str) -> set[str]:
    values: set[str] = set()
    for schema in SCHEMAS.values():
        spec = schema["properties"].get(field, {})
        values |= set(spec.get("enum", [])) | {choice["const"] for choice in spec.get("oneOf", [])}
    return values


def test_proposal_form_offers_exactly_the_kinds_of_page_it_proposes():
    assert PROPOSAL["type"]["attributes"]["options"] == ["therapy", "product", "trial"]


@pytest.mark.parametrize("field", sorted(PROPOSAL.keys() - NOT_SCHEMA_FIELDS))
def test_each_proposal_field_is_a_field_of_the_data_file(field):
    assert any(field in schema["properties"] for schema in SCHEMAS.values()), field
    assert f"(`{field}`" in PROPOSAL[field]["attributes"]["label"]


@pytest.mark.parametrize("field", sorted(f for f, item in PROPOSAL.items() if item["type"] == "dropdown"
                                         and f not in NOT_SCHEMA_FIELDS))
def test_each_proposal_choice_is_a_value_the_schema_allows(field):
    options = set(PROPOSAL[field]["attributes"]["options"])
    assert options and options <= allowed_values(field), options - allowed_values(field)


def test_what_every_page_requires_is_required_in_the_proposal():
    required_everywhere = set.intersection(*(set(schema["required"]) for schema in SCHEMAS.values()))
    asked = required_everywhere & PROPOSAL.keys()
    assert asked == {"name", "summary", "sources"}
    assert all(PROPOSAL[field]["validations"]["required"] for field in asked)


@pytest.fixture(scope="module")
def how_to_cite(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("rendered")
    result = run_kb("render", "--out", str(out), cwd=REPO)
    assert result.returncode == 0, result.stderr
    text = (out / "reference" / "how-to-cite.md").read_text()
    return " ".join(re.sub(r"^> ?", "", text, flags=re.MULTILINE).split())


def test_citation_cff_gives_the_citation_of_the_how_to_cite_page(how_to_cite):
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    expected = (f"{citation['authors'][0]['name']}. *{citation['title']}*, data release {citation['version']} "
                f"({citation['date-released']}). Available under CC BY 4.0.")
    assert expected in how_to_cite
    assert citation["license"] == "CC-BY-4.0"


def test_how_to_cite_names_the_tag_and_the_zip_the_release_workflow_publishes(how_to_cite):
    newest = release.newest_release(REPO / "data" / "releases.yaml")
    assert f"the tag `{newest.tag}`" in how_to_cite
    assert f"`{newest.asset}`" in how_to_cite


def project_requirements() -> list[Requirement]:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(spec) for spec in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def locked_versions() -> dict[str, str]:
    text = (REPO / "requirements.txt").read_text()
    return {name.lower(): version for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.MULTILINE)}


@pytest.mark.parametrize("requirement", project_requirements(), ids=str)
def test_the_lock_pins_each_dependency_within_its_range(requirement):
    locked = locked_versions()
    name = re.sub(r"[-_.]+", "-", requirement.name).lower()
    assert name in locked, f"{requirement.name} is not in requirements.txt: run bash scripts/lock.sh"
    assert requirement.specifier.contains(locked[name], prereleases=True), (requirement, locked[name])


def test_every_pin_of_the_lock_has_a_hash():
    entries = re.split(r"\n(?=[A-Za-z0-9])", (REPO / "requirements.txt").read_text().split("\n\n")[-1].strip())
    pins = [entry for entry in entries if "==" in entry.split("\n")[0]]
    assert pins and all("--hash=sha256:" in entry for entry in pins)


def test_pre_commit_hooks_install_the_ranges_of_pyproject():
    hooks = {hook["id"]: hook for repo in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
             for hook in repo["hooks"]}
    assert all(hook["language"] == "python" for hook in hooks.values())
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert hooks["kb-validate"]["additional_dependencies"] == project["dependencies"]
    test_extra = {Requirement(spec).name: spec for spec in project["optional-dependencies"]["test"]}
    assert hooks["ruff"]["additional_dependencies"] == [test_extra["ruff"]]
    assert hooks["yamllint"]["additional_dependencies"] == [test_extra["yamllint"]]


def code_owners(path: str) -> list[str]:
    """The owners GitHub asks for ``path``: the last line whose pattern matches it (the patterns used here)."""
    owners: list[str] = []
    for line in (REPO / ".github" / "CODEOWNERS").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, *names = line.split()
        anchored = pattern.lstrip("/")
        if (pattern == "*" or (pattern.endswith("/") and path.startswith(anchored))
                or fnmatch.fnmatchcase(path, anchored)):
            owners = names
    return owners


def test_data_files_are_reviewed_by_the_data_reviewers():
    assert code_owners("data/therapies/car-t.yaml") == ["@leukemia-cell-therapy-kb/data-reviewers"]


def test_code_is_reviewed_by_the_code_reviewers():
    assert code_owners("scripts/kb/render.py") == ["@leukemia-cell-therapy-kb/code-reviewers"]


def test_every_path_in_codeowners_exists():
    for line in (REPO / ".github" / "CODEOWNERS").read_text().splitlines():
        if line.strip() and not line.startswith("#") and line.split()[0] != "*":
            pattern = line.split()[0].lstrip("/")
            assert list(REPO.glob(pattern.rstrip("/"))), pattern


def test_new_files_are_linked_from_contributing_md():
    text = (REPO / "CONTRIBUTING.md").read_text()
    for name in ["SECURITY.md", "CITATION.cff", "CHANGELOG.md", "README.md"]:
        assert f"]({name})" in text, name


def test_pull_request_template_holds_the_curators_checklist():
    text = (REPO / ".github" / "pull_request_template.md").read_text()
    items = [" ".join(item.split()) for item in re.split(r"^- \[ \] ", text, flags=re.MULTILINE)[1:]]
    for name in ["`data/sources.yaml`", "`last_reviewed`", "kb validate --strict`", "`site-preview`"]:
        assert any(name in item for item in items), name


def test_the_readme_names_every_workflow():
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        assert f"(.github/workflows/{path.name})" in README, path.name


@pytest.mark.parametrize("path", sorted((REPO / "docs").glob("*.md")), ids=lambda path: path.name)
def test_a_hand_written_page_was_not_reviewed_after_today(path):
    front_matter = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    reviewed = datetime.date.fromisoformat(str(front_matter["last_reviewed"]))
    assert reviewed <= datetime.date.today(), f"{path.name}: last_reviewed {reviewed} is after today"


def test_the_readme_gives_the_number_of_queries_the_query_file_holds():
    queries = yaml.safe_load((REPO / "tests" / "search_queries.yaml").read_text(encoding="utf-8"))
    stated = re.search(r"\| ([0-9,]+) queries a clinician", README)
    assert stated is not None, "the README's row for tests/search_queries.yaml gives no count"
    assert int(stated.group(1).replace(",", "")) == len(queries)


@pytest.mark.parametrize("page", sorted(path.name for path in (REPO / "docs").glob("*.md")))
def test_no_numbered_or_bulleted_step_of_a_hand_written_page_runs_on_inside_a_paragraph(page):
    # A list item after an indented code block needs a blank line before it, or Python-Markdown reads it as more
    # text of the paragraph above: the Contributing page's steps 3-6 ran on inside step 2.
    import markdown

    class TagsIgnored(yaml.SafeLoader):  # mkdocs.yml's !ENV and !!python tags; only its extensions are read
        pass

    TagsIgnored.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=TagsIgnored)
    extensions = [next(iter(item)) if isinstance(item, dict) else item for item in config["markdown_extensions"]]
    settings = {next(iter(item)): item[next(iter(item))] for item in config["markdown_extensions"]
                if isinstance(item, dict)}
    html = markdown.markdown((REPO / "docs" / page).read_text(), extensions=extensions, extension_configs=settings)
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.DOTALL)
    assert not [p[:80] for p in paragraphs if re.search(r"\n\s*(?:[0-9]+\.|[-*]) \S", p)]
