"""Render every chart for one province from the real data to PNG files under outputs/figures/.

    python -m analysis.figures            # Hải Dương, Vietnamese and English
    python -m analysis.figures --lang vi

Saving lives here, not in analysis.charts. Files are written to a temporary name and renamed,
and carry no date or software metadata, so the same data give the same bytes.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script: no window

import matplotlib.pyplot as plt

from analysis import charts, target_charts
from analysis.atomic import write_bytes_atomic
from analysis.chart_style import figsize_of
from analysis.comparisons import default_peers
from analysis.data import (
    editions,
    load_provinces,
    load_sources,
    load_target_progress,
    load_target_revisions,
    load_targets,
    preferred_dti,
    resolve_province,
)
from analysis.measures import HOME_PROVINCE, INDICATORS, LANGS, PILLARS
from analysis.names import slugify
from analysis.paths import OUTPUTS_DIR

FIGURES_DIR = OUTPUTS_DIR / "figures"


def save_png(fig, path: Path) -> Path:
    """Write the figure as PNG atomically, without metadata that changes between runs."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    write_bytes_atomic(buffer.getvalue(), path)
    return path


def latest_profile_year(pref, province, years) -> int:
    """The latest edition in which the province has pillar or indicator figures (its profile
    has something to show), else the latest edition."""
    own = pref[(pref["unit"] == province) & pref["measure"].isin(PILLARS + INDICATORS)
               & pref["year"].isin(years)]
    return int(own["year"].max()) if len(own) else max(years)


def render_all(province: str = HOME_PROVINCE, langs=LANGS, out_dir: Path = FIGURES_DIR,
               data_dir=None) -> list[Path]:
    """Every chart of the province in each of `langs`, drawn from the data and saved as
    `<slug>_<chart>_<lang>.png` under `out_dir`; the paths written."""
    province = resolve_province(province, data_dir)
    pref, sources = preferred_dti(data_dir), load_sources(data_dir)
    provinces, targets = load_provinces(data_dir), load_targets(data_dir)
    revisions, progress = load_target_revisions(data_dir), load_target_progress(data_dir)
    years = editions(data_dir)
    peers = default_peers(province, provinces)
    profile_year = latest_profile_year(pref, province, years)

    slug = slugify(province)
    charts.set_theme()
    written = []
    for lang in langs:
        jobs = {
            "rank_trajectories": (charts.rank_trajectories,
                                  (pref, province, peers, years, sources, lang),
                                  {"provinces": provinces}),
            "indicator_profile": (charts.indicator_profile,
                                  (pref, province, peers, profile_year, sources, lang), {}),
            "target_revisions_percent": (target_charts.target_revisions,
                                         (revisions, targets, "percent", lang, sources), {}),
            "target_revisions_count": (target_charts.target_revisions,
                                       (revisions, targets, "count", lang, sources), {}),
            "target_progress_T08": (target_charts.target_progress,
                                    (progress, targets, "T08", lang, sources), {}),
            "rank_against_target": (target_charts.rank_against_target_chart,
                                    (pref, targets, province, sources, lang), {}),
        }
        for name, (chart, args, kwargs) in jobs.items():
            # The brief's own size (chart_style.FIGSIZES, sized to print on A4): one per chart.
            fig, ax = plt.subplots(figsize=figsize_of(chart))
            try:
                chart(*args, ax=ax, **kwargs)
                written.append(save_png(fig, out_dir / f"{slug}_{name}_{lang}.png"))
            finally:
                plt.close(fig)
    return written


def main(argv=None) -> int:
    """The command line: the charts of `--province` in each `--lang` (default: both) saved under
    `--out`, each path printed; exit status 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default=HOME_PROVINCE)
    parser.add_argument("--lang", choices=["vi", "en"], action="append")
    parser.add_argument("--out", type=Path, default=FIGURES_DIR)
    args = parser.parse_args(argv)
    for path in render_all(args.province, tuple(args.lang or LANGS), args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
