"""The DTI's structure: pillars, main indicators, national aggregates. Their names in each language
live in the catalogs (`locales/<lang>.toml`, `[label.measures]`); `analysis.i18n.label()` looks one
up. Plain constants, importing nothing: every layer (ingest, data, briefs, runner) reads them."""

from __future__ import annotations

OVERALL = "dti"
PILLARS = ("pillar_government", "pillar_economy", "pillar_society")
INDICATORS = (
    "awareness", "institutions", "infrastructure", "human_resources", "cybersecurity",
    "activity_government", "activity_economy", "activity_society",
)
PROVINCE_MEASURES = (OVERALL, *PILLARS, *INDICATORS)
NATIONAL_MEASURES = (
    "national_average_dti", "national_average_pillar_government",
    "national_average_pillar_economy", "national_average_pillar_society", "national_dti",
)
MEASURES = PROVINCE_MEASURES + NATIONAL_MEASURES
# The key of dti.csv: a figure (edition, unit system, unit, measure) as one source published it.
# Sources that disagree both stay; `analysis.data.preferred_dti` keeps one row per figure.
DTI_KEY = ["year", "unit_system", "unit", "measure", "source_id"]
# DTI 2020 used 3 pillars x 7 indicators: its indicator figures do not compare with later years.
FIRST_YEAR_OF_EIGHT_INDICATORS = 2021
FIRST_EDITION = 2020
UNIT_SYSTEMS = (63, 34)
# Ranked among the 63 provinces before the 2025 merger, or among the 34 units after it.
UNITS_BEFORE_MERGER, UNITS_AFTER_MERGER = UNIT_SYSTEMS
RESOLUTION = "06-NQ/TU"  # the home province's resolution on digital transformation (2021)
NATIONAL_AVERAGE_UNIT = "Cả nước (trung bình cấp tỉnh)"
NATIONAL_INDEX_UNIT = "Việt Nam (DTI quốc gia)"
NATIONAL_UNITS = (NATIONAL_AVERAGE_UNIT, NATIONAL_INDEX_UNIT)
# The province the suite is about (and whose Resolution 06-NQ/TU the targets belong to).
HOME_PROVINCE = "Hải Dương"
LANGS = ("vi", "en")  # languages of labels, sentences and briefs

# The national average of a province measure, where one is published.
NATIONAL_AVERAGE_OF = {
    "dti": "national_average_dti",
    "pillar_government": "national_average_pillar_government",
    "pillar_economy": "national_average_pillar_economy",
    "pillar_society": "national_average_pillar_society",
}
