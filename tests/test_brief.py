"""The brief around its tables and charts: links to the index and to the other language."""

from __future__ import annotations

import re

import pytest

from analysis import brief


@pytest.mark.parametrize("notebook,province", [("02_trends", "Hải Dương"),
                                               ("03_target_revisions", None)])
def test_a_brief_links_to_the_index_and_its_twin_where_the_runner_writes_them(notebook, province):
    import posixpath

    from analysis.paths import REPO_ROOT
    from analysis.runner.plan import Notebook, Run

    book = Notebook(notebook, REPO_ROOT / "notebooks" / f"{notebook}.ipynb", ())
    runs = {lang: Run(book, 2021, province, lang) for lang in ("vi", "en")}
    for lang, run in runs.items():  # the same path rule as the runner's
        assert brief.brief_path(notebook, 2021, province, lang) == f"{run.key}.html"
    here = posixpath.dirname(brief.brief_path(notebook, 2021, province, "vi"))
    hrefs = re.findall(r'href="([^"]+)"', brief.nav_html(notebook, 2021, province, "vi"))
    assert [posixpath.normpath(posixpath.join(here, h)) for h in hrefs] == [
        "index.html", f"{runs['en'].key}.html"]
    assert "English" in brief.nav_html(notebook, 2021, province, "vi")
    assert "Bản tiếng Việt" in brief.nav_html(notebook, 2021, province, "en")


def test_the_links_survive_the_sanitiser_and_nothing_else_relative_does():
    from analysis.html_contract import sanitize_html
    nav = brief.nav_html("01_year_profile", 2021, "Hải Dương", "vi")
    assert sanitize_html(nav) == nav
    assert 'href' not in sanitize_html('<a href="../x.sh">a</a><a href="//evil.example/a.html">b</a>')
