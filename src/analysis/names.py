"""Province names: NFC normalisation, spelling variants, alias resolution and suggestions.

Sources write the same province many ways ("TP. Hải Phòng", "Thừa Thiên - Huế", "Hòa Bình"
for the GSO's "Hoà Bình"); every name is reduced to a matching key before lookup.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# Old ("hoà") and new ("hòa") tone-mark placement: fold both to the new one for matching.
_OLD_TONE_PLACEMENT = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_PREFIXES = re.compile(r"^(thành phố|thanh pho|tỉnh|tinh|tp\.?)\s*", re.IGNORECASE)
_DASHES = re.compile(r"\s*[-‐‑‒–—]\s*")

NATIONAL_UNITS = ("Cả nước (trung bình cấp tỉnh)", "Việt Nam (DTI quốc gia)")
# aliases.csv kind of a historical province name: `canonical` is its successor, which the name
# does not resolve to (its figures are not the successor's); an error names the successor.
KIND_FORMER = "former"


def nfc(text: str) -> str:
    """`text` as a string in Unicode NFC, without surrounding blanks."""
    return unicodedata.normalize("NFC", str(text)).strip()


def strip_diacritics(text: str) -> str:
    """`text` without diacritics or tone marks, Đ/đ as D/d ("Hải Dương" -> "Hai Duong")."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(name: str) -> str:
    """ASCII slug for file and folder names: "Hải Dương" -> "hai-duong"."""
    ascii_name = strip_diacritics(nfc(name)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def match_key(name: str) -> str:
    """The form two spellings of one name share: NFC, lower case, one tone placement, no prefix."""
    key = nfc(name).replace("Ð", "Đ").lower()  # Ð (eth) is a common look-alike of Đ
    key = _PREFIXES.sub("", key)
    key = _DASHES.sub(" ", key)
    key = re.sub(r"\s+", " ", key).strip()
    for old, new in _OLD_TONE_PLACEMENT.items():
        key = key.replace(old, new)
    return key


def suggest(name: str, known: list[str], n: int = 3) -> list[str]:
    """The known names closest to `name`, compared without diacritics."""
    by_plain = {}
    for candidate in known:
        by_plain.setdefault(strip_diacritics(match_key(candidate)), candidate)
    plain = strip_diacritics(match_key(name))
    close = difflib.get_close_matches(plain, list(by_plain), n=n, cutoff=0.5)
    return [by_plain[c] for c in close]


class NameResolver:
    """Maps any known spelling to the canonical name of one unit system (63 or 34)."""

    def __init__(self, canonical: list[str], aliases: dict[str, str]):
        """A resolver of `canonical` (also spelled without diacritics) and of `aliases` (alias ->
        canonical name); where two keys clash, a canonical name wins over an alias."""
        self.canonical = sorted(canonical)
        self._by_key: dict[str, str] = {}
        for name in self.canonical:
            self._by_key[match_key(name)] = name
            self._by_key.setdefault(match_key(strip_diacritics(name)), name)
        for alias, target in aliases.items():
            self._by_key.setdefault(match_key(alias), target)

    def resolve(self, name: str) -> str | None:
        """The canonical name `name` spells (compared by match_key); None when it is not known."""
        return self._by_key.get(match_key(name))

    def suggestions(self, name: str) -> list[str]:
        """Up to three canonical names closest to `name`, compared without diacritics."""
        return suggest(name, self.canonical)
