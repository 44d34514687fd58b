"""Side-by-side comparisons derived from the model: therapies, products and trials.

Each cell keeps the source ids behind it, so the rendered tables cite every figure and the CSV downloads
carry the same rows. Columns have a key and a title: templates and charts address a cell by its column's
key, never by its position. Figures are picked by their standard ``metric`` key, never by wording, and every
row's figure by the same rule (:func:`best_figure`): the one closest to the trial's own paper, and a
toxicity about the same patients as the row's response where there is one (else its cell says whom it counts).

The product comparison is about CAR-T in leukemia: it lists the CAR-T products with a leukemia indication and
shows, for each, its leukemia approvals and the figures about its leukemias only. CAR-T products for lymphoma or
myeloma alone are context pages (:func:`context_products`); products of other kinds of cell therapy (a cord
blood graft, stromal cells for GVHD) have pages of their own and are named beside the table
(:func:`other_kinds_of_products`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from kb.model import Entity, KnowledgeBase
from kb.site.figures import format_figure_value, format_number

CAR_T = "car-t"  # the therapy kind (therapy schema) of the products the product comparison compares
# A response is overall remission (CR/CRi) where the data has it, then overall response (ORR), then CR.
RESPONSE_METRICS = ("overall-remission", "complete-remission", "overall-response", "mrd-negative-remission")
# CLL's response criteria count partial responses, and its trials report the overall response first.
CLL_RESPONSE_METRICS = ("overall-remission", "overall-response", "complete-remission", "mrd-negative-remission")
# A trial without a response figure is compared on survival (transplant trials, mostly).
SURVIVAL_METRICS = ("overall-survival", "leukemia-free-survival", "event-free-survival", "relapse-free-survival",
                    "gvhd-free-relapse-free-survival", "progression-free-survival")
TOXICITY_METRICS = ("crs-grade-3-plus", "icans-grade-3-plus", "acute-gvhd-grade-3-4", "acute-gvhd-grade-2-4",
                    "chronic-gvhd")
# Regulatory actions that put a leukemia on a label (a withdrawal or a change of wording does not).
APPROVING_ACTIONS = {"approval", "accelerated approval", "label expansion", "positive opinion",
                     "conditional marketing authorisation", "marketing authorisation"}
_FDA, _EU = ("FDA",), ("EMA CHMP", "European Commission")
_INNER_BRACKETS = re.compile(r"\s*\(([^()]*)\)")
_EVENT_COUNT = re.compile(r"\s*\([0-9][0-9,]* of [0-9][0-9,]*\)$")  # "... (10 of 117)" closing a population
_SECONDARY = {"news": "news", "press-release": "press release", "company": "company page", "web": "web page"}


@dataclass(frozen=True)
class Cell:
    text: str
    sources: tuple[str, ...] = ()
    sort_key: float | str | None = None  # the value the table sorts by, where the text does not start with it
    note: str = ""  # a short line under the value: where the figure comes from
    metric: str = ""  # the short label of the figure's metric, where the text starts with it (CR/CRi, ORR)
    measure: str = ""  # the metric of the figure whose value the cell shows (for the CSV), where it shows one
    unit: str = ""  # that figure's unit (%, USD, patients)


@dataclass
class Comparison:
    columns: dict[str, str]  # key -> title, in the order the table shows them
    rows: list[tuple[Entity, dict[str, Cell]]] = field(default_factory=list)  # each row's cells by column key

    def sources(self) -> list[str]:
        """The sources the table cites, in the order it cites them: row by row, each row's cells in column order
        after the first, which names the row (as the comparison_table macro writes them)."""
        cited_columns = list(self.columns)[1:]
        return list(dict.fromkeys(source for _, cells in self.rows for key in cited_columns
                                  for source in cells[key].sources))

    def add(self, entity: Entity, cells: dict[str, Cell]) -> None:
        if list(cells) != list(self.columns):
            raise ValueError(f"a row of {entity.id} has the cells {list(cells)}, not the columns {list(self.columns)}")
        self.rows.append((entity, cells))


# --- figures ------------------------------------------------------------------------------------------------

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
    # The details go in brackets: brackets inside one become commas ("at launch (July 2020)": "at launch, July 2020").
    flat = [_INNER_BRACKETS.sub(r", \1", detail) for detail in details]
    return text + (f" ({'; '.join(flat)})" if flat else "")


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


def provenance(kb: KnowledgeBase, figure: dict[str, Any], own_trials: Collection[str], *, of_trial: bool = False
               ) -> tuple[int, str]:
    """How far a figure is from the paper of one of ``own_trials`` (0: it comes from it), and where it comes
    from, in words. A figure the data calls a secondary report or a label's comes from there, whatever else it
    cites (a note may cite the paper it differs from); otherwise its sources say: a paper is a source of kind
    pubmed or doi; a label, one of kind regulator. A product's own trials are its pivotal trials; a trial's
    (``of_trial``), itself, whose name is then not repeated."""
    kinds = [kb.sources[source].data["kind"] for source in figure["sources"] if source in kb.sources]
    level, paper = figure.get("evidence_level"), bool({"pubmed", "doi"} & set(kinds))
    trial_id = figure.get("trial", "")
    own = trial_id in own_trials
    own_paper = "the trial's paper" if of_trial else "the pivotal trial's paper"
    if level == "secondary-report":
        rank, where = 3, _secondary_source(kinds)
    elif level == "regulatory-label" or ("regulator" in kinds and not paper):
        rank, where = 1, "the regulator's label or review"
    elif paper:
        rank, where = 0, own_paper if own else "a published paper"
    elif "conference-abstract" in kinds:
        rank, where = 2, "a conference abstract"
    else:
        rank, where = 3, _secondary_source(kinds)
    trial = f", {kb.entities[trial_id].name}" if trial_id in kb.entities and not (own and of_trial) else ""
    return (rank if own else rank + 4), f"From {where}{trial}"


def _secondary_source(kinds: list[str]) -> str:
    """"a secondary source", with the kinds of the sources that are not papers, labels or abstracts."""
    secondary = [_SECONDARY.get(kind, kind) for kind in kinds
                 if kind not in ("pubmed", "doi", "regulator", "conference-abstract")]
    return f"a secondary source ({', '.join(dict.fromkeys(secondary))})" if secondary else "a secondary source"


def best_figure(kb: KnowledgeBase, figures: list[dict[str, Any]], metrics: tuple[str, ...],
                own_trials: Collection[str] = (), beside: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The figure a comparison shows for ``metrics``: the closest to the paper of one of ``own_trials``; then,
    beside another figure of the row (``beside``, its response), one about the same population, then one from
    the same source; then the metric listed first, then the first in the data. Every row's cell is picked by
    this same rule."""
    candidates = [(provenance(kb, f, own_trials)[0], not same_population(f, beside), not same_source(f, beside),
                   metrics.index(f["metric"]), order, f)
                  for order, f in enumerate(figures) if f.get("metric") in metrics]
    return min(candidates, key=lambda candidate: candidate[:5])[5] if candidates else None


def same_population(figure: dict[str, Any], other: dict[str, Any] | None) -> bool:
    """Whether two figures count the same patients: the same trial and n (True without ``other``). A population
    is free text (one figure's says "39 of 55", another's not), so its trial and size stand for it."""
    return other is None or (figure.get("trial"), figure.get("n")) == (other.get("trial"), other.get("n"))


def same_source(figure: dict[str, Any], other: dict[str, Any] | None) -> bool:
    """Whether two figures share a source (True without ``other``)."""
    return other is None or bool(set(figure["sources"]) & set(other["sources"]))


def _first(figures: list[dict[str, Any]], *metrics: str) -> dict[str, Any] | None:
    for metric in metrics:
        for figure in figures:
            if figure.get("metric") == metric:
                return figure
    return None


def _figure_cell(figure: dict[str, Any] | None, with_scale: bool = False) -> Cell:
    if figure is None:
        return Cell("—")
    return Cell(describe_figure(figure, with_scale), tuple(figure["sources"]), float(figure["value"]),
                measure=figure.get("metric", ""), unit=figure.get("unit", ""))


def _compared_figure(kb: KnowledgeBase, figure: dict[str, Any] | None, own_trials: Collection[str], *,
                     label: bool = False, with_scale: bool = False, of_trial: bool = False,
                     beside: dict[str, Any] | None = None) -> Cell:
    """A picked figure's cell: its value (after its metric's short label, if ``label``), where it comes from and,
    if it counts other patients than the row's response (``beside``), whom it counts."""
    if figure is None:
        return Cell("—")
    text, metric = describe_figure(figure, with_scale), ""
    if label:
        metric = kb.metric_titles.get(figure["metric"], figure["metric"])
        text = f"{metric}: {text}"
    whom = _other_patients([figure], beside, "response")
    note = provenance(kb, figure, own_trials, of_trial=of_trial)[1] + (f". {whom}" if whom else "")
    return Cell(text, tuple(figure["sources"]), float(figure["value"]), note, metric, figure.get("metric", ""),
                figure.get("unit", ""))


def _other_patients(figures: list[dict[str, Any]], beside: dict[str, Any] | None, what: str) -> str:
    """"Other patients than the response's: adults treated in phase 1", for the first of ``figures`` that
    counts other patients than ``beside`` (the row's ``what``); "" if all count the same."""
    other = next((f for f in figures if beside is not None and not same_population(f, beside)), None)
    if other is None:
        return ""
    population = _EVENT_COUNT.sub("", other["population"])  # the events counted are the figure's, not whom
    if not population[:2].isupper():  # "Adults treated ..." reads "adults treated ..."; "ELIANA ..." stays
        population = population[0].lower() + population[1:]
    return f"Other patients than the {what}'s: {population}"


# --- products -----------------------------------------------------------------------------------------------

def response_metrics(diseases: Iterable[str]) -> tuple[str, ...]:
    """The response measures a row prefers, in order: remission with or without full count recovery (CR/CRi),
    then complete remission before the overall response (which counts partial responses too), except in CLL."""
    return CLL_RESPONSE_METRICS if set(diseases) == {"cll"} else RESPONSE_METRICS


def leukemia_diseases(product: Entity) -> list[str]:
    """The diseases of the product's indications. Every disease in the data is a leukemia (the disease
    schema's definition), so these are its leukemia indications; a lymphoma or myeloma use has none."""
    return list(dict.fromkeys(indication["disease"] for indication in product.data.get("indications", [])))


def kind_of_therapy(kb: KnowledgeBase, therapy_id: str) -> str:
    """The kind of cell therapy a therapy page is about (its ``kind``: car-t, nk-cell, stem-cell-transplant…)."""
    return str(kb.entities[therapy_id].data["kind"])


def is_car_t(kb: KnowledgeBase, product: Entity) -> bool:
    """Whether the product is a CAR-T product (its therapy's kind)."""
    return kind_of_therapy(kb, product.data["therapy"]) == CAR_T


def compared_products(kb: KnowledgeBase) -> list[Entity]:
    """The CAR-T products with a leukemia indication: the rows of the product comparison."""
    return [product for product in kb.of_type("product") if is_car_t(kb, product) and leukemia_diseases(product)]


def context_products(kb: KnowledgeBase) -> list[Entity]:
    """CAR-T products with no leukemia indication (lymphoma or myeloma only): context pages, not compared."""
    return [product for product in kb.of_type("product") if is_car_t(kb, product) and not leukemia_diseases(product)]


def other_kinds_of_products(kb: KnowledgeBase) -> list[Entity]:
    """Products of other kinds of cell therapy than CAR-T: not compared with the CAR-T products."""
    return [product for product in kb.of_type("product") if not is_car_t(kb, product)]


def leukemia_figures(kb: KnowledgeBase, product: Entity) -> list[dict[str, Any]]:
    """The product's figures about one of its leukemias: the figure's disease, else its trial's, is one."""
    diseases = set(leukemia_diseases(product))
    found = []
    for figure in figures_about_product(kb, product):
        trial = kb.entities.get(figure.get("trial", ""))
        about = {figure["disease"]} if "disease" in figure else set(trial.data.get("diseases", []) if trial else [])
        if about & diseases:
            found.append(figure)
    return found


def date_order(date: str) -> str:
    """What sorts an ISO date, full or partial, oldest first: a partial date ('2020', '2020-12') sorts after every
    full date of its year or month, since it is not known to come before any of them."""
    return date.ljust(len("YYYY-MM-DD"), "~")


def by_date(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with a ``date``, oldest first (see :func:`date_order`)."""
    return sorted(items, key=lambda item: date_order(item["date"]))


def first_approval(product: Entity) -> dict[str, Any] | None:
    """The product's first approval by any regulator, for any indication."""
    approvals = by_date(a for a in product.data.get("approvals", []) if a["action"] in APPROVING_ACTIONS)
    return approvals[0] if approvals else None


def leukemia_approvals(product: Entity) -> list[dict[str, Any]]:
    """The product's approvals of a leukemia indication (those naming a disease), oldest first."""
    return by_date(a for a in product.data.get("approvals", []) if "disease" in a and a["action"] in APPROVING_ACTIONS)


def leukemia_approval_events(kb: KnowledgeBase) -> list[tuple[Entity, dict[str, Any]]]:
    """Every leukemia approval of the compared products as (product, approval), oldest first."""
    events = [(product, approval) for product in compared_products(kb) for approval in leukemia_approvals(product)]
    return sorted(events, key=lambda event: (date_order(event[1]["date"]), event[0].name.lower()))


def _first_approval(product: Entity, regulators: tuple[str, ...]) -> Cell:
    approvals = [a for a in leukemia_approvals(product) if a["regulator"] in regulators]
    if not approvals:
        return Cell("—")
    first = approvals[0]
    label = first["date"] if len(regulators) == 1 else f"{first['date']} ({first['regulator']})"
    return Cell(label, tuple(first["sources"]), date_order(first["date"]))


def _other_approvals(product: Entity) -> Cell:
    """The first leukemia approval by each regulator other than the FDA and the EU's, oldest first."""
    first: dict[str, dict[str, Any]] = {}
    for approval in leukemia_approvals(product):
        if approval["regulator"] not in _FDA + _EU:
            first.setdefault(approval["regulator"], approval)
    if not first:
        return Cell("—")
    sources = tuple(dict.fromkeys(source for approval in first.values() for source in approval["sources"]))
    return Cell("; ".join(f"{a['regulator']} {a['date']}" for a in first.values()), sources,
                min(date_order(a["date"]) for a in first.values()))


def compare_products(kb: KnowledgeBase) -> Comparison:
    """CAR-T products with a leukemia indication, compared on it: their leukemia approvals and figures only."""
    comparison = Comparison({
        "product": "Product", "target": "Target", "costimulatory_domain": "Costimulatory domain",
        "indications": "Leukemia indications", "first_fda_approval": "First FDA approval (leukemia)",
        "first_eu_step": "First EU step (leukemia)", "other_approvals": "Other leukemia approvals",
        "pivotal_trials": "Pivotal trial", "response": "Response", "crs_grade_3_plus": "CRS grade ≥3",
        "icans_grade_3_plus": "ICANS grade ≥3", "list_price": "List price at launch"})
    for product in compared_products(kb):
        comparison.add(product, _product_cells(kb, product))
    return comparison


def _product_cells(kb: KnowledgeBase, product: Entity) -> dict[str, Cell]:
    d = product.data
    figures, pivotal = leukemia_figures(kb, product), d.get("pivotal_trials", [])
    response = best_figure(kb, figures, response_metrics(leukemia_diseases(product)), pivotal)
    construct = d.get("construct", {})
    return {
        "product": Cell(product.name + (f" ({d['brand']})" if "brand" in d else ""), (), product.name.lower()),
        "target": Cell(d.get("target", "—")),
        "costimulatory_domain": Cell(construct.get("costimulatory_domain", "—"),
                                     tuple(construct.get("sources", [])) if "costimulatory_domain" in construct
                                     else ()),
        "indications": Cell("; ".join(sorted(kb.entities[i].name for i in leukemia_diseases(product))),
                            tuple(s for i in d.get("indications", []) for s in i["sources"])),
        "first_fda_approval": _first_approval(product, _FDA),
        "first_eu_step": _first_approval(product, _EU),
        "other_approvals": _other_approvals(product),
        "pivotal_trials": Cell(", ".join(kb.entities[t].name for t in pivotal) or "—"),
        "response": _compared_figure(kb, response, pivotal, label=True),
        "crs_grade_3_plus": _toxicity_beside(kb, figures, "crs-grade-3-plus", pivotal, response),
        "icans_grade_3_plus": _toxicity_beside(kb, figures, "icans-grade-3-plus", pivotal, response),
        "list_price": _figure_cell(_first(figures_about_product(kb, product), "list-price")),
    }


def _toxicity_beside(kb: KnowledgeBase, figures: list[dict[str, Any]], metric: str, pivotal: list[str],
                     response: dict[str, Any] | None) -> Cell:
    """A product's severe-toxicity cell: the figure picked beside its response, with the grading scale."""
    picked = best_figure(kb, figures, (metric,), pivotal, beside=response)
    return _compared_figure(kb, picked, pivotal, with_scale=True, beside=response)


# --- trials -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrialGroup:
    """The trials of some kinds of therapy (a therapy's ``kind``), compared on a page of their own."""

    path: str  # the page, in the docs tree
    title: str
    kinds: tuple[str, ...]  # () takes every trial that no other group takes


# The trial comparison, one page per group: a transplant trial and a CAR-T trial measure different things, and
# one page of every trial outgrew the page-weight target. compare/trials.md lists the groups.
TRIAL_GROUPS = (
    TrialGroup("compare/trials/car-t.md", "CAR-T cell trials", (CAR_T,)),
    TrialGroup("compare/trials/nk-cells.md", "NK and CAR-NK cell trials", ("nk-cell",)),
    TrialGroup("compare/trials/transplant.md", "Transplant and donor lymphocyte trials",
               ("stem-cell-transplant", "donor-lymphocyte-infusion")),
    TrialGroup("compare/trials/other.md", "Trials of other treatments", ()),
)


def therapy_kind(kb: KnowledgeBase, trial: Entity) -> str | None:
    """The kind of cell therapy a trial tests (its therapy's, else its first product's therapy's); None for a
    trial of none (an antibody, a drug, supportive care)."""
    therapy = trial.data.get("therapy") or next(
        (kb.entities[product].data["therapy"] for product in trial.data.get("products", [])), None)
    return kind_of_therapy(kb, therapy) if therapy else None


def trials_by_group(kb: KnowledgeBase) -> dict[TrialGroup, list[Entity]]:
    """Each group of TRIAL_GROUPS that has trials, with its trials in the trials' order."""
    catch_all = next(group for group in TRIAL_GROUPS if not group.kinds)
    grouped: dict[TrialGroup, list[Entity]] = {group: [] for group in TRIAL_GROUPS}
    for trial in kb.of_type("trial"):
        kind = therapy_kind(kb, trial)
        grouped[next((group for group in TRIAL_GROUPS if kind in group.kinds), catch_all)].append(trial)
    return {group: trials for group, trials in grouped.items() if trials}


def compare_trials(kb: KnowledgeBase, trials: list[Entity] | None = None) -> Comparison:
    """Every trial (or those given): its design and size, its main result (a response, else survival), its
    severe toxicities with their grading scale, and the follow-up behind the result."""
    comparison = Comparison({
        "trial": "Trial", "phase": "Phase", "design": "Design", "n": "Patients", "studied": "Studied",
        "outcome": "Response or survival", "toxicity": "Severe toxicity (grading scale)", "follow_up": "Follow-up"})
    for trial in kb.of_type("trial") if trials is None else trials:
        comparison.add(trial, _trial_cells(kb, trial))
    return comparison


def _trial_cells(kb: KnowledgeBase, trial: Entity) -> dict[str, Cell]:
    d = trial.data
    figures = [{**figure, "trial": figure.get("trial", trial.id)} for figure in d.get("figures", [])]
    outcome = best_figure(kb, figures, response_metrics(d.get("diseases", [])), (trial.id,)) or \
        best_figure(kb, figures, SURVIVAL_METRICS, (trial.id,))
    studied = [kb.entities[i] for i in d.get("products", [])] or \
        ([kb.entities[d["therapy"]]] if "therapy" in d else [])
    return {
        "trial": Cell(trial.name, (), trial.name.lower()),
        "phase": Cell(d["phase"].capitalize() if "phase" in d else "—"),
        "design": Cell(d["design"]),
        "n": _patients(d.get("enrollment", {})),
        "studied": Cell(", ".join(entity.name for entity in studied) or "—"),
        "outcome": _compared_figure(kb, outcome, (trial.id,), label=True, of_trial=True),
        "toxicity": _toxicity(kb, figures, trial.id, outcome),
        "follow_up": Cell(_follow_up(outcome, figures)),
    }


def _patients(enrollment: dict[str, Any]) -> Cell:
    """'79 treated of 97 enrolled', or whichever of the two the data gives."""
    treated, enrolled = enrollment.get("treated"), enrollment.get("enrolled")
    parts = [f"{treated:,} treated" if treated else "", f"{enrolled:,} enrolled" if enrolled else ""]
    text = " of ".join(part for part in parts if part)
    return Cell(text or "—", tuple(enrollment.get("sources", [])) if text else (), treated or enrolled,
                measure="treated" if treated else "enrolled" if enrolled else "", unit="patients" if text else "")


def _toxicity(kb: KnowledgeBase, figures: list[dict[str, Any]], trial_id: str, outcome: dict[str, Any] | None
              ) -> Cell:
    """The first two severe toxicities the trial reports, each named, with n and grading scale, picked beside
    the trial's main result (``outcome``), and whom they count if that is other patients than the result's."""
    picked = [figure for metric in TOXICITY_METRICS
              if (figure := best_figure(kb, figures, (metric,), (trial_id,), outcome)) is not None][:2]
    if not picked:
        return Cell("—")
    text = "; ".join(f"{kb.metric_titles.get(f['metric'], f['metric'])}: {describe_figure(f, with_scale=True)}"
                     for f in picked)
    return Cell(text, tuple(dict.fromkeys(s for f in picked for s in f["sources"])), float(picked[0]["value"]),
                _other_patients(picked, outcome, "result"), measure=picked[0]["metric"], unit=picked[0]["unit"])


def _follow_up(outcome: dict[str, Any] | None, figures: list[dict[str, Any]]) -> str:
    """The follow-up behind the trial's main result, else the first one the trial's figures give."""
    if outcome is not None and "follow_up" in outcome:
        return outcome["follow_up"]
    return next((figure["follow_up"] for figure in figures if "follow_up" in figure), "—")


# --- therapies ----------------------------------------------------------------------------------------------

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
            cost = Cell(span, tuple(dict.fromkeys(s for f in (low, high) for s in f["sources"])), float(low["value"]),
                        measure="list-price", unit="USD")
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
