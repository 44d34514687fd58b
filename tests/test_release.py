"""Data releases (scripts/release.py, run by .github/workflows/release.yml): the newest entry of releases.yaml
becomes a tag and a zip of the exported data with checksums, and nothing is published that does not match."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import write
from tests.scripts_helper import load_script

release = load_script("release")

RELEASES = """\
0.9.0:
  date: '2026-01-10'
  changes:
    - First.
0.10.0:
  date: '2026-02-01'
  changes:
    - Second, with 'quotes'.
    - Third.
"""
CITATION = "cff-version: 1.2.0\ntitle: KB\nversion: 0.10.0\ndate-released: '2026-02-01'\n"


def make_export(site: Path, version: str = "0.10.0", files: dict[str, str] | None = None) -> Path:
    """A built site's api/v1 with its index.json and a correct SHA256SUMS."""
    files = files or {"therapies.json": '{"items": {}}\n', "therapies/car-t.json": '{"name": "CAR-T"}\n'}
    files = {**files, "index.json": json.dumps({"version": version, "files": sorted(files)})}
    for name, text in files.items():
        write(site / "api/v1" / name, text)
    sums = "".join(f"{hashlib.sha256(text.encode()).hexdigest()}  {name}\n" for name, text in sorted(files.items()))
    write(site / "api/v1/SHA256SUMS", sums)
    return site


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path / "releases.yaml", RELEASES)
    write(tmp_path / "CITATION.cff", CITATION)
    make_export(tmp_path / "site")
    return tmp_path


def run(repo: Path, *args: str) -> int:
    return release.main([*args, "--releases", str(repo / "releases.yaml"), "--citation", str(repo / "CITATION.cff")])


def test_newest_release_is_the_highest_version_not_the_last_listed(repo):
    assert release.newest_release(repo / "releases.yaml").version == "0.10.0"


def test_info_gives_the_tag_and_the_asset_name(repo, capsys):
    assert run(repo, "info") == 0
    assert capsys.readouterr().out.splitlines() == [
        "version=0.10.0", "tag=v0.10.0", "date=2026-02-01", "asset=leukemia-cell-therapy-kb-data-0.10.0.zip"]


def test_zip_holds_exactly_the_exported_files_under_one_folder(repo):
    assert run(repo, "package", "--site", str(repo / "site"), "--out", str(repo / "dist")) == 0
    with zipfile.ZipFile(repo / "dist/leukemia-cell-therapy-kb-data-0.10.0.zip") as archive:
        names = sorted(archive.namelist())
        assert archive.read("leukemia-cell-therapy-kb-data-0.10.0/api/v1/therapies/car-t.json") == \
            b'{"name": "CAR-T"}\n'
    assert names == [f"leukemia-cell-therapy-kb-data-0.10.0/api/v1/{name}" for name in
                     ["SHA256SUMS", "index.json", "therapies.json", "therapies/car-t.json"]]


def test_checksum_file_verifies_the_zip(repo):
    run(repo, "package", "--site", str(repo / "site"), "--out", str(repo / "dist"))
    digest = hashlib.sha256((repo / "dist/leukemia-cell-therapy-kb-data-0.10.0.zip").read_bytes()).hexdigest()
    assert (repo / "dist/SHA256SUMS").read_text() == f"{digest}  leukemia-cell-therapy-kb-data-0.10.0.zip\n"


def test_same_data_gives_the_same_zip_bytes(repo):
    rel = release.newest_release(repo / "releases.yaml")
    release.write_zip(repo / "site", rel, repo / "a.zip")
    for path in (repo / "site").rglob("*"):
        path.touch()  # new modification times must not matter
    release.write_zip(repo / "site", rel, repo / "b.zip")
    assert (repo / "a.zip").read_bytes() == (repo / "b.zip").read_bytes()


def test_notes_list_every_change_of_the_release(repo):
    notes = release.release_notes(release.newest_release(repo / "releases.yaml"))
    assert "- Second, with 'quotes'.\n- Third.\n" in notes
    assert "First." not in notes


def test_site_built_from_other_data_is_refused(repo, capsys):
    make_export(repo / "site", version="0.9.0")
    assert run(repo, "package", "--site", str(repo / "site"), "--out", str(repo / "dist")) == 1
    assert "the site holds data version '0.9.0', not the newest release '0.10.0'" in capsys.readouterr().err
    assert not (repo / "dist").exists()


def test_a_file_that_does_not_match_its_checksum_is_refused(repo, capsys):
    (repo / "site/api/v1/therapies.json").write_text("tampered\n")
    assert run(repo, "check", "--site", str(repo / "site")) == 1
    assert "SHA256SUMS:2:1: error: the checksum of therapies.json does not match the file" in capsys.readouterr().err


def test_a_file_missing_from_the_checksum_list_is_refused(repo, capsys):
    write(repo / "site/api/v1/extra.csv", "id\n")
    assert run(repo, "check", "--site", str(repo / "site")) == 1
    assert "error: extra.csv is not listed" in capsys.readouterr().err


def test_citation_naming_an_older_release_is_refused(repo, capsys):
    write(repo / "CITATION.cff", CITATION.replace("0.10.0", "0.9.0"))
    assert run(repo, "check") == 1
    assert "version is '0.9.0', but the newest release in data/releases.yaml is '0.10.0'" in capsys.readouterr().err


def test_citation_with_another_date_is_refused(repo, capsys):
    write(repo / "CITATION.cff", CITATION.replace("2026-02-01", "2026-01-31"))
    assert run(repo, "check") == 1
    assert "date-released is '2026-01-31', but release 0.10.0 is dated '2026-02-01'" in capsys.readouterr().err


def test_the_repository_citation_names_the_newest_release():
    assert release.main(["check"]) == 0
