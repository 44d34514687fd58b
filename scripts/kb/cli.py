"""The ``kb`` command: validate the data, render it to Markdown, build or serve the site.

Every failure a curator can cause ends in ``PATH:LINE:COL: error: MESSAGE`` lines and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from kb.clock import ClockError
from kb.data.schemas import SchemaError, load_schemas
from kb.problems import DataError, Problem, one_line


def _default_data() -> Path:
    """The data folder: KB_DATA_DIR when set (the same for every command and for what kb serve watches)."""
    return Path(os.environ.get("KB_DATA_DIR", "data"))


def _print_problems(problems: list[Problem], *, strict: bool) -> None:
    """Errors first, then warnings, then notes, each sorted by file and position (strict makes every warning an
    error)."""
    shown = [p.as_error() if p.blocks(strict) else p for p in problems]
    for severity, heading in (("error", "Errors"), ("warning", "Warnings"), ("note", "Notes")):
        group = sorted(p for p in shown if p.severity == severity)
        if group:
            print(f"{heading} ({len(group)}) in {len({p.path for p in group})} file(s):", file=sys.stderr)
            for problem in group:
                print(problem, file=sys.stderr)


def command_validate(args: argparse.Namespace) -> int:
    from kb.data.validate import check_data, check_files

    # With files: those files only, and what they refer to (editors, pre-commit); else all the data.
    problems = check_files(args.data, args.files) if args.files else check_data(args.data).problems
    errors = [p for p in problems if p.blocks(args.strict)]
    notes = [p for p in problems if p.severity == "note"]
    if args.format == "json":
        print(json.dumps({
            "ok": not errors,
            "errors": [vars(p) for p in errors],
            "warnings": [vars(p) for p in problems if p.severity == "warning" and not p.blocks(args.strict)],
            "notes": [vars(p) for p in notes],
        }, indent=2))
    else:
        _print_problems(problems, strict=args.strict)
        warnings = len(problems) - len(errors) - len(notes)
        print(f"{len(errors)} error(s), {warnings} warning(s)" + (f", {len(notes)} note(s)" if notes else ""),
              file=sys.stderr)
    return 1 if errors else 0


def command_render(args: argparse.Namespace) -> int:
    from kb.model import load_knowledge_base
    from kb.site.plan import render_site

    pages = render_site(load_knowledge_base(args.data, strict=args.strict))
    if args.out.exists() and not args.out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "the output is a file, not a folder", str(args.out))
    # Written into a new folder beside the output first: a failure (a full disk) leaves the output as it was.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{args.out.name}-", dir=args.out.parent) as staging:
        for relative, content in pages.items():
            target = Path(staging) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        shutil.copytree(staging, args.out, dirs_exist_ok=True)
    print(f"wrote {len(pages)} page(s) to {args.out}", file=sys.stderr)
    return 0


def command_build(args: argparse.Namespace) -> int:
    from kb.build import BuildFailed, build_site

    try:
        build_site(args.config, args.site_dir, strict=args.strict)
    except BuildFailed as exc:
        print(Problem(str(args.config), 1, 1, f"the site build failed: {one_line(str(exc))}; the previous site is "
                      "unchanged", code="build-failed"), file=sys.stderr)
        return 1
    print(f"site built in {args.site_dir}/", file=sys.stderr)
    if not os.environ.get("SITE_URL"):
        print("note: SITE_URL is not set, so the site's absolute addresses (canonical links, sitemap, feed, shared "
              "data) point to http://127.0.0.1:8000/; set it to the published address to publish this build",
              file=sys.stderr)
    return 0


def command_serve(args: argparse.Namespace) -> int:
    from kb.serve import serve_site

    return serve_site(args.config, args.dev_addr)


def command_new(args: argparse.Namespace) -> int:
    from kb.scaffold import ScaffoldError, scaffold_entity, scaffold_source

    schemas = load_schemas(args.data / "schema")
    try:
        if args.type == "source":
            if args.like:
                raise ScaffoldError("--like takes the shape of an entity; a source has one shape")
            path = scaffold_source(schemas, args.id, args.data)
        else:
            path = scaffold_entity(schemas, args.type, args.id, args.data, like=args.like)
    except ScaffoldError as exc:
        print(f"kb new: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}; fill in every TODO, then run `kb validate`", file=sys.stderr)
    return 0


def command_bench(args: argparse.Namespace) -> int:
    from benchmarks.bench import main as run_benchmark  # not part of the runtime: loaded only when asked for

    return run_benchmark(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="Leukemia cell therapy knowledge base tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", help="check every data file (or the files given) and report all problems")
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE",
                          help="check only these data files, and the ids and trials they refer to")
    validate.add_argument("--data", type=Path, default=_default_data(),
                          help="data folder (default: $KB_DATA_DIR or data)")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.set_defaults(handler=command_validate)

    render = sub.add_parser("render", help="write the generated Markdown pages to a folder")
    render.add_argument("--out", type=Path, required=True)
    render.add_argument("--data", type=Path, default=_default_data())
    render.add_argument("--strict", action="store_true")
    render.set_defaults(handler=command_render)

    build = sub.add_parser("build", help="validate, then build the site atomically")
    build.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument("--strict", action="store_true", help="treat data warnings as errors")
    build.set_defaults(handler=command_build)

    new = sub.add_parser("new", help="start a new data file from its schema, every field explained")
    new.add_argument("type", help="an entity type its schema declares (therapy, product, trial, …) or 'source'")
    new.add_argument("id", help="kebab-case id; becomes the file name and the permanent URL")
    new.add_argument("--like", metavar="OTHER-ID",
                     help="start from the shape of an existing entity of the type: its fields and lists, no facts")
    new.add_argument("--data", type=Path, default=_default_data())
    new.set_defaults(handler=command_new)

    serve = sub.add_parser("serve", help="preview the site with live reload on data changes")
    serve.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    serve.add_argument("--dev-addr", default="127.0.0.1:8000")
    serve.set_defaults(handler=command_serve)

    bench = sub.add_parser("bench", help="benchmark the pipeline and the site build on synthetic data",
                           add_help=False)  # its own options are parsed by the benchmark (benchmarks/bench.py)
    bench.set_defaults(handler=command_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")  # Material's banner would bury our own messages
    logging.basicConfig(format="%(levelname)-7s -  %(message)s", level=logging.INFO)
    args, rest = build_parser().parse_known_args(argv)
    if rest and args.command != "bench":
        build_parser().parse_args(argv)  # reports the unknown arguments and exits
    args.rest = rest
    try:
        return args.handler(args)
    except DataError as exc:
        _print_problems(exc.problems, strict=True)
        print(f"{len(exc.problems)} error(s); nothing was written", file=sys.stderr)
    except SchemaError as exc:
        print(exc.problem, file=sys.stderr)
        print("1 error(s); nothing was written", file=sys.stderr)
    except ClockError as exc:
        print(f"kb {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
    except OSError as exc:  # a folder or file that cannot be written: a full disk, no permission, a file in the way
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"kb {args.command}: error: {exc.strerror or exc}{where}; nothing was changed", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
