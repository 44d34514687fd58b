"""How a structured figure reads as text: one formatter for pages, comparison tables and CSV."""

from __future__ import annotations

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
