"""Diagrams drawn at build time as inline SVG: no diagram JavaScript, nothing fetched, printable.

Each function returns an SVG string with ``role="img"``, a ``<title>`` and a ``<desc>``; the templates
place a text alternative (a list or a table) next to every diagram as well. Colours come from CSS
classes (``docs/assets/stylesheets/kb.css``) so that light and dark schemes both work.
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
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{_FONT}">'
        f'<title id="{svg_id}-title">{_esc(title)}</title><desc id="{svg_id}-desc">{_esc(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def process_diagram(steps: list[str], title: str, svg_id: str) -> str:
    """Boxes joined by arrows, wrapping onto rows of at most four steps."""
    per_row, box_w, box_h, gap_x, gap_y, pad = 4, 150, 58, 40, 34, 10
    rows = (len(steps) + per_row - 1) // per_row
    width = per_row * box_w + (per_row - 1) * gap_x + 2 * pad
    height = rows * box_h + (rows - 1) * gap_y + 2 * pad
    body = ['<defs><marker id="' + svg_id + '-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="kb-arrow-head"/>'
            "</marker></defs>"]
    centres = []
    for index, step in enumerate(steps):
        row, column = divmod(index, per_row)
        x = pad + column * (box_w + gap_x)
        y = pad + row * (box_h + gap_y)
        centres.append((x, y))
        body.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8" class="kb-box"/>')
        lines = _wrap(f"{index + 1}. {step}", int(box_w / _CHAR_WIDTH) - 1)[:3]
        first_y = y + box_h / 2 - (len(lines) - 1) * 8 + 4
        for number, line in enumerate(lines):
            body.append(f'<text x="{x + box_w / 2}" y="{first_y + number * 16:.0f}" text-anchor="middle" '
                        f'class="kb-box-text">{_esc(line)}</text>')
    for (x1, y1), (x2, y2) in pairwise(centres):
        if y1 == y2:
            path = f"M {x1 + box_w} {y1 + box_h / 2} L {x2 - 2} {y2 + box_h / 2}"
        else:  # down to the next row, then left to its first box
            path = (f"M {x1 + box_w / 2} {y1 + box_h} L {x1 + box_w / 2} {y1 + box_h + gap_y / 2} "
                    f"L {x2 + box_w / 2} {y1 + box_h + gap_y / 2} L {x2 + box_w / 2} {y2 - 2}")
        body.append(f'<path d="{path}" class="kb-arrow" marker-end="url(#{svg_id}-arrow)"/>')
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


def timeline(events: list[TimelineEvent], title: str, svg_id: str) -> str:
    """One row per group (e.g. product), a dot per event on a shared year axis."""
    if not events:
        return ""
    groups = list(dict.fromkeys(e.group for e in sorted(events, key=lambda e: e.date)))
    first = int(min(_year_fraction(e.date) for e in events))
    last = int(max(_year_fraction(e.date) for e in events)) + 1
    label_w, row_h, top, right = 220, 34, 30, 20
    plot_w = max(420, (last - first) * 70)
    width, height = label_w + plot_w + right, top + row_h * len(groups) + 10

    def x_of(value: float) -> float:
        return label_w + (value - first) / (last - first) * plot_w

    body = []
    for year in range(first, last + 1):
        x = x_of(year)
        body.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 6}" class="kb-grid"/>')
        body.append(f'<text x="{x:.1f}" y="{top - 12}" text-anchor="middle" class="kb-axis">{year}</text>')
    for row, group in enumerate(groups):
        y = top + row * row_h + row_h / 2
        body.append(f'<text x="{label_w - 10}" y="{y + 4:.0f}" text-anchor="end" class="kb-label">{_esc(group)}</text>')
        body.append(f'<line x1="{label_w}" y1="{y:.0f}" x2="{label_w + plot_w}" y2="{y:.0f}" class="kb-row"/>')
        for event in (e for e in events if e.group == group):
            body.append(f'<circle cx="{x_of(_year_fraction(event.date)):.1f}" cy="{y:.0f}" r="6" class="kb-dot">'
                        f"<title>{_esc(event.date)}: {_esc(event.label)}</title></circle>")
    description = "; ".join(f"{e.group}: {e.label} on {e.date}" for e in sorted(events, key=lambda e: e.date))
    return _svg(width, height, title, description, body, svg_id)


@dataclass(frozen=True)
class Bar:
    group: str
    series: str
    value: float
    label: str


def bar_chart(bars: list[Bar], series: list[str], title: str, svg_id: str, unit: str = "%") -> str:
    """Grouped horizontal bars, one group per product, one bar per series; values drawn on 0-100."""
    if not bars:
        return ""
    groups = list(dict.fromkeys(b.group for b in bars))
    label_w, bar_h, group_gap, plot_w, top = 220, 16, 14, 420, 40
    group_h = bar_h * len(series) + group_gap
    height = top + group_h * len(groups) + 10
    width = label_w + plot_w + 80
    body = []
    for index, name in enumerate(series):
        x = label_w + index * 170
        body.append(f'<rect x="{x}" y="6" width="12" height="12" class="kb-series-{index}"/>')
        body.append(f'<text x="{x + 18}" y="16" class="kb-label">{_esc(name)}</text>')
    for tick in range(0, 101, 25):
        x = label_w + tick / 100 * plot_w
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" class="kb-grid"/>')
        body.append(f'<text x="{x:.1f}" y="{top - 9}" text-anchor="middle" class="kb-axis">{tick}{unit}</text>')
    for row, group in enumerate(groups):
        y0 = top + row * group_h
        body.append(f'<text x="{label_w - 10}" y="{y0 + bar_h * len(series) / 2 + 4:.0f}" text-anchor="end" '
                    f'class="kb-label">{_esc(group)}</text>')
        for index, name in enumerate(series):
            bar = next((b for b in bars if b.group == group and b.series == name), None)
            if bar is None:
                continue
            y = y0 + index * bar_h
            w = max(1.0, min(bar.value, 100) / 100 * plot_w)
            body.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 3}" class="kb-series-{index}">'
                        f"<title>{_esc(bar.label)}</title></rect>")
            body.append(f'<text x="{label_w + w + 5:.1f}" y="{y + bar_h - 5}" class="kb-value">'
                        f"{bar.value:g}{unit}</text>")
    description = "; ".join(f"{b.group}, {b.series}: {b.label}" for b in bars)
    return _svg(width, height, title, description, body, svg_id)
