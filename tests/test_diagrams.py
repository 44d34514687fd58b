"""What the diagrams and charts draw: every point where its value puts it, named by that value, and far enough
from its neighbours to be tapped on a phone."""

from __future__ import annotations

import re

from kb.site.diagrams import Bar, TimelineEvent, bar_chart, process_diagram, timeline
from material.plugins.search.plugin import Parser


def _points(chart: str, css_class: str) -> list[dict[str, str]]:
    """Each focusable point: its aria-label and the CSS properties of its style."""
    found = []
    for match in re.finditer(rf'<span class="{css_class}[^"]*" tabindex="0" role="img" style="([^"]*)" '
                             r'aria-label="([^"]*)"></span>', chart):
        properties = dict(part.strip().split(": ", 1) for part in match.group(1).split(";"))
        found.append({"label": match.group(2), **properties})
    return found


def test_a_timeline_puts_each_event_on_the_year_axis_named_by_its_date_and_event():
    events = [TimelineEvent("2018-01-01", "FDA approval", "Kymriah"),
              TimelineEvent("2022-01-01", "EC authorisation", "Kymriah"),
              TimelineEvent("2020-01-01", "FDA approval", "Yescarta")]
    chart = timeline(events, "Approvals", "approvals")
    points = _points(chart, "kb-point")
    assert [(p["label"], p["--at"]) for p in points] == [
        ("2018-01-01: FDA approval", "0.0%"), ("2022-01-01: EC authorisation", "80.0%"),
        ("2020-01-01: FDA approval", "40.0%")]  # the axis runs from 2018 to 2023
    assert re.findall(r'<span class="kb-track-label">([^<]+)</span>', chart) == ["Kymriah", "Yescarta"]
    assert 'id="approvals-title">Approvals</p>' in chart


def test_events_too_close_to_tap_apart_go_in_separate_lanes():
    events = [TimelineEvent(date, "event", "Kymriah") for date in ("2017-08-30", "2017-09-15", "2021-01-01",
                                                                   "2025-06-01", "2026-12-31")]
    points = _points(timeline(events, "Approvals", "approvals"), "kb-point")
    assert [p["--lane"] for p in points] == ["0", "1", "0", "0", "0"]
    assert 'style="--lanes: 2"' in timeline(events, "Approvals", "approvals")


def test_a_bar_chart_draws_each_value_as_a_bar_of_that_length_with_its_label():
    bars = [Bar("Kymriah", "Response", 81, "Kymriah, Response: 81% (n = 75)"),
            Bar("Kymriah", "CRS", 120, "Kymriah, CRS: impossible"),
            Bar("Yescarta", "CRS", 13, "Yescarta, CRS: 13%")]
    chart = bar_chart(bars, ["Response", "CRS"], "Response", "response")
    points = _points(chart, "kb-bar")
    assert [(p["label"], p["--value"], p["--shown"]) for p in points] == [
        ("Kymriah, Response: 81% (n = 75)", "81%", "'81%'"), ("Kymriah, CRS: impossible", "100%", "'120%'"),
        ("Yescarta, CRS: 13%", "13%", "'13%'")]
    assert re.findall(r'class="kb-bar kb-series-(\d)"', chart) == ["0", "1", "1"]  # each series its colour
    assert re.findall(r'<span class="kb-key kb-series-\d">([^<]+)</span>', chart) == ["Response", "CRS"]


def test_a_process_diagram_is_drawn_at_a_phones_width_and_never_scaled_up():
    svg = process_diagram(["Collection", "Engineering", "Expansion", "Infusion", "Follow-up"], "Steps", "steps")
    width = re.search(r'viewBox="0 0 (\d+) (\d+)" width="(\d+)" height="(\d+)"', svg)
    assert width.group(1) == width.group(3) == "352" and width.group(2) == width.group(4)
    assert svg.count('class="kb-box"') == 5


def test_search_reads_a_process_diagram_as_its_description_says_it_and_not_its_box_labels_run_together():
    svg = process_diagram(["Stem cell infusion", "Engraftment and recovery"], "Steps", "steps")
    parser = Parser()
    parser.feed(f'<h1 id="page">Page</h1><p>Before.</p>{svg}')
    text = " ".join("".join(section.text) for section in parser.data)
    assert "1. Stem cell infusion; 2. Engraftment and recovery" in text
    assert text.count("infusion") == 1  # the labels of the boxes say it again, and Material runs them together
