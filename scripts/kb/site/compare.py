"""Side-by-side comparisons derived from the model: therapies and products.

Each cell keeps the source ids behind it, so the rendered tables cite every figure and the CSV downloads
carry the same rows. Columns have a key and a title: templates and charts address a cell by its column's
key, never by its position. Figures are picked by their standard ``metric`` key, never by wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kb.model import Entity, KnowledgeBase
from kb.site.figures import format_figure_value, format_number


@dataclass(frozen=True)
class Cell:
    text: str
    sources: tuple[str, ...] = ()
    sort_key: float | str | None = None  # numeric value for sorting, where there is one


@dataclass
class Comparison:
    columns: dict[str, str]  # key -> title, in the order the table shows them
    rows: list[tuple[Entity, dict[str, Cell]]] = field(default_factory=list)  # each row's cells by column key

    def add(self, entity: Entity, cells: dict[str, Cell]) -> None:
        if list(cells) != list(self.columns):
            raise ValueError(f"a row of {entity.id} has the cells {list(cells)}, not the columns {list(self.columns)}")
        self.rows.append((entity, cells))


def describe_figure(figure: dict[str, Any], with_scale: bool = False) -> str:
    """The figure's value with the facts a comparison needs beside it: n, grading scale, market."""
    text = format_figure_value(figure)
    details = []
    if "n" in figure:
        details.append(f"n = {figure['n']:,}")
    if with_scale and "grading_scale" in figure:
        details.append(figure["grading_scale"])
    if "market" in figure:
        details.append(figure["market"])
    return text + (f" ({'; '.join(details)})" if details else "")


def figures_about_product(kb: KnowledgeBase, product: Entity) -> list[dict[str, Any]]:
    """Figures about the product: those from its pivotal trials first (its own, then the trials'), then the rest."""
    pivotal = product.data.get("pivotal_trials", [])
    found = list(product.data.get("figures", []))
    for trial_id in pivotal:
        trial = kb.entities.get(trial_id)
        for figure in (trial.data.get("figures", []) if trial else []):
            if figure.get("product", product.id) == product.id:
                found.append({**figure, "trial": figure.get("trial", trial_id)})
    return sorted(found, key=lambda figure: figure.get("trial") not in pivotal)


def _first(figures: list[dict[str, Any]], *metrics: str) -> dict[str, Any] | None:
    for metric in metrics:
        for figure in figures:
            if figure.get("metric") == metric:
                return figure
    return None


def _figure_cell(figure: dict[str, Any] | None, with_scale: bool = False) -> Cell:
    if figure is None:
        return Cell("—")
    return Cell(describe_figure(figure, with_scale), tuple(figure["sources"]), float(figure["value"]))


def _first_approval(product: Entity, regulators: tuple[str, ...]) -> Cell:
    approvals = sorted((a for a in product.data.get("approvals", []) if a["regulator"] in regulators),
                       key=lambda a: (a["date"], regulators.index(a["regulator"])))
    if not approvals:
        return Cell("—")
    first = approvals[0]
    label = first["date"] if len(regulators) == 1 else f"{first['date']} ({first['regulator']})"
    return Cell(label, tuple(first["sources"]), first["date"])


def compare_products(kb: KnowledgeBase) -> Comparison:
    comparison = Comparison({
        "product": "Product", "target": "Target", "costimulatory_domain": "Costimulatory domain",
        "indications": "Indications", "first_fda_approval": "First FDA approval", "first_eu_step": "First EU step",
        "pivotal_trials": "Pivotal trial", "response": "Response", "crs_grade_3_plus": "CRS grade ≥3",
        "icans_grade_3_plus": "ICANS grade ≥3", "list_price": "List price at launch"})
    for product in kb.of_type("product"):
        d = product.data
        figures = figures_about_product(kb, product)
        construct = d.get("construct", {})
        diseases = sorted({kb.entities[i["disease"]].name for i in d.get("indications", [])})
        trials = [kb.entities[t].name for t in d.get("pivotal_trials", [])]
        comparison.add(product, {
            "product": Cell(product.name + (f" ({d['brand']})" if "brand" in d else ""), (), product.name.lower()),
            "target": Cell(d.get("target", "—")),
            "costimulatory_domain": Cell(construct.get("costimulatory_domain", "—"),
                                         tuple(construct.get("sources", [])) if "costimulatory_domain" in construct
                                         else ()),
            "indications": Cell("; ".join(diseases) or "—",
                                tuple(s for i in d.get("indications", []) for s in i["sources"])),
            "first_fda_approval": _first_approval(product, ("FDA",)),
            "first_eu_step": _first_approval(product, ("EMA CHMP", "European Commission")),
            "pivotal_trials": Cell(", ".join(trials) or "—"),
            "response": _figure_cell(_first(figures, "overall-remission", "complete-remission")),
            "crs_grade_3_plus": _figure_cell(_first(figures, "crs-grade-3-plus"), with_scale=True),
            "icans_grade_3_plus": _figure_cell(_first(figures, "icans-grade-3-plus"), with_scale=True),
            "list_price": _figure_cell(_first(figures, "list-price")),
        })
    return comparison


def compare_therapies(kb: KnowledgeBase) -> Comparison:
    comparison = Comparison({
        "therapy": "Therapy", "cell_source": "Source of cells", "off_the_shelf": "Off the shelf",
        "time": "Vein-to-vein or manufacturing time", "toxicities": "Main toxicities", "status": "Status",
        "curative_intent": "Curative intent", "cost": "Cost"})
    for therapy in kb.of_type("therapy"):
        d = therapy.data
        products = [p for p in kb.referrers(therapy.id, "therapy") if p.type.name == "product"]
        time = _first(d.get("figures", []), "vein-to-vein-time")
        prices = [f for f in d.get("figures", []) if f.get("metric") == "list-price"]
        prices += [f for p in products for f in p.data.get("figures", []) if f.get("metric") == "list-price"
                   and f["unit"] == "USD"]
        usd = [f for f in prices if f["unit"] == "USD"]
        if usd:
            low, high = min(usd, key=lambda f: f["value"]), max(usd, key=lambda f: f["value"])
            span = describe_figure(low) if low is high else \
                f"USD {format_number(low['value'])} to {format_number(high['value'])} (US list prices at launch)"
            cost = Cell(span, tuple(dict.fromkeys(s for f in (low, high) for s in f["sources"])), float(low["value"]))
        else:
            cost = Cell("—")
        toxicities = [kb.entities[r["challenge"]].name for r in d.get("risks", [])
                      if kb.entities[r["challenge"]].data.get("category") == "toxicity"]
        comparison.add(therapy, {
            "therapy": Cell(therapy.name, (), therapy.name.lower()),
            "cell_source": Cell(d.get("cell_source", "—")),
            "off_the_shelf": Cell({True: "Yes", False: "No"}.get(d.get("off_the_shelf"), "—")),
            "time": _figure_cell(time),
            "toxicities": Cell(", ".join(toxicities) or "—"),
            "status": Cell(d["status"].replace("-", " ").capitalize()),
            "curative_intent": Cell(d.get("curative_intent", "—")),
            "cost": cost,
        })
    return comparison
