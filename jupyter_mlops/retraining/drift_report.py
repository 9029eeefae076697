"""The drift report as one self-contained HTML file: summary, a row per column, and an inline SVG
histogram of reference vs current per column (no script, no external asset; every user string escaped)."""

from __future__ import annotations

import html
import itertools
from typing import TYPE_CHECKING

import numpy as np

from jupyter_mlops.retraining.drift_stats import DatasetDrift, category_shares

if TYPE_CHECKING:
    import pandas as pd

BINS = 20
WIDTH, HEIGHT = 320, 90
REFERENCE_COLOUR, CURRENT_COLOUR = "#4c78a8", "#f58518"

STYLE = """
body{font-family:system-ui,sans-serif;margin:16px;color:#222;font-size:14px}h1{font-size:1.4em}
.table{overflow-x:auto}
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
.drifted{color:#b00020;font-weight:600}.ok{color:#2e7d32}.legend span{display:inline-block;width:12px;
height:12px;margin:0 4px 0 12px}
"""


def _bars(reference_shares: np.ndarray, current_shares: np.ndarray, labels: list[str]) -> str:
    """Two interleaved bar series as one SVG; hovering a pair shows its bin or value and both shares."""
    count = len(reference_shares)
    if count == 0:
        return ""
    top = max(float(reference_shares.max()), float(current_shares.max()), 1e-9)
    slot = WIDTH / count
    groups = []
    for index, (left, right) in enumerate(zip(reference_shares, current_shares, strict=True)):
        rects = []
        for offset, share, colour in ((0.05, left, REFERENCE_COLOUR), (0.5, right, CURRENT_COLOUR)):
            height = HEIGHT * float(share) / top
            rects.append(
                f'<rect x="{index * slot + offset * slot:.1f}" y="{HEIGHT - height:.1f}" '
                f'width="{slot * 0.45:.1f}" height="{height:.1f}" fill="{colour}"/>'
            )
        title = f"{labels[index]}: reference {float(left):.1%}, current {float(right):.1%}"
        groups.append(f"<g><title>{html.escape(title)}</title>{''.join(rects)}</g>")
    return f'<svg width="{WIDTH}" height="{HEIGHT}" role="img">{"".join(groups)}</svg>'


def histogram_svg(kind: str, reference: pd.Series, current: pd.Series) -> str:
    """Reference (blue) and current (orange) shares per bin (numbers) or per value (top 12 categories)."""
    reference, current = reference.dropna(), current.dropna()
    if reference.empty or current.empty:
        return ""
    if kind == "numeric":
        left, right = reference.to_numpy(float), current.to_numpy(float)
        edges = np.histogram_bin_edges(np.concatenate([left, right]), bins=BINS)
        labels = [f"{low:.4g} to {high:.4g}" for low, high in itertools.pairwise(edges)]
        return _bars(
            np.histogram(left, edges)[0] / len(left), np.histogram(right, edges)[0] / len(right), labels
        )
    reference_shares, current_shares, names = category_shares(reference, current)
    order = np.argsort(-(reference_shares + current_shares))[:12]
    return _bars(reference_shares[order], current_shares[order], [names[i] for i in order])


def render_report(
    drift: DatasetDrift,
    reference: dict[str, pd.DataFrame],
    current: dict[str, pd.DataFrame],
    columns: dict[str, tuple[str, str]],
    title: str,
) -> str:
    """The whole HTML page. `columns` maps a reported feature name to (table name, column)."""
    verdict = "Dataset drift detected" if drift.dataset_drift else "No dataset drift"
    rows = []
    for result in sorted(drift.columns, key=lambda c: c.score, reverse=True):
        table, column = columns.get(result.column, ("", result.column))
        chart = ""
        if table in reference and table in current:
            chart = histogram_svg(result.kind, reference[table][column], current[table][column])
        p_value = f"{result.p_value:.3g}" if result.p_value is not None else "—"
        status = '<span class="drifted">drifted</span>' if result.drifted else '<span class="ok">ok</span>'
        rows.append(
            "<tr>"
            f"<td>{html.escape(result.column)}</td><td>{result.kind}</td><td>{result.test}</td>"
            f"<td>{result.statistic:.4g}</td><td>{p_value}</td><td>{result.threshold:g}</td>"
            f"<td>{status}</td><td>{result.reference_rows} / {result.current_rows}</td><td>{chart}</td>"
            "</tr>"
        )
    skipped = (
        f"<p>Not compared (missing or empty on one side): {html.escape(', '.join(drift.skipped))}</p>"
        if drift.skipped
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p><strong>{verdict}</strong>: {html.escape(drift.summary(top=0))}; the dataset counts as drifted "
        "when half of its columns drift (Evidently's default).</p>"
        '<p class="legend">Tests as Evidently documents them: KS / Z / chi-square (drift when p &lt; 0.05) '
        "for a reference of at most 1000 rows, normed Wasserstein / Jensen-Shannon distance (drift when "
        '&ge; 0.1) above. <span style="background:' + REFERENCE_COLOUR + '"></span>reference'
        f'<span style="background:{CURRENT_COLOUR}"></span>current</p>'
        '<div class="table"><table><thead><tr><th>Column</th><th>Kind</th><th>Test</th>'
        "<th>Statistic</th><th>p-value</th>"
        "<th>Threshold</th><th>Drift</th><th>Rows (ref / cur)</th><th>Distribution</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>{skipped}</body></html>"
    )
