"""The ``kb`` command: validate the data, render it to Markdown, build or serve the site.

Every failure a curator can cause ends in ``PATH:LINE:COL: error: MESSAGE`` lines and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from kb.problems import DataError, Problem

DEFAULT_DATA = Path("data")


def _print_problems(problems: list[Problem], *, strict: bool) -> None:
    """Errors first, then warnings, each sorted by file and position (strict makes every warning an error)."""
    shown = [p if p.is_error or not strict else Problem(p.path, p.line, p.column, p.message, "error")
             for p in problems]
    for severity, heading in (("error", "Errors"), ("warning", "Warnings")):
        group = sorted(p for p in shown if p.severity == severity)
        if group:
            print(f"{heading} ({len(group)}) in {len({p.path for p in group})} file(s):", file=sys.stderr)
            for problem in group:
                print(problem, file=sys.stderr)


def command_validate(args: argparse.Namespace) -> int:
    from kb.pipeline import check_data

    _, problems, _ = check_data(args.data, split=True)
    errors = [p for p in problems if p.is_error or args.strict]
    if args.format == "json":
        print(json.dumps({
            "ok": not errors,
            "errors": [vars(p) for p in problems if p.is_error or args.strict],
            "warnings": [vars(p) for p in problems if not (p.is_error or args.strict)],
        }, indent=2))
    else:
        _print_problems(problems, strict=args.strict)
        warnings = len(problems) - len(errors)
        print(f"{len(errors)} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def command_render(args: argparse.Namespace) -> int:
    from kb.pipeline import load_knowledge_base
    from kb.render import render_site_pages

    knowledge_base = load_knowledge_base(args.data, strict=args.strict, split=True)
    pages = render_site_pages(knowledge_base, split=True)
    for relative, content in pages.items():
        target = args.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    print(f"wrote {len(pages)} page(s) to {args.out}", file=sys.stderr)
    return 0


def command_build(args: argparse.Namespace) -> int:
    from kb.build import BuildFailed, build_site

    try:
        build_site(args.config, args.site_dir, strict=args.strict)
    except BuildFailed as exc:
        print(f"{args.config}:1:1: error: the site build failed: {exc}; the previous site is unchanged",
              file=sys.stderr)
        return 1
    print(f"site built in {args.site_dir}/", file=sys.stderr)
    return 0


def command_serve(args: argparse.Namespace) -> int:
    from kb.serve import serve_site

    return serve_site(args.config, args.dev_addr)


def command_new(args: argparse.Namespace) -> int:
    from kb.scaffold import ScaffoldError, scaffold_entity, scaffold_source
    from kb.validate import load_schemas

    schemas = load_schemas(args.data / "schema")
    try:
        if args.type == "source":
            path = scaffold_source(schemas, args.id, args.data)
        else:
            path = scaffold_entity(schemas, args.type, args.id, args.data)
    except ScaffoldError as exc:
        print(f"kb new: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}; fill in every TODO, then run `kb validate`", file=sys.stderr)
    return 0


def command_bench(args: argparse.Namespace) -> int:
    from kb.bench import run_from_arguments

    return run_from_arguments(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="Leukemia cell therapy knowledge base tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser("validate", help="check every data file and report all problems")
    validate.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder (default: data)")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.set_defaults(handler=command_validate)

    render = sub.add_parser("render", help="write the generated Markdown pages to a folder")
    render.add_argument("--out", type=Path, required=True)
    render.add_argument("--data", type=Path, default=DEFAULT_DATA)
    render.add_argument("--strict", action="store_true")
    render.set_defaults(handler=command_render)

    build = sub.add_parser("build", help="validate, then build the site atomically")
    build.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument("--strict", action="store_true", help="treat data warnings as errors")
    build.set_defaults(handler=command_build)

    new = sub.add_parser("new", help="start a new data file from its schema, every field explained")
    new.add_argument("type", choices=["therapy", "product", "trial", "challenge", "disease", "source"])
    new.add_argument("id", help="kebab-case id; becomes the file name and the permanent URL")
    new.add_argument("--data", type=Path, default=DEFAULT_DATA)
    new.set_defaults(handler=command_new)

    serve = sub.add_parser("serve", help="preview the site with live reload on data changes")
    serve.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    serve.add_argument("--dev-addr", default="127.0.0.1:8000")
    serve.set_defaults(handler=command_serve)

    from kb.bench import add_arguments as add_bench_arguments

    bench = sub.add_parser("bench", help="benchmark the pipeline and the site build on synthetic data")
    add_bench_arguments(bench)
    bench.set_defaults(handler=command_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")  # Material's banner would bury our own messages
    logging.basicConfig(format="%(levelname)-7s -  %(message)s", level=logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except DataError as exc:
        _print_problems(exc.problems, strict=True)
        print(f"{len(exc.problems)} error(s); nothing was written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
