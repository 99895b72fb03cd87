"""data/translations.csv: the project's translations of data texts written in one language only.

The synthetic fixtures below (texts starting "synthetic") are made up for the tests.
"""

from __future__ import annotations

import pytest

from analysis import i18n

HEADER = "text,text_lang,target_lang,translation,kind,translated_by,translated_from,note\n"


def _data_dir(tmp_path, translations: str | None, targets: str | None = None):
    (tmp_path / "processed").mkdir()
    if translations is not None:
        (tmp_path / "translations.csv").write_text(HEADER + translations, encoding="utf-8")
    if targets is not None:
        (tmp_path / "processed" / "targets.csv").write_text(targets, encoding="utf-8")
    return tmp_path


GOOD = """\
synthetic wording 20%,en,vi,lời giả 20%,source_wording,test fixture,processed/targets.csv:label_en,made up
synthetic unit,en,vi,đơn vị giả,project_text,test fixture,processed/targets.csv:unit,made up
lời giả tiếng Việt,vi,en,synthetic Vietnamese words,source_wording,test fixture,processed/target_revisions.csv:from_wording_vi,made up
"""


def test_the_project_s_translations_are_complete_and_cover_every_text_that_needs_one():
    assert i18n.check_translations() == []


def test_the_texts_that_need_a_translation_are_found_in_the_data():
    needed = i18n.texts_needing_translation()
    pairs = set(zip(needed["text"], needed["target_lang"]))
    assert ("Digital economy share of GRDP", "vi") in pairs  # a wording given in English only
    assert ("% of GRDP", "vi") in pairs and ("enterprises (more than)", "vi") in pairs
    assert ("Phấn đấu có trên 200 doanh nghiệp công nghệ số", "en") in pairs
    assert ("dti.gov.vn (official DTI portal, Bộ TT&TT)", "vi") in pairs
    # names, bare numbers and ISO dates need none
    texts = set(needed["text"])
    assert not {"%", "20", "2022-12-31", "en.qdnd.vn", "Báo Hải Dương", "Dân trí"} & texts
    # a wording the sources give in both languages is shown in each language as given
    assert "Be among the 20 leading provinces/cities nationwide in digital transformation" \
        not in texts


def test_data_text_marks_a_translated_source_wording_only(tmp_path):
    folder = _data_dir(tmp_path, GOOD)
    assert i18n.data_text("synthetic wording 20%", "vi", folder) == "lời giả 20% (bản dịch)"
    assert i18n.data_text("synthetic unit", "vi", folder) == "đơn vị giả"
    assert i18n.data_text("lời giả tiếng Việt", "en", folder) == (
        "synthetic Vietnamese words (translation)")
    # already in the brief's language, or not translated: as the source gave it
    assert i18n.data_text("synthetic wording 20%", "en", folder) == "synthetic wording 20%"
    assert i18n.data_text("no translation here", "vi", folder) == "no translation here"
    assert i18n.data_text(None, "vi", folder) == ""
    shown = i18n.translate("synthetic unit", "vi", folder)
    assert shown.translated and not shown.marked and shown.translated_by == "test fixture"


def test_a_data_folder_without_translations_shows_texts_as_given(tmp_path):
    folder = _data_dir(tmp_path, None)
    assert i18n.data_text("synthetic unit", "vi", folder) == "synthetic unit"
    assert i18n.check_translations(folder) == []
    assert i18n.load_translations(folder).empty


def test_the_real_catalog_marks_are_in_the_brief_s_language():
    assert i18n.data_text("Digital economy share of GRDP", "vi").endswith("(bản dịch)")
    assert i18n.data_text("% of GRDP", "vi") == "% GRDP"


@pytest.mark.parametrize("row, problem", [
    ("synthetic a,en,vi,,project_text,test,processed/targets.csv:unit,x\n",
     "line 2, column translation: empty"),
    ("synthetic a,en,vi,giả,project_text,,processed/targets.csv:unit,x\n",
     "line 2, column translated_by: empty"),
    ("synthetic a,en,fr,giả,project_text,test,processed/targets.csv:unit,x\n",
     "column target_lang: 'fr': must be one of vi, en"),
    ("synthetic a,en,en,giả,project_text,test,processed/targets.csv:unit,x\n",
     "the same language as the text"),
    ("synthetic a,en,vi,giả,guess,test,processed/targets.csv:unit,x\n",
     "column kind: 'guess'"),
    ("synthetic 700 firms,en,vi,trên 200 doanh nghiệp,project_text,test,t:u,x\n",
     "the numbers of the text (700) must all be kept"),
    ("synthetic a,en,vi,giả,project_text,test,t:u,x\nsynthetic a,en,vi,giả 2,project_text,test,t:u,x\n",
     "'synthetic a' has more than one translation into vi"),
])
def test_a_bad_translation_row_is_named(tmp_path, row, problem):
    problems = i18n.check_translations(_data_dir(tmp_path, row))
    assert any(problem in p for p in problems), problems


def test_a_number_may_follow_the_language_s_separators(tmp_path):
    row = ('"synthetic 1,000 firms and 0.35",en,vi,"1.000 doanh nghiệp giả và 0,35",project_text,'
           "test,t:u,x\n")
    assert i18n.check_translations(_data_dir(tmp_path, row)) == []


def test_a_month_may_lose_its_leading_zero_but_not_its_value(tmp_path):
    kept = '"synthetic (reported 2024-08)",en,vi,"giả (báo cáo tháng 8/2024)",project_text,test,t:u,x\n'
    changed = '"synthetic (reported 2024-08)",en,vi,"giả (báo cáo tháng 9/2024)",project_text,test,t:u,x\n'
    (tmp_path / "kept").mkdir(), (tmp_path / "changed").mkdir()
    assert i18n.check_translations(_data_dir(tmp_path / "kept", kept)) == []
    assert any("numbers of the text (2024 08)" in p
               for p in i18n.check_translations(_data_dir(tmp_path / "changed", changed)))


def test_a_text_that_needs_a_translation_and_has_none_is_named(tmp_path):
    targets = ("target_id,horizon,label_vi,label_en,unit,value_text\n"
               "T1,2025,,synthetic English-only wording,synthetic unit,20\n"
               "T2,2025,lời giả,synthetic both,%,30\n")
    problems = i18n.check_translations(_data_dir(tmp_path, GOOD, targets))
    assert problems == [("translations.csv: no translation into vi of "
                         "'synthetic English-only wording' (processed/targets.csv:label_en)")]


def test_a_translations_file_without_its_columns_is_refused(tmp_path):
    (tmp_path / "processed").mkdir()
    (tmp_path / "translations.csv").write_text("text,translation\na,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        i18n.data_text("a", "vi", tmp_path)
