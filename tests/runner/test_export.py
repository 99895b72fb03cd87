"""Brief rendering: the one sanitiser (hostile outputs inert, contract HTML intact), stable Styler
ids, `<pre>` left alone, byte-identical pages, what a page would load, and the print stylesheet.

Every number in these notebooks is SYNTHETIC (layout and safety checks only)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from test_html_contract import CONTRACT, PNG

from analysis.html_contract import SANITIZE_TAGS
from analysis.paths import TEMPLATES_DIR
from analysis.runner.brief_exporter import render_brief
from analysis.runner.export import external_resources, normalise

HOSTILE_MARKDOWN = [
    "Nhà xuất bản <img src=x onerror=alert('md-img')>",
    "<script>alert('md-script')</script>",
    "[bấm vào](javascript:alert('md-js'))",
    "[bấm](JaVaScRiPt:alert('md-js2')) [b](vbscript:msgbox('md-vb'))",
    "[dữ liệu](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"jav&#x09;ascript:alert('md-tab')\">tab</a>",
    "<iframe src=\"https://evil.example/\"></iframe><style>body{display:none}</style>",
    "![ảnh](https://evil.example/track.png)",
    "<details open ontoggle=alert('md-toggle')><summary>x</summary></details>",
]
HOSTILE_HTML = [
    "<img src=\"data:image/png;base64,AAAA\" onerror=\"alert('html-img')\">",
    "<a href=\"javascript:alert('html-js')\">x</a>",
    "<svg onload=\"alert('html-svg')\"><circle r=\"5\"/></svg>",
    "<a href=\"data:text/html,&lt;script&gt;alert('html-data')&lt;/script&gt;\">d</a>",
    "<p onclick=\"alert('html-click')\" style=\"background:url(https://evil.example/x.png)\">p</p>",
    ("<form action=\"https://evil.example/\"><input name=\"q\"><button formaction=\"javascript:alert(1)\">"
    "go</button></form>"),
    "<object data=\"https://evil.example/x.swf\"></object><embed src=\"https://evil.example/y\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\"><base href=\"https://evil.example/\">",
    "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\"><style>@import 'https://evil.example/y.css';</style>",
    "<img src=\"x\" srcset=\"https://evil.example/a.png 2x\"><img src=\"data:text/html;base64,AAAA\">",
    "<a class=\"download\" download=\"../../x.csv\" href=\"data:application/x-sh;base64,AAAA\">sh</a>",
    "<math><mi xlink:href=\"javascript:alert('html-math')\">x</mi></math>",
    "<table class=\"brief-table\" onmouseover=\"alert('html-table')\"><tr><td>1</td></tr></table>",
]

# Elements the template itself writes around the outputs.
TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "div", "p", "pre", "img"}
ALLOWED_HREF = re.compile(r"^(#|https?://|data:text/csv[;,]|(\.\./)*[a-z0-9][a-z0-9._/-]*\.html$)",
                          re.IGNORECASE)
ALLOWED_SRC = re.compile(r"^data:image/(png|svg\+xml);base64,", re.IGNORECASE)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(page)
    return parser.elements


def brief_of(*outputs, markdown_cells=()) -> str:
    cell = new_code_cell("x", execution_count=1)
    cell.outputs = list(outputs)
    nb = new_notebook(cells=[new_markdown_cell(m) for m in markdown_cells] + [cell])
    return render_brief(normalise(nb), title="Brief", kicker="Tỉnh A · DTI 2022", lang="vi")


def assert_inert(page: str) -> None:
    body = page[page.index("<main"):]
    for tag, attrs in elements(body):
        assert tag in SANITIZE_TAGS | TEMPLATE_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("style", "action", "formaction", "srcset", "xlink:href", "data"), (tag, name)
            if name == "href":
                assert ALLOWED_HREF.match(value or ""), (tag, value)
            if name == "src":
                assert ALLOWED_SRC.match(value or ""), (tag, value)
            if name == "download":
                assert "/" not in value and "\\" not in value
    assert "<style" not in body and "<script" not in page.lower()
    assert external_resources(page) == []


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN)
def test_hostile_markdown_output_is_inert(text):
    assert_inert(brief_of(new_output("display_data", {"text/markdown": text})))


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN)
def test_hostile_markdown_cell_is_inert(text):
    assert_inert(brief_of(markdown_cells=[text]))


@pytest.mark.parametrize("text", HOSTILE_HTML)
def test_hostile_html_output_is_inert(text):
    assert_inert(brief_of(new_output("display_data", {"text/html": text})))


def test_all_hostile_outputs_in_one_brief_leave_no_handler_and_no_script_url():
    page = brief_of(*[new_output("display_data", {"text/markdown": t}) for t in HOSTILE_MARKDOWN],
                    *[new_output("display_data", {"text/html": t}) for t in HOSTILE_HTML])
    assert_inert(page)
    assert not re.search(r"javascript:|vbscript:|data:text/html|evil\.example", page, re.IGNORECASE)


def test_charts_get_their_alt_text_or_none_never_an_english_placeholder():
    chart = new_output("display_data", {"image/png": PNG}, metadata={"image/png": {"alt": "Biểu đồ <hạng>"}})
    page = brief_of(chart, new_output("display_data", {"image/png": PNG}))
    assert [a["alt"] for tag, a in elements(page) if tag == "img"] == ["Biểu đồ <hạng>", ""]
    assert "No description" not in page


def test_svg_output_becomes_an_image_so_its_script_never_runs():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'
    page = brief_of(new_output("display_data", {"image/svg+xml": svg}))
    assert "<svg" not in page
    (src,) = [a["src"] for tag, a in elements(page) if tag == "img"]
    assert base64.b64decode(src.split(",", 1)[1]).decode() == svg


def test_contract_html_reaches_the_brief_intact_and_citations_resolve():
    page = brief_of(*[new_output("display_data", {"text/html": s}) for s in CONTRACT])
    for snippet in CONTRACT:  # as the sanitiser left it: nothing re-serialises the page
        assert snippet in page
    ids = {a["id"] for _, a in elements(page) if "id" in a}
    targets = {a["href"][1:] for tag, a in elements(page) if tag == "a" and a.get("href", "").startswith("#")}
    assert targets and targets <= ids


def test_markdown_headings_keep_their_ids_and_the_anchor_does_not_swallow_the_text():
    page = brief_of(new_output("display_data", {"text/markdown": "## Số liệu chính\n\nĐoạn văn."}),
                    markdown_cells=["# Hồ sơ\n\nMở đầu."])
    assert re.search(r'<h2 id="([^"]+)">Số liệu chính<a class="anchor-link" href="#\1">¶</a></h2>', page)
    assert "<p>Đoạn văn.</p>" in page and "<p>Mở đầu.</p>" in page


def _styler_html(seed: int) -> str:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    return frame.style.set_uuid(f"{seed:05x}"[:5]).highlight_max().to_html()


def test_each_styler_table_gets_a_stable_id_of_its_own():
    def notebook(seeds):
        cells = []
        for i, pair in enumerate(seeds):
            cell = new_code_cell("x", execution_count=i + 1)
            cell.outputs = [new_output("display_data", {"text/html": _styler_html(s)}) for s in pair]
            cells.append(cell)
        return normalise(new_notebook(cells=cells))

    first, second = notebook([(0xA1B2C, 0xD3E4F), (0x12345,)]), notebook([(0xFFFFF, 0x0ABCD), (0x54321,)])
    htmls = [o["data"]["text/html"] for c in first.cells for o in c.outputs]
    assert htmls == [o["data"]["text/html"] for c in second.cells for o in c.outputs]
    ids = [set(re.findall(r"T_c\d+_\d+", h)) for h in htmls]
    assert ids == [{"T_c1_1"}, {"T_c1_2"}, {"T_c2_1"}]
    assert "#T_c1_1_row" in htmls[0] and "T_brief" not in "".join(htmls)


def test_printed_output_keeps_its_whitespace():
    text = "cột  A    cột B   \n\n\n\n   thụt lề\t\n"
    page = brief_of(new_output("stream", name="stdout", text=text),
                    new_output("display_data", {"text/html": "<pre>x   \n\n\n\ny  </pre>"}))
    assert "<pre>" + text.replace("\t", "\t") + "</pre>" in page
    assert "<pre>x   \n\n\n\ny  </pre>" in page


def test_the_same_notebook_gives_the_same_bytes():
    cell = new_code_cell("x", execution_count=1)
    cell.outputs = [new_output("display_data", {"text/html": s}) for s in CONTRACT + HOSTILE_HTML]
    nb = new_notebook(cells=[new_markdown_cell("# Hồ sơ"), cell])
    pages = {render_brief(normalise(nb), title="B", kicker="K", lang="vi") for _ in range(2)}
    assert len(pages) == 1


def test_external_resources_finds_what_a_page_loads():
    page = """<a href="https://dti.gov.vn/">a link is not a load</a><a href="other.html">nor this</a>
    <script src="https://cdn.example/require.js"></script>
    <link rel="stylesheet" href="//cdn.example/x.css"><img src='http://x.example/a.png'>
    <img src="data:image/png;base64,AAAA" srcset="data:image/png;base64,AA,AA 1x, https://x.example/b.png 2x">
    <picture><source srcset="img/c.webp"></picture>
    <style>/* url(https://comment.example/) */ @import url("https://fonts.example/f.css");
    @import 'https://fonts.example/g.css'; div{background:url(https://x/y.png)}
    p{background:\\75 rl(https://escaped.example/z.png)} b{background-image:image-set("https://set.example/s.png" 1x)}</style>
    <div style="background-image: url('&#104;ttps://entity.example/e.png')"></div>
    <svg><image href="https://svg.example/i.png"/><use xlink:href="sprite.svg#x"/><use href="#local"/></svg>
    <video poster="//video.example/p.jpg"></video><object data="https://obj.example/o"></object>
    <meta http-equiv="refresh" content="5; url=https://refresh.example/">
    <script>fetch("https://api.example/q")</script>
    <img src="chart.png"><img src="">"""
    assert external_resources(page) == sorted([
        "//cdn.example/x.css", "//video.example/p.jpg", "<script> (inline)", "chart.png",
        "http://x.example/a.png", "https://api.example/q", "https://cdn.example/require.js",
        "https://entity.example/e.png", "https://escaped.example/z.png", "https://fonts.example/f.css",
        "https://fonts.example/g.css", "https://obj.example/o", "https://refresh.example/",
        "https://set.example/s.png", "https://svg.example/i.png", "https://x.example/b.png",
        "https://x/y.png", "img/c.webp", "sprite.svg#x",
    ])


def test_nbconvert_s_default_page_is_caught_and_a_brief_is_clean():
    from nbconvert import HTMLExporter

    default, _ = HTMLExporter(template_name="lab").from_notebook_node(new_notebook(cells=[new_markdown_cell("# x")]))
    found = external_resources(default)
    assert any("require" in url for url in found) and any("mathjax" in url.lower() for url in found)
    assert external_resources(brief_of(*[new_output("display_data", {"text/html": s}) for s in CONTRACT])) == []


def test_print_stylesheet_rules():
    css = (TEMPLATES_DIR / "brief.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    print_block = css[css.index("@media print"):]
    for rule in (r"thead\s*\{\s*display:\s*table-header-group",
                 r"break-inside:\s*avoid",
                 r'ol\.sources a\[href\^="http"\]::after\s*\{\s*content:\s*" \(" attr\(href\) "\)"',
                 r"a\.download[^{]*\{\s*display:\s*none"):
        assert re.search(rule, print_block), rule
    for selector in ("section.glance", "p.legend", "p.gap", "sup.cite", "ol.sources", "a.download",
                     "table.brief-table"):
        assert selector in css[:css.index("@media print")], selector
    assert "url(" not in css  # the stylesheet itself loads nothing


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext") and shutil.which("pdfinfo")),
                    reason="needs chromium and poppler-utils")
def test_printing_gives_a4_pages_with_source_urls_and_no_download_link(tmp_path):
    html = tmp_path / "brief.html"
    html.write_text(brief_of(*[new_output("display_data", {"text/html": s}) for s in CONTRACT]),
                    encoding="utf-8")
    pdf = tmp_path / "brief.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info), info
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)  # a long URL may wrap
    assert "BáocáoDTI(https://dti.gov.vn/a?x=1&y=2)" in flat and "Tin(http://example.vn/b)" in flat
    assert "Tải số liệu (CSV)" not in text


PWN = "document.documentElement.setAttribute('data-'+'pwned','1')"


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs chromium")
def test_hostile_outputs_run_nothing_in_a_real_browser(tmp_path):
    markdown = [f"<img src=x onerror=\"{PWN}\">", f"<script>{PWN}</script>",
                f"<svg><script>{PWN}</script></svg>", f"<details open ontoggle=\"{PWN}\"><summary>s</summary></details>"]
    html = [f"<img src=\"data:image/png;base64,AAAA\" onerror=\"{PWN}\">", f"<svg onload=\"{PWN}\"></svg>",
            f"<body onload=\"{PWN}\">", f"<iframe srcdoc=\"<script>parent.{PWN}</script>\"></iframe>",
            f"<style onload=\"{PWN}\"></style>", f"<video><source onerror=\"{PWN}\"></video>"]
    page = tmp_path / "brief.html"
    page.write_text(brief_of(*[new_output("display_data", {"text/markdown": m}) for m in markdown],
                             *[new_output("display_data", {"text/html": h}) for h in html]), encoding="utf-8")
    control = tmp_path / "control.html"  # the same payload unsanitised does run: the check works
    control.write_text(f'<html><body><img src=x onerror="{PWN}"></body></html>', encoding="utf-8")

    def dom(path):
        return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
                               "--dump-dom", path.as_uri()],
                              check=True, capture_output=True, text=True, timeout=120).stdout

    assert 'data-pwned="1"' in dom(control)
    assert 'data-pwned="1"' not in dom(page)


def test_a_cell_tagged_notebook_only_stays_out_of_the_brief():
    heading = new_markdown_cell("# Hồ sơ DTI một kỳ · DTI year profile")
    heading.metadata["tags"] = ["notebook-only"]
    shown = new_markdown_cell("Đoạn văn cho người đọc")
    cell = new_code_cell("x", execution_count=1)
    page = render_brief(normalise(new_notebook(cells=[heading, shown, cell])), title="Brief",
                        kicker="", lang="vi")
    assert "DTI year profile" not in page
    assert "Đoạn văn cho người đọc" in page


def test_every_notebook_s_static_bilingual_heading_is_notebook_only():
    import nbformat

    from analysis.paths import NOTEBOOKS_DIR

    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                assert "notebook-only" in cell.metadata.get("tags", []), path.name
