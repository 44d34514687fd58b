"""Diagrams and charts made at build time: no chart JavaScript, nothing fetched, printable, readable on a phone.

- The process diagram is inline SVG, ``role="img"`` with a ``<title>`` and a ``<desc>``, two steps a row: drawn
  at its own size (never scaled up), it fits a phone's column, so its text stays at 13 px there too.
- The charts (an approval timeline, grouped bars) are HTML and CSS, so their text is the page's text at any
  width. Every point is a focusable target of at least 24 × 24 px named by its value (``aria-label``); a tap,
  focus or hover shows that value beside it (CSS in ``docs/assets/stylesheets/kb.css``). The templates put
  the same data in a table one tap away.

Colours come from CSS classes, so that light and dark schemes both work.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from itertools import pairwise

_FONT = 13
_CHAR_WIDTH = 7.0  # average glyph width at 13 px, used to size boxes without measuring text


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _wrap(text: str, width_chars: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _svg(width: float, height: float, title: str, description: str, body: list[str], svg_id: str) -> str:
    return (
        f'<svg class="kb-diagram" role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{_FONT}">'
        f'<title id="{svg_id}-title">{_esc(title)}</title><desc id="{svg_id}-desc">{_esc(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def process_diagram(steps: list[str], title: str, svg_id: str) -> str:
    """Boxes joined by arrows, two a row: 352 px wide, the width of a phone's column."""
    per_row, box_w, box_h, gap_x, gap_y, pad = 2, 148, 58, 36, 34, 10
    rows = (len(steps) + per_row - 1) // per_row
    width = per_row * box_w + (per_row - 1) * gap_x + 2 * pad
    height = rows * box_h + (rows - 1) * gap_y + 2 * pad
    body = ['<defs><marker id="' + svg_id + '-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="kb-arrow-head"/>'
            "</marker></defs>"]
    centres, labels = [], []
    for index, step in enumerate(steps):
        row, column = divmod(index, per_row)
        x = pad + column * (box_w + gap_x)
        y = pad + row * (box_h + gap_y)
        centres.append((x, y))
        body.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8" class="kb-box"/>')
        lines = _wrap(f"{index + 1}. {step}", int(box_w / _CHAR_WIDTH) - 1)[:3]
        first_y = y + box_h / 2 - (len(lines) - 1) * 8 + 4
        for number, line in enumerate(lines):
            labels.append(f'<text x="{x + box_w / 2}" y="{first_y + number * 16:.0f}" text-anchor="middle" '
                          f'class="kb-box-text">{_esc(line)}</text>')
    for (x1, y1), (x2, y2) in pairwise(centres):
        if y1 == y2:
            path = f"M {x1 + box_w} {y1 + box_h / 2} L {x2 - 2} {y2 + box_h / 2}"
        else:  # down to the next row, then left to its first box
            path = (f"M {x1 + box_w / 2} {y1 + box_h} L {x1 + box_w / 2} {y1 + box_h + gap_y / 2} "
                    f"L {x2 + box_w / 2} {y1 + box_h + gap_y / 2} L {x2 + box_w / 2} {y2 - 2}")
        body.append(f'<path d="{path}" class="kb-arrow" marker-end="url(#{svg_id}-arrow)"/>')
    # The boxes' words are left out of search (the description says the same in sentences): Material's search
    # would join the text elements into words such as "cellinfusion4".
    body.append('<g data-search-exclude>' + "".join(labels) + "</g>")
    description = "Steps in order: " + "; ".join(f"{i + 1}. {s}" for i, s in enumerate(steps)) + "."
    return _svg(width, height, title, description, body, svg_id)


@dataclass(frozen=True)
class TimelineEvent:
    date: str  # ISO, possibly partial
    label: str
    group: str


def _year_fraction(date: str) -> float:
    parts = [int(p) for p in date.split("-")]
    year, month, day = parts[0], parts[1] if len(parts) > 1 else 7, parts[2] if len(parts) > 2 else 15
    return year + (month - 1) / 12 + (day - 1) / 365


def _point(css_class: str, position: str, label: str) -> str:
    """A focusable point of a chart, named by its value; ``position`` sets where the CSS draws it."""
    return f'<span class="{css_class}" tabindex="0" role="img" style="{position}" aria-label="{_esc(label)}"></span>'


def _chart(css_class: str, title: str, chart_id: str, body: list[str], style: str = "") -> str:
    """A chart: a group named by its title, which it shows above its body."""
    style = f' style="{style}"' if style else ""
    return (f'<div class="kb-chart {css_class}" role="group" aria-labelledby="{chart_id}-title"{style}>'
            f'<p class="kb-chart-title" id="{chart_id}-title">{_esc(title)}</p>' + "".join(body) + "</div>")


# Points of a timeline row closer than this share of the axis go in separate lanes, one under the other, so
# that each can be tapped: 26 px on a phone's axis of about 330 px.
_LANE_GAP = 0.08


def _lanes(positions: list[float]) -> list[int]:
    """For points along a row, in order, each one's lane: the first lane whose last point is far enough behind."""
    lane_ends: list[float] = []
    lanes = []
    for position in positions:
        lane = next((n for n, end in enumerate(lane_ends) if position - end >= _LANE_GAP), len(lane_ends))
        lane_ends[lane:lane + 1] = [position]
        lanes.append(lane)
    return lanes


def timeline(events: list[TimelineEvent], title: str, chart_id: str) -> str:
    """One row per group (e.g. product), a dot per event on a shared year axis; each dot shows its date and
    event on tap, focus or hover."""
    if not events:
        return ""
    ordered = sorted(events, key=lambda e: e.date)
    first = int(_year_fraction(ordered[0].date))
    last = int(max(_year_fraction(e.date) for e in events)) + 1

    def along(date: str) -> float:
        return (_year_fraction(date) - first) / (last - first)

    years = "".join(f'<span style="--at: {(year - first) / (last - first):.1%}">{year}</span>'
                    for year in range(first, last + 1))
    body = [f'<div class="kb-axis" aria-hidden="true">{years}</div>']
    for group in dict.fromkeys(e.group for e in ordered):
        row = [e for e in ordered if e.group == group]
        lanes = _lanes([along(e.date) for e in row])
        points = "".join(_point("kb-point", f"--at: {along(e.date):.1%}; --lane: {lane}", f"{e.date}: {e.label}")
                         for e, lane in zip(row, lanes, strict=True))
        body.append(f'<div class="kb-track"><span class="kb-track-label">{_esc(group)}</span>'
                    f'<span class="kb-track-line" style="--lanes: {max(lanes) + 1}">{points}</span></div>')
    return _chart("kb-timeline", title, chart_id, body, f"--years: {last - first}")


@dataclass(frozen=True)
class Bar:
    group: str
    series: str
    value: float
    label: str


def bar_chart(bars: list[Bar], series: list[str], title: str, chart_id: str, unit: str = "%") -> str:
    """Horizontal bars on 0-100, grouped by product, one bar per series, each with its value; a tap, focus or
    hover shows the bar's whole label (e.g. with its n)."""
    if not bars:
        return ""
    legend = "".join(f'<span class="kb-key kb-series-{index}">{_esc(name)}</span>' for index, name in enumerate(series))
    body = [f'<p class="kb-legend">{legend}</p>']
    for group in dict.fromkeys(b.group for b in bars):
        shown = []
        for index, name in enumerate(series):
            bar = next((b for b in bars if b.group == group and b.series == name), None)
            if bar is not None:
                style = f"--value: {max(0.5, min(bar.value, 100)):g}%; --shown: '{bar.value:g}{unit}'"
                shown.append(_point(f"kb-bar kb-series-{index}", style, bar.label))
        body.append(f'<div class="kb-bar-group"><span class="kb-bar-label">{_esc(group)}</span>{"".join(shown)}</div>')
    return _chart("kb-bars", title, chart_id, body)
