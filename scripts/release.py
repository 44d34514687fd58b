"""Data releases: the newest entry of ``data/releases.yaml`` as a tag, release notes and a zip of the open data.

    python scripts/release.py info                              # version=…, tag=…, date=… (for $GITHUB_OUTPUT)
    python scripts/release.py check [--site site]               # what the release would need, without writing
    python scripts/release.py package --site site --out dist    # the files the release workflow attaches

The newest release is the highest version number (``0.10.0`` is newer than ``0.9.0``), as on the site.
``package`` writes, for version V:

- ``leukemia-cell-therapy-kb-data-V.zip``: the exported data, ``api/v1/`` of the built site, under one folder
  ``leukemia-cell-therapy-kb-data-V/api/v1/``, its own ``SHA256SUMS`` included. The same data gives the same bytes
  (entries sorted, dated the release date).
- ``SHA256SUMS``: the checksum of the zip (``sha256sum -c SHA256SUMS`` checks it).
- ``notes.md``: the release notes, from the release's ``changes``.

It refuses (exit 1, one ``PATH:LINE:COL: error: MESSAGE`` line per problem) when the built site holds another
version of the data than the newest release, when a checksum in ``api/v1/SHA256SUMS`` does not match its file or
a file is missing from it, or when ``CITATION.cff`` does not name the newest release and its date.
``check`` makes the same checks (the site's only when ``--site`` is given); ``scripts/test.sh`` runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
NAME = "leukemia-cell-therapy-kb-data"
API = "api/v1"


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    changes: list[str]

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def asset(self) -> str:
        return f"{NAME}-{self.version}.zip"

    @property
    def folder(self) -> str:
        return f"{NAME}-{self.version}"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def newest_release(releases_file: Path) -> Release:
    releases = yaml.safe_load(releases_file.read_text(encoding="utf-8")) or {}
    if not releases:
        raise ValueError(f"{releases_file}:1:1: error: no release is listed")
    version = max((str(v) for v in releases), key=_version_key)
    entry = releases[version]
    return Release(version, str(entry["date"]), [str(change) for change in entry.get("changes", [])])


def release_notes(release: Release) -> str:
    lines = [f"Data release {release.version} of the Leukemia Cell Therapy Knowledge Base, {release.date}.", "",
             "## Changes", ""]
    lines += [f"- {change}" for change in release.changes]
    lines += ["", "## Files", "",
              f"- `{release.asset}`: the exported data (`{API}/` of the site): JSON per type and per entity, the "
              "JSON Schemas, the comparison tables as CSV, and `SHA256SUMS` for every file inside.",
              "- `SHA256SUMS`: the checksum of the zip; check it with `sha256sum -c SHA256SUMS`.", "",
              "Content and data are licensed under CC BY 4.0. How to cite this release: see the How to cite page "
              "of the site, or `CITATION.cff` in the repository."]
    return "\n".join(lines) + "\n"


def citation_problems(citation_file: Path, release: Release) -> list[str]:
    """CITATION.cff must name the newest release and its date."""
    if not citation_file.is_file():
        return [f"{citation_file}:1:1: error: missing; it says how to cite release {release.version}"]
    citation = yaml.safe_load(citation_file.read_text(encoding="utf-8")) or {}
    problems = []
    if str(citation.get("version")) != release.version:
        problems.append(f"{citation_file}:1:1: error: version is {citation.get('version')!r}, but the newest release "
                        f"in data/releases.yaml is {release.version!r}")
    if str(citation.get("date-released")) != release.date:
        problems.append(f"{citation_file}:1:1: error: date-released is {citation.get('date-released')!r}, but "
                        f"release {release.version} is dated {release.date!r}")
    return problems


def export_problems(site: Path, release: Release) -> list[str]:
    """The built site's open data must be the release's, and its checksum list must match every file."""
    api = site / API
    index = api / "index.json"
    if not index.is_file():
        return [f"{index}:1:1: error: missing; build the site first (kb build --strict)"]
    problems = []
    version = json.loads(index.read_text(encoding="utf-8")).get("version")
    if version != release.version:
        problems.append(f"{index}:1:1: error: the site holds data version {version!r}, not the newest release "
                        f"{release.version!r}")
    sums = api / "SHA256SUMS"
    listed: dict[str, str] = {}
    if sums.is_file():
        for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
            digest, _, name = line.partition("  ")
            listed[name] = digest
            target = api / name
            if not target.is_file():
                problems.append(f"{sums}:{number}:1: error: {name} is listed but missing")
            elif hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                problems.append(f"{sums}:{number}:1: error: the checksum of {name} does not match the file")
    else:
        problems.append(f"{sums}:1:1: error: missing")
    for path in sorted(p for p in api.rglob("*") if p.is_file()):
        name = path.relative_to(api).as_posix()
        if name != "SHA256SUMS" and name not in listed:
            problems.append(f"{sums}:1:1: error: {name} is not listed")
    return problems


def write_zip(site: Path, release: Release, target: Path) -> None:
    """The exported data as a zip whose bytes depend only on the data and the release date."""
    year, month, day = (int(part) for part in release.date.split("-"))
    api = site / API
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in api.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(f"{release.folder}/{API}/{path.relative_to(api).as_posix()}",
                                    date_time=(year, month, day, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())


def package(site: Path, out: Path, release: Release) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    archive = out / release.asset
    write_zip(site, release, archive)
    sums = out / "SHA256SUMS"
    sums.write_text(f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n", encoding="utf-8")
    notes = out / "notes.md"
    notes.write_text(release_notes(release), encoding="utf-8")
    return [archive, sums, notes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("command", choices=["info", "check", "package"])
    parser.add_argument("--site", type=Path, default=None, help="the built site (package: default site)")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="where package writes (default: dist)")
    parser.add_argument("--releases", type=Path, default=REPO / "data" / "releases.yaml")
    parser.add_argument("--citation", type=Path, default=REPO / "CITATION.cff")
    args = parser.parse_args(argv)
    try:
        release = newest_release(args.releases)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        print(f"{args.releases}:1:1: error: cannot read the newest release: {exc}", file=sys.stderr)
        return 1
    if args.command == "info":
        print(f"version={release.version}\ntag={release.tag}\ndate={release.date}\nasset={release.asset}")
        return 0
    site = args.site if args.site is not None else (Path("site") if args.command == "package" else None)
    problems = citation_problems(args.citation, release)
    if site is not None:
        problems += export_problems(site, release)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    if args.command == "package":
        for path in package(site, args.out, release):
            print(f"wrote {path}", file=sys.stderr)
    else:
        print(f"release {release.version} ({release.tag}, {release.date}): ready", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
