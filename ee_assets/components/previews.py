"""Small PNG previews (≤256 px) for asset metadata, embedded as markdown data URIs so the UI shows them inline.

Figures use matplotlib's object API with the Agg canvas: no global backend switch, no display needed.
"""

from __future__ import annotations

import base64
import io

import dagster as dg
import geopandas as gpd
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

MAX_PX = 256
DPI = 100


def markdown_image(png: bytes, alt: str) -> dg.MetadataValue:
    """A markdown metadata value that displays `png` inline."""
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})")


def thumbnail(png: bytes, max_px: int = MAX_PX) -> bytes:
    """`png` shrunk to fit in max_px × max_px (aspect kept)."""
    picture = Image.open(io.BytesIO(png))
    picture.thumbnail((max_px, max_px))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _figure(width_px: int, height_px: int) -> Figure:
    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def choropleth(frame: gpd.GeoDataFrame, column: str, title: str, cmap: str = "YlGn") -> bytes:
    """A map of `column` (rows with a value only), colour-scaled, 256 × 160 px."""
    fig = _figure(MAX_PX, 160)
    ax = fig.add_axes((0, 0, 0.86, 0.88))
    cax = fig.add_axes((0.88, 0.1, 0.03, 0.7))
    shown = frame[frame[column].notna()]
    if not shown.empty:
        shown.plot(column=column, ax=ax, cmap=cmap, legend=True, cax=cax, linewidth=0.2, edgecolor="white")
    ax.set_axis_off()
    fig.suptitle(title, fontsize=7, y=0.99)
    cax.tick_params(labelsize=5)
    return _png(fig)


def line_chart(table: pd.DataFrame, x: str, y: str, series: str, title: str) -> bytes:
    """One line per value of `series` (x must be sortable), 256 × 160 px."""
    fig = _figure(MAX_PX, 160)
    ax = fig.add_axes((0.14, 0.16, 0.84, 0.72))
    for name, rows in table.sort_values(x).groupby(series):
        ax.plot(rows[x], rows[y], marker=".", markersize=3, linewidth=1, label=str(name))
    if pd.api.types.is_datetime64_any_dtype(table[x]):
        locator = mdates.AutoDateLocator(minticks=2, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_ylabel(y, fontsize=6)
    ax.tick_params(labelsize=5)
    ax.legend(fontsize=5, frameon=False, loc="best", ncols=2)
    fig.suptitle(title, fontsize=7, y=0.99)
    return _png(fig)
