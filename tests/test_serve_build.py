"""`kb serve` rebuilds only the pages a change touches, and the site it then serves is the site a whole build
makes, byte for byte."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmarks.synthetic import generate_dataset
from kb.problems import DataError
from kb.serve_build import Preview

from tests.conftest import REPO

Edit = Callable[[Path], None]


def replace(folder: str, index: int, old: str, new: str) -> Edit:
    def edit(data: Path) -> None:
        path = sorted((data / folder).glob("*.yaml"))[index]
        text = path.read_text()
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1))
    return edit


def replace_in(name: str, old: str, new: str) -> Edit:
    def edit(data: Path) -> None:
        text = (data / name).read_text()
        assert old in text, (name, old)
        (data / name).write_text(text.replace(old, new, 1))
    return edit


def add_trial(data: Path) -> None:
    shutil.copy(sorted((data / "trials").glob("*.yaml"))[3], data / "trials" / "synth-trial-99999.yaml")


def remove_added_trial(data: Path) -> None:
    (data / "trials" / "synth-trial-99999.yaml").unlink()


# Edits in the order they are made, each on the data the one before left.
EDITS: list[tuple[str, Edit, int]] = [  # name, edit, at most this many pages converted
    ("a trial's summary", replace("trials", 2, "summary: ", "summary: Edited. "), 3),
    ("a product's name (its place in every list)", replace("products", 1, "name: Lorem", "name: Zzz Lorem"), 60),
    ("a trial added", add_trial, 60),
    ("that trial removed", remove_added_trial, 60),
    ("a source's citation", replace_in("sources.yaml", "citation: 'Lorem I", "citation: 'Edited I"), 60),
    ("an older entry in a trial's review history (What's new, not the latest review)",
     replace("trials", 4, "review_history:\n", "review_history:\n- date: '2026-01-10'\n  change: Checked.\n"), 60),
    ("a challenge's latest review", replace("challenges", 0, "last_reviewed: '2026-01-15'",
                                            "last_reviewed: '2026-01-20'"), 60),
    ("a therapy's tags", replace("therapies", 0, "\nsources:", "\ntags: [car-t]\nsources:"), 60),
    ("the glossary (every page)", replace_in("glossary.yaml", "term: lorem quux", "term: lorem quuux"), 10_000),
]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return generate_dataset(tmp_path_factory.mktemp("serve") / "data", 40)


def whole_build(data: Path) -> tuple[dict, int]:
    """The files of a whole build of ``data``, and how many pages it converted (every page)."""
    with Preview(REPO / "mkdocs.yml", data) as preview:
        outcome = preview.build_all()
        return outcome.site.files(), outcome.pages


def test_after_each_save_the_site_is_what_a_whole_build_makes_and_only_touched_pages_were_converted(
        synthetic, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770000000")
    with Preview(REPO / "mkdocs.yml", synthetic) as preview:
        preview.build_all()
        for name, edit, most in EDITS:
            edit(synthetic)
            outcome = preview.update()
            expected, everything = whole_build(synthetic)
            served = outcome.site.files()
            different = sorted(path for path in served.keys() | expected.keys()
                               if served.get(path) != expected.get(path))
            assert different == [], f"after {name}: {different[:10]}"
            assert outcome.pages <= min(most, everything), f"after {name}: {outcome.pages} pages converted"


def test_a_data_error_keeps_the_last_site_and_the_next_good_save_catches_up(synthetic, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770000000")
    with Preview(REPO / "mkdocs.yml", synthetic) as preview:
        first = preview.build_all().site.files()
        trial = sorted((synthetic / "trials").glob("*.yaml"))[0]
        good = trial.read_text()
        trial.write_text(good.replace("phase: ", "phase: phase 9 #", 1))
        with pytest.raises(DataError):
            preview.update()
        trial.write_text(good.replace("summary: ", "summary: Fixed. ", 1))
        outcome = preview.update()
        assert outcome.site.files() != first
        assert outcome.site.files() == whole_build(synthetic)[0]
