"""How a structured figure reads as text (one formatter for pages, comparison tables and CSV), and the
address each figure has on its page."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

CURRENCIES = ("USD", "EUR", "GBP", "JPY")


def format_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.10g}"


def format_figure_value(figure: dict[str, Any]) -> str:
    """'83% (95% CI 71–89)', 'USD 475,000', 'median 168 days (range 20–617)'."""
    number = format_number(figure["value"])
    unit = figure["unit"]
    if unit in CURRENCIES:
        text = f"{unit} {number}"
    elif unit == "%":
        text = f"{number}%"
    else:
        text = f"{number} {unit}"
    if figure.get("statistic") in ("median", "mean"):
        text = f"{figure['statistic']} {text}"
    if "ci" in figure:
        text += f" (95% CI {format_number(figure['ci']['low'])}–{format_number(figure['ci']['high'])})"
    if "range" in figure:
        text += f" (range {format_number(figure['range']['low'])}–{format_number(figure['range']['high'])})"
    return text


def figure_anchors(figures: list[dict[str, Any]]) -> list[str]:
    """A citable id for each figure of a page, unique on it: ``figure-<metric>`` when only one figure has that
    metric, else ``figure-<its measure in kebab case>``. Neither depends on the order of the figures, so an
    address stays valid when figures are reordered (a second figure with the same metric renames the first).
    Two figures alike in both get ``-2``, ``-3``… in their order."""
    metrics = Counter(figure.get("metric") for figure in figures)
    taken: Counter[str] = Counter()
    anchors = []
    for figure in figures:
        metric = figure.get("metric")
        name = metric if metric and metrics[metric] == 1 else _kebab(figure["measure"])
        taken[name] += 1
        anchors.append(f"figure-{name}" + (f"-{taken[name]}" if taken[name] > 1 else ""))
    return anchors


def _kebab(text: str, limit: int = 60) -> str:
    """Text as a short id: lower case, words joined by hyphens, cut at a word under ``limit`` characters."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    name = ""
    for word in words:
        if name and len(name) + 1 + len(word) > limit:
            break
        name = f"{name}-{word}" if name else word[:limit]
    return name or "figure"
