"""outputs/index.html (analysis.runner.index_page): grouping by edition, Vietnamese order of provinces,
vi/en side by side, variants, failures, escaping, the headline strip, and 1,300 briefs.

Entries are SYNTHETIC manifest rows (no figures); the headline strip reads the real data/."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import pytest

from analysis.data import load_provinces, load_sources, preferred_dti
from analysis.i18n import t
from analysis.measures import HOME_PROVINCE
from analysis.runner.index_page import headline_ranks, render_index, write_index


def entry(year, province, notebook="01_year_profile", lang="vi", status="ok", variant=None, **extra):
    folder = f"{year}/{province or 'all'}"
    stem = f"{notebook}.{lang}"
    row = {"key": f"{folder}/{stem}", "year": year, "province": province, "notebook": notebook,
           "lang": lang, "status": status, "error": "", "title": f"{notebook} {province} {year} {lang}",
           "html": f"{folder}/{stem}.html" if status == "ok" else None,
           "ipynb": f"{folder}/{stem}.ipynb" if status == "ok" else f"_failed/{folder}/{stem}.ipynb"}
    if variant is not None:
        row["variant"] = variant
    row.update(extra)
    return row


def rowgroups(page: str) -> list[str]:
    return re.findall(r'<th scope="rowgroup"[^>]*>(.*?)</th>', page)


def section(page: str, year) -> str:
    start = page.index(f'<details id="ed-{year}"')
    return page[start:page.index("</details>", start)]


class _Rows(HTMLParser):
    """Each table row as a list of its links' hrefs."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "a" and self.rows:
            self.rows[-1].append(dict(attrs)["href"])


def rows_of(page: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(page[page.index("<details"):])
    return [r for r in parser.rows if r]


PROVINCES = ["Bình Thuận", "Bạc Liêu", "Đà Nẵng", "Bình Định", "An Giang", "Hà Nội", "Bắc Giang",
             "Cà Mau", "Bà Rịa - Vũng Tàu", "Điện Biên", HOME_PROVINCE, "Đắk Lắk"]


def test_home_province_first_then_all_provinces_then_vietnamese_alphabetical_order():
    entries = [entry(2022, p) for p in PROVINCES] + [entry(2022, None, "03_target_revisions")]
    random.Random(7).shuffle(entries)
    page = render_index(entries)
    assert rowgroups(page) == [
        HOME_PROVINCE, t("index.all_provinces", "vi"), "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu",
        "Bắc Giang", "Bình Định", "Bình Thuận", "Cà Mau", "Đà Nẵng", "Đắk Lắk", "Điện Biên", "Hà Nội"]


def test_vi_and_en_versions_of_a_brief_sit_side_by_side_in_one_row():
    entries = [entry(2022, "Bắc Giang", lang=lang) for lang in ("en", "vi")]
    entries += [entry(2022, "Bắc Giang", "02_trends", lang=lang) for lang in ("vi", "en")]
    page = render_index(entries)
    assert rows_of(page) == [
        ["2022/Bắc Giang/01_year_profile.vi.html", "2022/Bắc Giang/01_year_profile.en.html"],
        ["2022/Bắc Giang/02_trends.vi.html", "2022/Bắc Giang/02_trends.en.html"]]
    assert '<th scope="col" lang="vi">Tiếng Việt</th><th scope="col" lang="en">English</th>' in page
    assert f'{t("index.title", "vi")} <span class="alt" lang="en">/ {t("index.title", "en")}</span>' in page


def test_one_language_run_is_in_that_language_only():
    page = render_index([entry(2022, "Bắc Giang", lang="en")])
    assert '<html lang="en">' in page and t("index.title", "en") in page
    assert t("index.title", "vi") not in page and "Tiếng Việt" not in page
    vi_page = render_index([entry(2022, "Bắc Giang", lang="vi")])
    assert '<html lang="vi">' in vi_page and 'lang="en"' not in vi_page


def test_grouped_by_edition_newest_first_each_a_collapsible_section():
    entries = [entry(y, "Bắc Giang") for y in (2021, 2024, 2022)] + [entry(None, "Bắc Giang", "02_trends")]
    page = render_index(entries)
    assert re.findall(r'<details id="(ed-[^"]+)"', page) == ["ed-2024", "ed-2022", "ed-2021", "ed-none"]
    for year in (2021, 2022, 2024):
        assert f"{year}/Bắc Giang/01_year_profile.vi.html" in section(page, year)
        assert section(page, year).count('<a href="') == 1
    assert "<script" not in page and "http" not in page.split("</section>", 1)[1]


def test_variant_shown_when_not_empty():
    entries = [entry(2022, "Bắc Giang", variant=""), entry(2022, "Bắc Giang", variant="peers-ha-noi-hai-phong"),
               entry(2022, "Bắc Giang", lang="en", variant="peers-ha-noi-hai-phong")]
    page = render_index(entries)
    assert page.count('<span class="variant">') == 1
    assert '<span class="variant">peers-ha-noi-hai-phong</span>' in page
    rows = rows_of(page)
    assert len(rows) == 2 and len(rows[1]) == 2  # the variant's vi and en in one row


def test_failed_run_is_marked_with_its_notebook_and_the_previous_brief():
    failed = entry(2023, "Bắc Giang", status="failed", error="NameError: <x> & y",
                   previous_html="2023/Bắc Giang/01_year_profile.vi.html")
    page = render_index([failed, entry(2023, "Bắc Giang", lang="en")])
    cell = re.search(r'<td class="failed" lang="vi">(.*?)</td>', page).group(1)
    assert t("index.failed", "vi") in cell and t("index.previous_brief", "vi") in cell
    assert 'href="_failed/2023/Bắc Giang/01_year_profile.vi.ipynb"' in cell
    assert 'href="2023/Bắc Giang/01_year_profile.vi.html"' in cell
    assert "NameError: &lt;x&gt; &amp; y" in cell
    assert "1 lượt chạy lỗi" in section(page, 2023)


def test_text_from_the_entries_is_escaped():
    hostile = '<img src=x onerror="alert(1)">'
    page = render_index([entry(2022, hostile, variant=hostile, title=hostile, error=hostile,
                               status="failed", previous_html='x" onmouseover="alert(2)')])
    assert "<img" not in page.split("</section>", 1)[1] and "onerror=\"" not in page
    assert 'href="x&quot; onmouseover=&quot;alert(2)"' in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_headline_strip_shows_the_published_rank_per_edition_with_its_source():
    strip = headline_ranks()
    dti = preferred_dti()
    urls = dict(zip(load_sources()["source_id"], load_sources()["url"]))
    merged_unit = load_provinces().set_index("name").loc[HOME_PROVINCE, "unit_2025"]
    assert [item["year"] for item in strip] == sorted({int(y) for y in dti["year"]})
    for item in strip:
        home = dti[(dti["year"] == item["year"]) & (dti["unit_system"] == 63)
                   & (dti["unit"] == HOME_PROVINCE) & (dti["measure"] == "dti") & dti["rank"].notna()]
        if len(home):
            assert item["rank"] == int(home["rank"].iloc[0])
            assert item["url"] == urls[home["rank_source_id"].iloc[0]]
        else:
            assert item["rank"] is None and item["url"] is None
        merged = dti[(dti["year"] == item["year"]) & (dti["unit_system"] == 34)
                     & (dti["unit"] == merged_unit) & (dti["measure"] == "dti") & dti["rank"].notna()]
        assert (item["merged"] is not None) == bool(len(merged))
        if len(merged):
            assert item["merged"]["rank"] == int(merged["rank"].iloc[0]) and item["merged"]["n_units"] == 34
    # The README's "What is missing": Hải Dương's own 2023 and 2024 ranks; 2024 via the merged unit.
    by_year = {item["year"]: item for item in strip}
    assert by_year[2023]["rank"] is None and by_year[2024]["rank"] is None
    assert by_year[2024]["merged"]["unit"] == merged_unit


def test_headline_strip_says_not_published_once_and_labels_the_merged_unit():
    page = render_index([entry(2022, HOME_PROVINCE, lang=lang) for lang in ("vi", "en")])
    strip = page[page.index('<section class="headline"'):page.index("</section>")]
    assert strip.count(t("common.not_published", "vi")) == 1
    assert strip.count(t("common.not_published", "en")) == 1
    assert t("index.merged_label", "vi") in strip and t("index.merged_note", "vi") in strip
    for item in headline_ranks():
        if item["rank"] is not None:
            assert f'{item["rank"]}/63</span> <a class="src" href="{item["url"]}">' in strip
    assert strip.count('<span class="rank">—</span>') == sum(i["rank"] is None for i in headline_ranks())


def synthetic_entries(n_per_year: int = 130) -> list[dict]:
    """1,300 SYNTHETIC manifest rows: 5 editions x 2 languages x (63 provinces x 2 notebooks +
    4 all-province variants)."""
    provinces = list(load_provinces()["name"])
    entries = []
    for year in range(2020, 2025):
        for lang in ("vi", "en"):
            for province in provinces:
                for notebook in ("01_year_profile", "02_trends"):
                    entries.append(entry(year, province, notebook, lang, variant=""))
            for variant in ("", "peers-a", "peers-b", "lang-note"):
                entries.append(entry(year, None, "03_target_revisions", lang, variant=variant))
    entries[17]["status"], entries[17]["html"] = "timeout", None
    return entries


def test_1300_briefs_stay_one_compact_page_with_collapsed_sections(tmp_path):
    entries = synthetic_entries()
    assert len(entries) == 1300
    page = render_index(entries)
    size = len(page.encode("utf-8"))
    assert size < 600_000, size  # about 0.3 KB a brief: opens at once, no script needed
    assert page.count("<details ") == 5 and page.count("<details id=\"ed-2024\" open>") == 1
    assert page.count(" open>") == 1  # only the newest edition starts open
    assert len(rows_of(page)) == 650
    hrefs = re.findall(r'<td lang="\w\w"><a href="([^"]+)"', page)
    assert sorted(hrefs) == sorted(e["html"] for e in entries if e["html"])
    assert page.count('<td class="failed"') == 1
    first, second = rowgroups(section(page, 2024))[:2]
    assert first == HOME_PROVINCE and second.startswith(t("index.all_provinces", "vi"))


def test_same_entries_give_the_same_bytes_whatever_their_order(tmp_path):
    entries = synthetic_entries()
    shuffled = entries[:]
    random.Random(3).shuffle(shuffled)
    write_index(tmp_path, entries)
    first = (tmp_path / "index.html").read_bytes()
    assert render_index(shuffled).encode("utf-8") == first


@pytest.mark.parametrize("entries", [[]])
def test_an_empty_run_says_so(entries):
    page = render_index(entries)
    assert t("index.empty", "vi") in page and "<details" not in page
