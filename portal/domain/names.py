"""Compare a company name as printed on a paper certificate with the names in the register.

Pure Python (no Flask, no database). A name counts as the same when it differs only in
width (全角/半角), script (繁体/简体), case, brackets, spaces and punctuation, or when it
names the same company form in other words (有限公司 = 有限责任公司, Co., Ltd. = Limited).
A different company form (有限公司 / 股份有限公司) or one slip of the keyboard makes a
*probable* match; anything else is no match. Former names (before a 更名) match too, and
the verdict says which name matched so that the page can show the rename date.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Final

import opencc

_T2S: Final = opencc.OpenCC("t2s")
_CJK: Final = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Everything that is neither a letter nor a digit (CJK ideographs count as letters).
_NOT_WORD: Final = re.compile(r"[^\w]+|_")
# Chinese company forms at the end of a name, longest first, and the form each one means.
_ZH_FORMS: Final = (
    ("股份有限公司", "joint_stock"),
    ("有限责任公司", "limited"),
    ("股份公司", "joint_stock"),
    ("有限公司", "limited"),
    ("责任公司", "limited"),
    ("公司", "company"),
)
_ZH_GROUP: Final = "集团"
# English company forms (lower-case words) and the form each one means.
_EN_FORMS: Final = {
    "ltd": "limited", "limited": "limited", "co": "", "company": "", "corp": "inc",
    "corporation": "inc", "inc": "inc", "incorporated": "inc", "llc": "limited",
    "plc": "joint_stock", "jsc": "joint_stock", "gmbh": "limited", "group": "group",
}
# A short name must be typed exactly: one wrong character in "华虹" is another company.
TYPO_MIN_LENGTH: Final = 4
LONG_NAME: Final = 12


class NameMatch(StrEnum):
    """How a printed name compares with the register (docs/contract.md §4 `name_match`)."""

    MATCH = "match"
    PROBABLE = "probable"
    NO_MATCH = "no_match"


class MatchReason(StrEnum):
    """Why the verdict is what it is (the page explains each one)."""

    SAME = "same"  # the same name, up to width, script, case, brackets and spaces
    COMPANY_FORM = "company_form"  # the same company form written another way
    FORM_DIFFERS = "form_differs"  # the same name with another company form
    TYPO = "typo"  # one or two characters differ
    DIFFERENT = "different"  # another name
    EMPTY = "empty"  # nothing usable was given


class NameKind(StrEnum):
    """Which of the register's names matched."""

    ZH = "zh"
    EN = "en"
    FORMER = "former"


@dataclass(frozen=True)
class RegisteredName:
    """One name the register knows for a holder; `until` is the rename date of a former name."""

    text: str
    kind: NameKind
    until: date | None = None


@dataclass(frozen=True)
class NameVerdict:
    """The answer for one printed name: result, reason and the register name it matched."""

    result: NameMatch
    reason: MatchReason
    matched: RegisteredName | None = None

    @property
    def former(self) -> bool:
        return self.matched is not None and self.matched.kind is NameKind.FORMER


@dataclass(frozen=True)
class _Folded:
    full: str  # every letter and digit, folded
    core: str  # without the company form at the end
    form: str  # what the company form means ("" when none was written)
    digits: str = ""  # the numbers in the core: names differing in them are never typos


def fold_width_and_script(text: str) -> str:
    """Return `text` with full-width forms made ASCII and traditional characters simplified."""
    text = unicodedata.normalize("NFKC", text or "")
    return _T2S.convert(text) if _CJK.search(text) else text


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold width (NFKC), traditional to simplified characters and case; drop punctuation."""
    return _NOT_WORD.sub(" ", fold_width_and_script(text).lower()).strip()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isnumeric())


@lru_cache(maxsize=65536)
def _analyse(text: str) -> _Folded:
    folded = fold(text)
    if _CJK.search(folded):
        full = folded.replace(" ", "")
        core, form = full, ""
        for suffix, meaning in _ZH_FORMS:
            if core.endswith(suffix) and len(core) > len(suffix):
                core, form = core[: -len(suffix)], meaning
                break
        if core.endswith(_ZH_GROUP) and len(core) > len(_ZH_GROUP):
            core, form = core[: -len(_ZH_GROUP)], f"group {form}".strip()
        return _Folded(full, core, form, _digits(core))
    words = folded.replace(" and ", " ").split()
    if words and words[0] == "the":
        words = words[1:]
    forms: list[str] = []
    while len(words) > 1 and words[-1] in _EN_FORMS:
        forms.append(_EN_FORMS[words.pop()])
    form = " ".join(sorted({f for f in forms if f}))
    core = "".join(words)
    return _Folded("".join(folded.split()), core, form, _digits(core))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Return the optimal-string-alignment distance of `a` and `b` (capped at `limit` + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _typo_limit(core: str) -> int:
    if len(core) < TYPO_MIN_LENGTH:
        return 0
    return 2 if len(core) >= LONG_NAME and core.isascii() else 1


def _compare_one(given: _Folded, name: RegisteredName) -> tuple[MatchReason, NameMatch]:
    known = _analyse(name.text)
    if not known.full:
        return MatchReason.DIFFERENT, NameMatch.NO_MATCH
    if given.full == known.full:
        return MatchReason.SAME, NameMatch.MATCH
    if given.core == known.core:
        if given.form == known.form or not given.form or not known.form:
            return MatchReason.COMPANY_FORM, NameMatch.MATCH
        return MatchReason.FORM_DIFFERS, NameMatch.PROBABLE
    limit = _typo_limit(known.core)
    if given.digits != known.digits:
        limit = 0  # 华虹二厂 and 华虹三厂, "Plant 2" and "Plant 3" are different companies
    if limit and edit_distance(given.core, known.core, limit) <= limit:
        return MatchReason.TYPO, NameMatch.PROBABLE
    return MatchReason.DIFFERENT, NameMatch.NO_MATCH


_RANK: Final = {NameMatch.MATCH: 0, NameMatch.PROBABLE: 1, NameMatch.NO_MATCH: 2}
_KIND_RANK: Final = {NameKind.ZH: 0, NameKind.EN: 1, NameKind.FORMER: 2}


def compare_name(printed: str, names: Iterable[RegisteredName]) -> NameVerdict:
    """Compare the name printed on a paper with every name the register knows for its holder."""
    given = _analyse(printed)
    if not given.full:
        return NameVerdict(NameMatch.NO_MATCH, MatchReason.EMPTY)
    best = NameVerdict(NameMatch.NO_MATCH, MatchReason.DIFFERENT)
    best_key = (_RANK[best.result], 9)
    for name in names:
        reason, result = _compare_one(given, name)
        key = (_RANK[result], _KIND_RANK[name.kind])
        if result is not NameMatch.NO_MATCH and key < best_key:
            best, best_key = NameVerdict(result, reason, name), key
    return best
