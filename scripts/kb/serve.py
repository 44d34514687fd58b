"""``kb serve``: MkDocs' development server with live reload forced on, watching data/ and scripts/.

(Click 8.3+ turns reloading off for a plain ``mkdocs serve`` unless ``--livereload`` is passed.) A data error
while serving keeps the last good data on screen, with the errors at the top of every page (see
:mod:`kb.mkdocs.plugin`).
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.commands.serve import serve


def serve_site(config_file: Path, dev_addr: str) -> int:
    serve(config_file=str(config_file), livereload=True, dev_addr=dev_addr)
    return 0
