"""The source registry: one row per cited URL, with a stable `source_id` and a precedence tier.

Metadata (publisher, title, date) is read from the reference notes in `data/raw/reference/*.md`;
a URL cited by a table but not described there is registered with its host as publisher.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from analysis.names import slugify

SOURCE_COLUMNS = [
    "source_id", "url", "publisher", "title", "date_published", "date_shown",
    "tier", "home_province", "described_in",
]

# Precedence, written once: the official DTI portal, then the province's own paper or portal,
# then other press, then third-party compilations; within a tier the most recent page wins.
TIER_OFFICIAL, TIER_PROVINCE, TIER_PRESS, TIER_THIRD_PARTY = 1, 2, 3, 4
TIER_NAMES = {
    TIER_OFFICIAL: "official DTI portal",
    TIER_PROVINCE: "the province's own paper or portal",
    TIER_PRESS: "other press",
    TIER_THIRD_PARTY: "third-party compilation",
}
OFFICIAL_HOSTS = ("dti.gov.vn",)
THIRD_PARTY_HOSTS = ("huggingface.co", "github.com")
PRECEDENCE_RULE = (
    "Where sources disagree, the figure shown comes from the official DTI portal first, then the "
    "province's own newspaper or portal, then other press, then third-party compilations; within "
    "the same tier, the most recently published page wins."
)

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), lambda m: f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), lambda m: f"{m[1]}-{m[2]}-{m[3]}"),
    (re.compile(r"\b(\d{4})-(\d{2})\b"), lambda m: f"{m[1]}-{m[2]}"),
    (re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|"
                r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w* (\d{4})\b"),
     lambda m: f"{m[2]}-{_MONTHS.index(m[1][:3]) + 1:02d}"),
    (re.compile(r"\b(\d{4})\b"), lambda m: m[1]),
]


def source_id(url: str) -> str:
    """Stable id from the URL itself, so registering a new source never renumbers old ones."""
    host = urlsplit(url).hostname or "source"
    host = re.sub(r"^(www|m|en|news|tab)\.", "", host)
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:6]
    return f"{slugify(host)}-{digest}"


def host_of(url: str) -> str:
    """The URL's host name without "www."; "" when it has none."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


def parse_date(text: str) -> str:
    """The publication date as ISO text (YYYY, YYYY-MM or YYYY-MM-DD); '' when none is shown."""
    text = (text or "").strip()
    if not text or text.lower().startswith(("not shown", "n/d")):
        return ""
    for pattern, fmt in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            return fmt(match)
    return ""


def split_urls(cell: object) -> list[str]:
    """Cells list several URLs separated by ' ; '."""
    if not isinstance(cell, str):
        return []
    return [u.strip() for u in cell.split(" ; ") if u.strip()]


def parse_section_notes(text: str, described_in: str) -> list[dict]:
    """`## Title` sections with `- URL:`, `- Publisher:`, `- Date shown:` bullets."""
    records = []
    for section in re.split(r"\n## ", text)[1:]:
        title, _, body = section.partition("\n")
        fields = dict(re.findall(r"^- (URL|Publisher|Date shown): (.*)$", body, flags=re.MULTILINE))
        if "URL" not in fields:
            continue
        records.append({
            "url": fields["URL"].strip(),
            "publisher": fields.get("Publisher", "").strip(),
            "title": title.strip(),
            "date_shown": fields.get("Date shown", "").strip(),
            "described_in": described_in,
        })
    return records


def parse_table_notes(text: str, described_in: str) -> list[dict]:
    """Markdown tables whose header names URL (and maybe Title, Publisher, Date) columns."""
    records, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set(line) <= set("|-: "):
            continue
        row = dict(zip(header, cells))
        url = row.get("url", "")
        if not url.startswith("http"):
            continue
        records.append({
            "url": url.split(" ")[0],
            "publisher": row.get("publisher", ""),
            "title": row.get("title (as seen)", row.get("title", "")),
            "date_shown": row.get("date", ""),
            "described_in": described_in,
        })
    return records


def home_province(url: str, provinces: list[str]) -> str:
    """The province whose own newspaper or portal this is, judged from the host name."""
    host = host_of(url).replace("-", "")
    matches = [p for p in provinces if slugify(p).replace("-", "") in host]
    return max(matches, key=len) if matches else ""


def tier_of(url: str, home: str) -> int:
    """The page's precedence tier by its host: official portal, third party, the province's own
    (when `home` names one), else other press."""
    host = host_of(url)
    if host in OFFICIAL_HOSTS:
        return TIER_OFFICIAL
    if host in THIRD_PARTY_HOSTS:
        return TIER_THIRD_PARTY
    return TIER_PROVINCE if home else TIER_PRESS


def _resolve_truncated(url: str, cited: list[str]) -> str:
    """Notes abbreviate long URLs with '…'; use the full URL a table cites."""
    if "…" not in url:
        return url
    prefix = url.split("…")[0]
    full = [c for c in cited if c.startswith(prefix)]
    return full[0] if full else url


def build_registry(cited_urls: list[str], notes: list[dict], provinces: list[str]) -> pd.DataFrame:
    """One row per URL cited by any table, described by the notes where they describe it."""
    cited = sorted(set(cited_urls))
    described: dict[str, dict] = {}
    for record in notes:
        url = _resolve_truncated(record["url"], cited)
        described.setdefault(url, record)  # the first description of a URL wins
    rows = []
    for url in cited:
        note = described.get(url, {})
        home = home_province(url, provinces)
        rows.append({
            "source_id": source_id(url),
            "url": url,
            "publisher": note.get("publisher") or host_of(url),
            "title": note.get("title", ""),
            "date_published": parse_date(note.get("date_shown", "")),
            "date_shown": note.get("date_shown", ""),
            "tier": tier_of(url, home),
            "home_province": home,
            "described_in": note.get("described_in", ""),
        })
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def read_notes(reference_dir: Path) -> list[dict]:
    """Every page description in the reference notes (dti_, targets_ and provinces_sources.md), in
    file order; FileNotFoundError when one is missing."""
    notes = []
    for name in ("dti_sources.md", "targets_sources.md"):
        path = reference_dir / name
        text = path.read_text(encoding="utf-8")
        notes += parse_section_notes(text, name) + parse_table_notes(text, name)
    path = reference_dir / "provinces_sources.md"
    notes += parse_table_notes(path.read_text(encoding="utf-8"), path.name)
    return notes
