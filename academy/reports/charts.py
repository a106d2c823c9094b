"""Charts as inline SVG made on the server (issue 16 item 6; shared/briefs/ui.md §5): no JavaScript, no
library, no style attribute or <style> element (the CSP forbids them; colours are classes in app.css).  Each
chart is `role="img"` with a <title> and a <desc> carrying the takeaway; the page shows the same data as a
table next to it (the fallback for screen readers, and what prints).  Labels are escaped text nodes.
"""
from markupsafe import Markup, escape

HEAT_BANDS = (0, 40, 55, 70, 85)  # lower bounds of buckets 0..4; 5 is 95 and above


def nice_axis(top: float) -> tuple[int, int]:
    """(axis maximum, gridline step) with steps of 1, 2 or 5 × 10^k and integers only."""
    top = max(1, int(top + 0.999999))
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            s = step * magnitude
            if top / s <= 5:
                return (-(-top // s)) * s, s
        magnitude *= 10


def score_bucket(value: float | None) -> int | None:
    """The heat-map band of a 0–100 value (None: no data)."""
    if value is None:
        return None
    if value >= 95:
        return 5
    return max(i for i, low in enumerate(HEAT_BANDS) if value >= low)


def percent(value: float | None) -> str:
    """A share as the reports write it: one decimal and a per-cent sign, or a dash for no data."""
    return "—" if value is None else f"{value:.1f}%"


def heat_cell(value: float | None) -> Markup:
    """A cell of a heat map's data table: the value in per cent, coloured by its band (one call per cell: a
    report page has hundreds of them)."""
    bucket = score_bucket(value)
    band = "heat-na" if bucket is None else f"heat-{bucket}"
    return Markup(f'<td class="num heat-cell {band}">{percent(value)}</td>')


def bar(value: float | None, maximum: float = 100.0) -> Markup:
    """A decorative bar for a "table with bars" row (aria-hidden: the number beside it is the data)."""
    width = 0.0 if not value or not maximum else max(0.0, min(100.0, value / maximum * 100))
    return Markup('<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
                  '<rect class="bar-track" width="100" height="10"/>'
                  f'<rect class="bar-fill" width="{width:.2f}" height="10"/></svg>')


def _head(chart_id: str, css: str, width: int, height: int, title: str, desc: str, sized: bool = False) -> str:
    size = f' width="{width}" height="{height}"' if sized else ""
    return (f'<svg class="chart-svg {css}" viewBox="0 0 {width} {height}"{size} role="img" '
            f'aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false">'
            f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>')


def histogram(chart_id: str, title: str, desc: str, bins: list[tuple[str, int]], width: int = 360, height: int = 200,
              edges: list | None = None) -> Markup:
    """Columns for (label, count) bins, with a nice y axis and gridlines.  With `edges` (one more than the bins)
    the x axis is numbered at the bins' boundaries, as a histogram's usually is: ten labels like "90–100" do not
    fit under ten columns of a half-width card and ran into each other; the table beside it names the bins."""
    pl, pr, pt, pb = 32, 8 if edges is None else 14, 16, 28  # room for half the last edge's number
    inner_w, inner_h = width - pl - pr, height - pt - pb
    y_max, y_step = nice_axis(max((count for _, count in bins), default=0))
    bar_w = inner_w / max(1, len(bins))
    parts = [_head(chart_id, "histogram", width, height, title, desc)]
    for v in range(0, y_max + 1, y_step):
        y = pt + inner_h - v / y_max * inner_h
        parts.append(f'<line class="grid" x1="{pl}" x2="{width - pr}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{pl - 4}" y="{y + 4:.1f}" text-anchor="end">{v}</text>')
    for i, (label, count) in enumerate(bins):
        h = count / y_max * inner_h
        x = pl + i * bar_w
        parts.append(f'<rect class="col" x="{x + 2:.1f}" y="{pt + inner_h - h:.1f}" width="{max(bar_w - 4, 1):.1f}" height="{h:.1f}"/>')
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{pt + inner_h - h - 4:.1f}" text-anchor="middle">{count}</text>')
        if edges is None:
            parts.append(f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{height - pb + 16}" text-anchor="middle">{escape(label)}</text>')
    for i, edge in enumerate(edges or []):
        parts.append(f'<text class="tick" x="{pl + i * bar_w:.1f}" y="{height - pb + 16}" text-anchor="middle">{escape(edge)}</text>')
    parts.append(f'<line class="axis" x1="{pl}" x2="{width - pr}" y1="{pt + inner_h}" y2="{pt + inner_h}"/></svg>')
    return Markup("".join(parts))


def heatmap(chart_id: str, title: str, desc: str, row_labels: list[str], col_labels: list[str],
            cells: list[list[float | None]], cell: int = 44, label_w: int = 120, head_h: int = 96) -> Markup:
    """Rows × columns of 0–100 values, each cell coloured by band and printing its value; no data is hatched.
    Column labels are turned 45° (concept names are long); the SVG keeps its size and scrolls on phones."""
    width = label_w + cell * len(col_labels) + 8
    height = head_h + cell * len(row_labels) + 4
    parts = [_head(chart_id, "heatmap", width, height, title, desc, sized=True),
             f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#8c959f" stroke-width="2"/></pattern></defs>']
    for c, label in enumerate(col_labels):
        x, y = label_w + c * cell + cell / 2, head_h - 6
        parts.append(f'<text class="tick" x="{x:.1f}" y="{y}" transform="rotate(-45 {x:.1f} {y})">{escape(_short(label, 10))}</text>')
    for r, label in enumerate(row_labels):
        y = head_h + r * cell
        parts.append(f'<text x="{label_w - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">{escape(_short(label, 9))}</text>')
        for c, value in enumerate(cells[r]):
            x = label_w + c * cell
            bucket = score_bucket(value)
            if bucket is None:
                parts.append(f'<rect class="heat-na" fill="url(#{chart_id}-hatch)" x="{x + 1}" y="{y + 1}" '
                             f'width="{cell - 2}" height="{cell - 2}"/>')
                continue
            text_class = "on-dark" if bucket >= 4 else "on-light"
            parts.append(f'<rect class="heat-{bucket}" x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}"/>'
                         f'<text class="{text_class}" x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" '
                         f'text-anchor="middle">{value:.0f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line(chart_id: str, title: str, desc: str, labels: list[str], series: list[tuple[str, str, list[int]]],
         width: int = 560, height: int = 220) -> Markup:
    """Lines over the same x labels: series are (css class, name, values); the legend is drawn in the SVG and
    also given as text by the page's table."""
    pl, pr, pt, pb = 36, 12, 24, 32
    inner_w, inner_h = width - pl - pr, height - pt - pb
    y_max, y_step = nice_axis(max((v for _, _, values in series for v in values), default=0))
    step_x = inner_w / max(1, len(labels) - 1)
    parts = [_head(chart_id, "linechart", width, height, title, desc)]
    for v in range(0, y_max + 1, y_step):
        y = pt + inner_h - v / y_max * inner_h
        parts.append(f'<line class="grid" x1="{pl}" x2="{width - pr}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{pl - 4}" y="{y + 4:.1f}" text-anchor="end">{v}</text>')
    every = max(1, len(labels) // 6)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text class="tick" x="{pl + i * step_x:.1f}" y="{height - pb + 16}" text-anchor="middle">{escape(label)}</text>')
    for index, (css, name, values) in enumerate(series):
        points = " ".join(f"{pl + i * step_x:.1f},{pt + inner_h - v / y_max * inner_h:.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline class="series {css}" fill="none" points="{points}"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle class="dot {css}" cx="{pl + i * step_x:.1f}" cy="{pt + inner_h - v / y_max * inner_h:.1f}" r="3"/>')
        lx = pl + index * 140
        parts.append(f'<rect class="key {css}" x="{lx}" y="4" width="12" height="12"/>'
                     f'<text x="{lx + 16}" y="14">{escape(name)}</text>')
    parts.append(f'<line class="axis" x1="{pl}" x2="{width - pr}" y1="{pt + inner_h}" y2="{pt + inner_h}"/></svg>')
    return Markup("".join(parts))


def _short(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
