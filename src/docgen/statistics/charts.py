"""The report's charts, drawn with matplotlib (Agg, no display) in the Noto CJK face the instruments use.

Three charts, each read from a table of the year so it shows exactly the
figures the tables print: the activity by month, by 承办部门, and the 法制审核
durations in working days against the 10- and 20-day limits. Each is a PNG
(no timestamps or software tag in it, so the same figures draw the same bytes).
"""
from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass

from .figures import Table

FONT = "Noto Sans CJK SC"  # fonts-noto-cjk; the instruments' fonts.conf maps 黑体 to it
DPI = 150


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes


def _pyplot():  # type: ignore[no-untyped-def]
    """matplotlib, imported on first use (it costs half a second) and told to draw off-screen."""
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "docgen-matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": [FONT, "sans-serif"], "axes.unicode_minus": False})
    return plt


def _png(figure) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def grouped_bars(table: Table, title: str, columns: tuple[str, ...]) -> Chart:
    """A bar per row and column (one colour per column), the rows along the x axis."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / max(len(columns), 1)
    names = dict(table.columns)
    for n, column in enumerate(columns):
        values = [int(row.cells[column].value) if column in row.cells else 0 for row in table.rows]
        axes.bar([i + n * width for i in range(len(table.rows))], values, width, label=names[column])
    axes.set_xticks([i + width * (len(columns) - 1) / 2 for i in range(len(table.rows))],
                    [row.title for row in table.rows], fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_ylabel("件数")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=8, ncols=min(len(columns), 6), loc="upper left", frameon=False)
    axes.margins(y=0.25)
    figure.tight_layout()
    png = _png(figure)
    plt.close(figure)
    return Chart(title, png)


def review_durations(table: Table) -> Chart:
    """The 法制审核 durations (rows ``days_N`` of the review_days table), the limits as lines."""
    plt = _pyplot()
    rows = [row for row in table.rows if row.id.startswith("days_")]
    figure, axes = plt.subplots(figsize=(9, 3.2))
    bottoms = [0] * len(rows)
    for column, label in table.columns:
        values = [int(row.cells[column].value) for row in rows]
        axes.bar([int(row.id[5:]) for row in rows], values, 0.8, bottom=bottoms, label=label)
        bottoms = [a + b for a, b in zip(bottoms, values)]
    for limit, words in ((10, "10个工作日"), (20, "延长上限20个工作日")):
        axes.axvline(limit + 0.5, color="#c0392b", linestyle="--", linewidth=1)
        axes.text(limit + 0.7, 0.95, words, transform=axes.get_xaxis_transform(), fontsize=8, color="#c0392b",
                  va="top")
    axes.set_title("法制审核用时分布", fontsize=11)
    axes.set_xlabel("工作日")
    axes.set_ylabel("件数")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=8, frameon=False, loc="upper right")
    figure.tight_layout()
    png = _png(figure)
    plt.close(figure)
    return Chart("法制审核用时分布", png)


def charts(tables: dict[str, Table]) -> list[Chart]:
    activity = ("filed", "closed", "decisions", "no_penalty", "coercive", "reviews")
    return [grouped_bars(tables["monthly"], "按月统计", activity),
            grouped_bars(tables["departments"], "按承办部门统计", activity),
            review_durations(tables["review_days"])]
