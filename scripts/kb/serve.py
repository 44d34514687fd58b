"""``kb serve``: MkDocs' development server with live reload forced on, watching data/ and scripts/.

(Click 8.3+ turns reloading off for a plain ``mkdocs serve`` unless ``--livereload`` is passed.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.commands.serve import serve

# MkDocs re-executes the hook file on every rebuild, so the last good model lives here, in a module
# that is imported once per process.
LAST_GOOD: dict[str, Any] = {}


def serve_site(config_file: Path, dev_addr: str) -> int:
    serve(config_file=str(config_file), livereload=True, dev_addr=dev_addr)
    return 0
