"""The code keeps the shape a newcomer relies on: types come from the schemas, templates name their columns,
the benchmark stays out of the runtime."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, run_kb, write

TEMPLATES = REPO / "scripts" / "kb" / "site" / "templates"


def test_templates_address_table_cells_by_column_name_never_by_position():
    numeric_index = re.compile(r"\b(cells|row|cell|columns)\s*\[\s*-?\d+\s*\]")
    offenders = [f"{path.relative_to(REPO)}:{number}" for path in TEMPLATES.rglob("*.j2")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if numeric_index.search(line)]
    assert offenders == []


def test_importing_the_kb_command_does_not_load_the_benchmark():
    code = "import sys, kb.cli; print(sorted(m for m in sys.modules if m.startswith('benchmarks')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_module_of_the_runtime_lists_the_entity_types():
    types = [json.loads(path.read_text())["x-type"] for path in (REPO / "data" / "schema").glob("*.schema.json")
             if "x-type" in json.loads(path.read_text())]
    assert len(types) >= 5
    listing = re.compile("|".join(rf"""["']{name}["']""" for name in types))
    # A line naming three or more types is a list of them; one type named for its own sake (the product
    # comparison reads products) is fine.
    offenders = [f"{path.relative_to(REPO)}:{number}" for path in (REPO / "scripts" / "kb").rglob("*.py")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if len(set(listing.findall(line))) >= 3]
    assert offenders == []


NEW_TYPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Regimen",
    "description": "A conditioning or lymphodepletion regimen.", "x-type": "regimen", "x-plural": "regimens",
    "x-directory": "regimens", "x-order": 8, "type": "object", "additionalProperties": False,
    "required": ["name", "summary", "plain_summary", "drugs", "last_reviewed", "reviewed_by", "sources"],
    "properties": {
        "name": {"$ref": "common.schema.json#/$defs/name"},
        "summary": {"$ref": "common.schema.json#/$defs/summary"},
        "plain_summary": {"$ref": "common.schema.json#/$defs/plainSummary"},
        "drugs": {"$ref": "common.schema.json#/$defs/plainText"},
        "sources": {"$ref": "common.schema.json#/$defs/sourceIds"},
        "last_reviewed": {"$ref": "common.schema.json#/$defs/lastReviewed"},
        "reviewed_by": {"$ref": "common.schema.json#/$defs/reviewedBy"},
    },
}
NEW_TYPE_TEMPLATE = """{% extends "entity.md.j2" %}
{% block body %}
## Drugs

{{ d.drugs | plain }}
{% endblock %}
"""
NEW_ENTITY = """# yaml-language-server: $schema=../schema/regimen.schema.json
name: Fludarabine and cyclophosphamide
summary: Lymphodepletion before CAR-T [@maude-2018-nejm].
plain_summary: Chemotherapy given a few days before the CAR-T cells.
drugs: Fludarabine and cyclophosphamide
sources: [maude-2018-nejm]
last_reviewed: '2026-01-15'
reviewed_by: Test team
"""


def test_a_new_entity_type_needs_only_its_schema_and_its_template(project: Path, tmp_path: Path):
    """The Contributing page's walk-through: add a type with a schema and a template, add one entity, build."""
    (project / "scripts" / "kb").unlink()  # the project links the real package: copy it, to add a template
    subprocess.run(["cp", "-r", str(REPO / "scripts" / "kb"), str(project / "scripts" / "kb")], check=True)
    write(project / "data" / "schema" / "regimen.schema.json", json.dumps(NEW_TYPE_SCHEMA, indent=2))
    write(project / "scripts" / "kb" / "site" / "templates" / "regimen" / "page.md.j2", NEW_TYPE_TEMPLATE)
    write(project / "data" / "regimens" / "flu-cy.yaml", NEW_ENTITY)
    env = {"PYTHONPATH": str(project / "scripts")}
    assert run_kb("new", "regimen", "bu-cy", cwd=project, env=env).returncode == 0
    (project / "data" / "regimens" / "bu-cy.yaml").unlink()  # kb new offered the type; the file is not needed
    result = run_kb("build", cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    page = (project / "site" / "regimens" / "flu-cy" / "index.html").read_text()
    assert "Fludarabine and cyclophosphamide" in page and "Drugs" in page
    assert "Regimens" in (project / "site" / "index.html").read_text()  # its index is in the navigation
    assert (project / "site" / "api" / "v1" / "regimens.json").is_file()
