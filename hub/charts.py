"""The dashboard's charts, drawn on the server as inline SVG: no script, no external library.

Each chart is an image with a title and a one-sentence description (`role="img"`,
`aria-labelledby`), shown with a visible legend where colours carry meaning, and paired with a
visually hidden table holding the same figures, which is what a screen reader reads. The colours
have at least 3:1 contrast against the white page (WCAG 1.4.11) and stacked segments are
separated by a white line, so two neighbours never rely on their difference alone.

Charts draw only what `hub.dashboard` computed, i.e. figures already filtered by the access
policy: nothing here reads the database.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import dateformat, formats
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from .dashboard import ActionWeek, ClusterBar, WeeklyCategories, duration_text

# One colour per category, each >= 3:1 against white (see the module's docstring).
CATEGORY_COLOURS = {
    "iptv": "#0b5cad",
    "live_sports": "#b3261e",
    "stream_ripping": "#1b7f3b",
    "streaming_site": "#6a3d9a",
    "torrent": "#8a5a00",
    "cyberlocker": "#00727a",
    "app": "#c2185b",
    "device": "#1d2330",
    "other": "#5b6475",
}
BAR_COLOUR = "#0b5cad"
TEXT = "#1d2330"
MUTED = "#5b6475"
GRID = "#d9dde5"
WIDTH = 300
LABEL_LENGTH = 38


@dataclass(frozen=True)
class Table:
    caption: str
    head: list[str]
    rows: list[list[str]]  # the first cell of each row is its header


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: SafeString  # empty when there is nothing to draw
    table: Table
    legend: list[LegendItem]
    empty: bool
    empty_text: str


# ---------------------------------------------------------------------------- drawing helpers


def _n(x: float) -> str:
    """A coordinate, short: SVG needs no more than a tenth of a pixel."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(chart_id: str, height: float, body: Iterable[SafeString], title: str, desc: str):
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" focusable="false" '
        'font-size="11" font-family="system-ui, sans-serif">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        w=WIDTH,
        h=_n(height),
        id=chart_id,
        title=title,
        desc=desc,
        body=mark_safe("".join(body)),  # noqa: S308 - every part is built by format_html
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = MUTED):
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>', _n(x), _n(y), anchor, fill, text
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str, *, separated=False):
    stroke = ' stroke="#fff" stroke-width="1"' if separated else ""
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}><title>{}</title></rect>',
        _n(x),
        _n(y),
        _n(w),
        _n(h),
        fill,
        mark_safe(stroke),  # noqa: S308 - a constant
        tip,
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str = GRID):
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
        _n(x1),
        _n(y1),
        _n(x2),
        _n(y2),
        colour,
    )


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (an axis' top)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _ticks(top: float, *, integers: bool) -> list[float]:
    """0, the middle and the top, unless the middle would be an awkward number."""
    half = top / 2
    awkward = half != int(half) if integers else round(half, 1) != half
    return [0, top] if awkward else [0, half, top]


def _tick_label(value: float) -> str:
    return formats.number_format(value, decimal_pos=0 if value == int(value) else 1)


def _week_label(week: datetime.date) -> str:
    return dateformat.format(week, "j M")


def _week_header(week: datetime.date) -> str:
    return formats.date_format(week, "SHORT_DATE_FORMAT")


# Plot area of the week charts (the top margin holds the axis' unit).
LEFT, RIGHT, TOP, BOTTOM = 30, 18, 22, 22
PLOT_HEIGHT = 130


def _week_axes(
    weeks: list[datetime.date], top: float, unit: str, *, integers: bool
) -> list[SafeString]:
    parts = [_text(2, 11, unit)]
    plot_width = WIDTH - LEFT - RIGHT
    for tick in _ticks(top, integers=integers):
        y = TOP + PLOT_HEIGHT - tick / top * PLOT_HEIGHT
        parts.append(_line(LEFT, y, WIDTH - RIGHT, y))
        parts.append(_text(LEFT - 4, y + 4, _tick_label(tick), anchor="end"))
    slot = plot_width / len(weeks)
    for i, week in enumerate(weeks):
        # Every other week is labelled: twelve dates do not fit a phone's width.
        if (len(weeks) - 1 - i) % 2 == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(_text(x, TOP + PLOT_HEIGHT + 15, _week_label(week), anchor="middle"))
    return parts


# ---------------------------------------------------------------------------- the charts


def weekly_reports_chart(data: WeeklyCategories) -> Chart:
    chart_id = "chart-weekly"
    title = gettext("Reports per week, by category")
    weeks = data.weeks
    description = ngettext(
        "%(total)d report your organisation may see was created in the last %(weeks)d weeks, "
        "stacked by category.",
        "%(total)d reports your organisation may see were created in the last %(weeks)d weeks, "
        "stacked by category.",
        data.total,
    ) % {"total": data.total, "weeks": len(weeks)}
    legend = [LegendItem(label, CATEGORY_COLOURS[value]) for value, label in data.categories]
    table = Table(
        caption=title,
        head=[gettext("Week of"), *(label for _v, label in data.categories), gettext("Total")],
        rows=[
            [
                _week_header(w),
                *(str(data.count(w, v)) for v, _l in data.categories),
                str(data.week_total(w)),
            ]
            for w in weeks
        ],
    )
    empty_text = gettext("No report your organisation may see in the last %(weeks)d weeks.") % {
        "weeks": len(weeks)
    }
    if not data.total:
        return Chart(chart_id, title, description, SafeString(), table, [], True, empty_text)

    top = nice_ceiling(max(data.week_total(w) for w in weeks))
    parts = _week_axes(weeks, top, gettext("reports"), integers=True)
    slot = (WIDTH - LEFT - RIGHT) / len(weeks)
    bar = slot * 0.7
    for i, week in enumerate(weeks):
        x = LEFT + slot * i + (slot - bar) / 2
        base = TOP + PLOT_HEIGHT
        for value, label in data.categories:
            n = data.count(week, value)
            if not n:
                continue
            h = n / top * PLOT_HEIGHT
            base -= h
            tip = f"{_week_header(week)} · {label}: {n}"
            parts.append(_rect(x, base, bar, h, CATEGORY_COLOURS[value], tip, separated=True))
    svg = _svg(chart_id, TOP + PLOT_HEIGHT + BOTTOM, parts, title, description)
    return Chart(chart_id, title, description, svg, table, legend, False, empty_text)


def _time_unit(longest_seconds: float) -> tuple[float, str]:
    """Seconds per unit and the axis' words: minutes, hours or days, whichever reads best."""
    if longest_seconds < 2 * 3600:
        return 60, gettext("minutes")
    if longest_seconds < 72 * 3600:
        return 3600, gettext("hours")
    return 86400, gettext("days")


def action_time_chart(data: list[ActionWeek]) -> Chart:
    chart_id = "chart-action"
    title = gettext("Time from report to action")
    acted = [w for w in data if w.median_seconds is not None]
    total = sum(w.reports for w in data)
    description = ngettext(
        "Median time, per week, from a report to the first blocking order citing it: "
        "%(total)d report acted on in the last %(weeks)d weeks.",
        "Median time, per week, from a report to the first blocking order citing it: "
        "%(total)d reports acted on in the last %(weeks)d weeks.",
        total,
    ) % {"total": total, "weeks": len(data)}
    table = Table(
        caption=title,
        head=[gettext("Week of"), gettext("Reports acted on"), gettext("Median time to action")],
        rows=[
            [
                _week_header(w.week),
                str(w.reports),
                duration_text(w.median_seconds) if w.median_seconds is not None else "—",
            ]
            for w in data
        ],
    )
    empty_text = gettext(
        "No blocking order you can see acted on a report you can see in the last %(weeks)d weeks."
    ) % {"weeks": len(data)}
    if not acted:
        return Chart(chart_id, title, description, SafeString(), table, [], True, empty_text)

    longest = max(w.median_seconds for w in acted)
    per_unit, unit = _time_unit(longest)
    top = max(1, nice_ceiling(longest / per_unit))
    parts = _week_axes([w.week for w in data], top, unit, integers=False)
    slot = (WIDTH - LEFT - RIGHT) / len(data)
    bar = slot * 0.5
    for i, week in enumerate(data):
        if week.median_seconds is None:
            continue
        h = max(1.0, week.median_seconds / per_unit / top * PLOT_HEIGHT)
        x = LEFT + slot * i + (slot - bar) / 2
        tip = f"{_week_header(week.week)}: {duration_text(week.median_seconds)}"
        parts.append(_rect(x, TOP + PLOT_HEIGHT - h, bar, h, BAR_COLOUR, tip))
    svg = _svg(chart_id, TOP + PLOT_HEIGHT + BOTTOM, parts, title, description)
    return Chart(chart_id, title, description, svg, table, [], False, empty_text)


def _shorten(text: str, limit: int = LABEL_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clusters_chart(data: list[ClusterBar]) -> Chart:
    chart_id = "chart-clusters"
    title = gettext("Largest clusters")
    description = ngettext(
        "%(count)d cluster of two or more targets your organisation may see, named by its "
        "most-reported target.",
        "The %(count)d clusters with the most targets your organisation may see, each named by "
        "its most-reported target.",
        len(data),
    ) % {"count": len(data)}
    table = Table(
        caption=title,
        head=[gettext("Cluster (most-reported target)"), gettext("Targets you can see")],
        rows=[[c.label, str(c.targets)] for c in data],
    )
    empty_text = gettext("No cluster of two or more targets you can see yet.")
    if not data:
        return Chart(chart_id, title, description, SafeString(), table, [], True, empty_text)

    row, bar_height, left, right = 36, 14, 4, 30
    top = max(c.targets for c in data)
    parts = []
    for i, cluster in enumerate(data):
        y = 4 + i * row
        parts.append(_text(left, y + 11, _shorten(cluster.label), fill=TEXT))
        width = max(2.0, cluster.targets / top * (WIDTH - left - right))
        tip = f"{cluster.label}: {cluster.targets}"
        parts.append(_rect(left, y + 16, width, bar_height, BAR_COLOUR, tip))
        parts.append(_text(left + width + 4, y + 27, str(cluster.targets), fill=TEXT))
    svg = _svg(chart_id, 4 + len(data) * row, parts, title, description)
    return Chart(chart_id, title, description, svg, table, [], False, empty_text)
