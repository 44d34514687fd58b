"""Runs the ``kb`` command from this checkout without installing it: pre-commit's hooks run in environments of
their own (.pre-commit-config.yaml), which have the project's dependencies but not the project.

    python scripts/kb_hook.py validate --strict
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb.cli import main  # importable thanks to the path above

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
