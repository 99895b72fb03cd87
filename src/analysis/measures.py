"""The DTI's structure: pillars, main indicators, national aggregates, and their labels."""

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
# DTI 2020 used 3 pillars x 7 indicators: its indicator figures do not compare with later years.
FIRST_YEAR_OF_EIGHT_INDICATORS = 2021
FIRST_EDITION = 2020
UNIT_SYSTEMS = (63, 34)
NATIONAL_AVERAGE_UNIT = "Cả nước (trung bình cấp tỉnh)"
NATIONAL_INDEX_UNIT = "Việt Nam (DTI quốc gia)"
NATIONAL_UNITS = (NATIONAL_AVERAGE_UNIT, NATIONAL_INDEX_UNIT)
# The province the suite is about (and whose Resolution 06-NQ/TU the targets belong to).
HOME_PROVINCE = "Hải Dương"
LANGS = ("vi", "en")  # languages of labels, sentences and briefs

LABELS = {
    "vi": {
        "dti": "Chỉ số DTI (tổng thể)",
        "pillar_government": "Trụ cột chính quyền số",
        "pillar_economy": "Trụ cột kinh tế số",
        "pillar_society": "Trụ cột xã hội số",
        "awareness": "Nhận thức số",
        "institutions": "Thể chế số",
        "infrastructure": "Hạ tầng số",
        "human_resources": "Nhân lực số",
        "cybersecurity": "An toàn thông tin mạng",
        "activity_government": "Hoạt động chính quyền số",
        "activity_economy": "Hoạt động kinh tế số",
        "activity_society": "Hoạt động xã hội số",
        "national_average_dti": "Trung bình DTI cấp tỉnh",
        "national_average_pillar_government": "Trung bình cấp tỉnh: chính quyền số",
        "national_average_pillar_economy": "Trung bình cấp tỉnh: kinh tế số",
        "national_average_pillar_society": "Trung bình cấp tỉnh: xã hội số",
        "national_dti": "DTI quốc gia",
    },
    "en": {
        "dti": "DTI (overall)",
        "pillar_government": "Digital government pillar",
        "pillar_economy": "Digital economy pillar",
        "pillar_society": "Digital society pillar",
        "awareness": "Digital awareness",
        "institutions": "Digital institutions",
        "infrastructure": "Digital infrastructure",
        "human_resources": "Digital human resources",
        "cybersecurity": "Cybersecurity",
        "activity_government": "Digital-government activity",
        "activity_economy": "Digital-economy activity",
        "activity_society": "Digital-society activity",
        "national_average_dti": "Provincial average DTI",
        "national_average_pillar_government": "Provincial average: digital government",
        "national_average_pillar_economy": "Provincial average: digital economy",
        "national_average_pillar_society": "Provincial average: digital society",
        "national_dti": "National-level DTI",
    },
}

# The national average of a province measure, where one is published.
NATIONAL_AVERAGE_OF = {
    "dti": "national_average_dti",
    "pillar_government": "national_average_pillar_government",
    "pillar_economy": "national_average_pillar_economy",
    "pillar_society": "national_average_pillar_society",
}


def label(measure: str, lang: str = "vi") -> str:
    return LABELS[lang].get(measure, measure)
