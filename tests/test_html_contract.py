"""The brief's HTML contract (`analysis.html_contract`): what a brief's own HTML is made of comes
out of the one sanitiser unchanged, and nothing else does. (Hostile outputs, and the contract
inside a whole rendered brief: tests/runner/test_export.py.)

Every number here is SYNTHETIC."""

from __future__ import annotations

import base64

import pytest

from analysis.html_contract import sanitize_html

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
CSV = base64.b64encode("year,unit,measure,score\n2022,Tỉnh A,dti,0.5\n".encode()).decode()

# The shared contract, written the way the sanitiser serialises it: it must come out unchanged.
CONTRACT = [
    ('<section class="glance"><h2 id="tom-tat">Tóm tắt</h2><ul><li>Hạng 13/63<sup class="cite">'
    '<a href="#src-1">[1]</a></sup></li></ul></section>'),
    ('<table class="brief-table" id="tbl-peers"><thead><tr><th scope="col">Chỉ số</th>'
    '<th scope="col">Điểm</th></tr></thead><tbody><tr><th scope="row">Tỉnh A</th><td>0,5000'
    '<sup class="cite"><a href="#src-2">[2]</a></sup></td></tr><tr><th scope="row">Tỉnh B</th>'
    "<td>—</td></tr></tbody></table>"),
    '<p class="legend">— : chưa công bố</p>',
    '<p class="gap">Chưa có nguồn nào công bố điểm các trụ cột năm 2022.</p>',
    ('<ol class="sources"><li id="src-1">Bộ TT&amp;TT, <a href="https://dti.gov.vn/a?x=1&amp;y=2">'
    "Báo cáo DTI</a>, 20/7/2023</li><li id=\"src-2\">Báo X, <a href=\"http://example.vn/b\">Tin</a>"
    ", 2023</li></ol>"),
    (f'<a class="download" download="hai-duong-2022.vi.csv" href="data:text/csv;charset=utf-8;base64,{CSV}">'
    "Tải số liệu (CSV)</a>"),
    f'<img src="data:image/png;base64,{PNG}" alt="biểu đồ">',
    '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="chart">',
    '<h3 id="Hồ-sơ-DTI">Hồ sơ DTI</h3>',
    ('<figure id="fig-1"><img src="data:image/png;base64,AAAA" alt=""><figcaption>Nguồn: [1]'
    "</figcaption></figure>"),
]


@pytest.mark.parametrize("snippet", CONTRACT)
def test_contract_html_survives_the_sanitiser_intact(snippet):
    assert sanitize_html(snippet) == snippet


def test_unknown_classes_and_ids_on_other_elements_are_dropped():
    out = sanitize_html('<p class="legend hidden" id="x">a</p><div class="glance">b</div>'
                        '<a class="download evil" href="#src-1">c</a>')
    assert out == '<p class="legend">a</p><div>b</div><a class="download" href="#src-1">c</a>'
