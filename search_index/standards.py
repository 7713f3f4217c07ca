"""Read the standards a certificate names: families (`ISO 9001`) and versions (`ISO 9001:2015`).

A register's `standard` field often names two standards at once, the national adoption and the
international one: `GB/T 19001-2016/ISO 9001:2015`. Each standard has a family (its body's
prefix and number) and, when a year is given, a version. International standards write the year
after `:`, Chinese national ones (GB, GB/T, RB/T ...) after `-`; both spellings are accepted and
written back in the body's own style.
"""

import re
from dataclasses import dataclass
from typing import Final

# A prefix of capital letters (optionally `/T`, `/IEC` ...), a number (`20647.9`), a year.
_STANDARD: Final = re.compile(
    r"(?<![A-Z0-9])(?P<prefix>[A-Z]{2,6}(?:/[A-Z]{1,4})?)\s*(?P<number>\d{2,6}(?:[.-]\d{1,3})?)"
    r"(?:\s*[:：]\s*(?P<colon>(?:19|20)\d{2})|-(?P<dash>(?:19|20)\d{2}))?(?![0-9])")
_DASH_BODIES: Final = ("GB", "RB", "JB", "HB", "SB", "YY", "CQC", "DB", "T")
SEPARATOR: Final = "|"  # joins the terms of one certificate in the index column


@dataclass(frozen=True)
class Standard:
    family: str  # "ISO 9001", "GB/T 19001"
    version: str | None  # "ISO 9001:2015", "GB/T 19001-2016"; None when no year is given


def parse_standards(text: str) -> list[Standard]:
    """Return every standard named in `text`, in order, once each."""
    found: dict[Standard, None] = {}
    for m in _STANDARD.finditer(text.upper().replace("／", "/")):
        prefix = m["prefix"]
        number = m["number"]
        # "19001-2016" can be read as number 19001-20 plus junk: prefer the year reading.
        if m["dash"] is None and m["colon"] is None and re.fullmatch(r"\d+-(19|20)\d{2}", number):
            number, year = number.split("-")[0], number.split("-")[1]
        else:
            year = m["colon"] or m["dash"]
        family = f"{prefix} {number}"
        version = None
        if year:
            dash = prefix.split("/")[0] in _DASH_BODIES
            version = f"{family}-{year}" if dash else f"{family}:{year}"
        found.setdefault(Standard(family, version), None)
    return list(found)


def standard_terms(text: str) -> list[str]:
    """Return the families and versions of `text`, sorted: what a standard filter can match."""
    terms = set()
    for standard in parse_standards(text):
        terms.add(standard.family)
        if standard.version:
            terms.add(standard.version)
    return sorted(terms)


def normalise_standard(value: str) -> str | None:
    """Return the one family or version `value` names (`iso 9001：2015` → `ISO 9001:2015`)."""
    standards = parse_standards(value.strip())
    if len(standards) != 1:
        return None
    return standards[0].version or standards[0].family
