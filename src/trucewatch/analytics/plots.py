"""Charts as SVG, drawn on the server with matplotlib (pure): the dashboard's and the bulletin's.

Each function takes plain figures (counts by day and type, by governorate) and returns one SVG
document as text, ready to be placed in a page or a PDF:

* **self-contained**: no script, no link, nothing fetched; fonts are the reader's (the text stays
  text, ``svg.fonttype = none``), so Arabic and Persian labels are shaped by the browser, right to
  left, and the chart's words can be translated like the page's;
* **reproducible**: the same figures give the same bytes (no date in the metadata, fixed ids);
* **escaped**: labels are the data's words and are written as XML text, never as markup;
* **readable**: a ``<title>`` and a ``<desc>`` say what the chart shows, for screen readers; the
  colours (Okabe and Ito's palette) stay apart for readers who do not tell red from green.

``pyplot`` is not used: each chart is its own ``Figure``. matplotlib's settings are global to the
process, not to a thread, so charts are drawn one at a time (:data:`_DRAWING`): two requests drawing
at once would otherwise change each other's settings mid-chart (the tests draw eight at once).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from trucewatch.reports.taxonomy import ViolationType

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999")
"""Okabe and Ito's colours, one per violation type in the taxonomy's order."""
TYPE_COLOURS: dict[str, str] = {str(t): PALETTE[k % len(PALETTE)] for k, t in enumerate(ViolationType)}
WIDTH_IN, HEIGHT_IN = 8.0, 3.6
_DRAWING = threading.Lock()
_STYLE: Any = {  # matplotlib's settings (its stubs know each key's type)
    "svg.fonttype": "none",  # text stays text: the browser shapes every script
    "svg.hashsalt": "trucewatch",  # fixed ids: the same figures, the same bytes
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def violations_by_day(
    counts: Mapping[date, Mapping[str, int]],
    *,
    start: date,
    end: date,
    title: str,
    type_names: Mapping[str, str] | None = None,
    empty: str = "No violation in this period",
) -> str:
    """Stacked bars: how many violations of each type on each day from ``start`` to ``end`` (days
    without any are drawn empty, not left out). ``type_names`` gives each type's label (translated);
    ``empty`` is written across a period without violations."""
    if end < start:
        raise ValueError(f"violations_by_day: end {end} is before start {start}")
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    types = [str(t) for t in ViolationType if any(counts.get(d, {}).get(str(t), 0) for d in days)]
    names = {t: (type_names or {}).get(t, t.replace("_", " ")) for t in types}
    with _DRAWING, mpl.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN))
        axes = figure.add_subplot()
        bottom = [0] * len(days)
        for t in types:
            heights = [counts.get(d, {}).get(t, 0) for d in days]
            drawn = [k for k, h in enumerate(heights) if h]  # an empty bar is no shape: fewer to draw and send
            axes.bar(
                drawn,
                [heights[k] for k in drawn],
                bottom=[bottom[k] for k in drawn],
                color=TYPE_COLOURS[t],
                label=names[t],
                width=0.85,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        step = max(1, len(days) // 12)
        axes.set_xticks(range(0, len(days), step), [days[k].isoformat() for k in range(0, len(days), step)])
        axes.tick_params(axis="x", labelrotation=45)
        axes.set_xlim(-0.6, len(days) - 0.4)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if types:
            axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=min(4, len(types)))
        else:
            axes.text(0.5, 0.5, empty, transform=axes.transAxes, ha="center", va="center")
        figure.subplots_adjust(left=0.07, right=0.99, bottom=0.2, top=0.84)  # fixed: no layout pass to draw twice
        total = sum(bottom)
        parts = ", ".join(f"{names[t]} {sum(counts.get(d, {}).get(t, 0) for d in days)}" for t in types)
        described = f"{total} violations from {start} to {end}" + (f": {parts}" if parts else "")
        return _svg(figure, title, described)


def hot_spots(counts: Mapping[str, int], *, title: str, top: int = 14, empty: str = "No violation") -> str:
    """Horizontal bars: the places (governorates, by their names in the reader's language) with the
    most violations, most first, at most ``top`` of them."""
    ranked = sorted(((n, c) for n, c in counts.items() if c > 0), key=lambda nc: (-nc[1], nc[0]))[:top]
    with _DRAWING, mpl.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH_IN, max(1.6, 0.3 * len(ranked) + 0.8)))
        axes = figure.add_subplot()
        if ranked:
            names = [n for n, _ in ranked][::-1]
            values = [c for _, c in ranked][::-1]
            axes.barh(range(len(ranked)), values, color=PALETTE[0])
            axes.set_yticks(range(len(ranked)), names)
            for k, v in enumerate(values):
                axes.text(v, k, f" {v}", va="center")
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            axes.set_axis_off()
            axes.text(0.5, 0.5, empty, transform=axes.transAxes, ha="center", va="center")
        figure.tight_layout()
        described = "; ".join(f"{n} {c}" for n, c in ranked) or empty
        return _svg(figure, title, described)


def _svg(figure: Figure, title: str, described: str) -> str:
    """The figure as one SVG document with its title and description, without date or creator."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]  # the XML prolog and doctype are not wanted inside a page
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)  # the title says it
    head = f"<title>{escape(title)}</title><desc>{escape(described)}</desc>"
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1).replace("<svg ", '<svg role="img" ', 1) + head, svg, count=1)
    return svg
