"""Text analysis shared by indexing, querying and highlighting (no Whoosh, no portal).

Chinese is cut into character bigrams (plus unigrams for names) so that any fragment from the
middle of a name matches; traditional characters are folded to simplified with OpenCC, and
full-width forms to ASCII with NFKC. English words are lower-cased and Porter-stemmed.
Company-form boilerplate (有限公司, Co., Ltd.) is dropped from names on both sides, so it
neither blocks a match nor weighs in ranking.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import opencc
from whoosh.lang.porter import stem as _porter_stem

MAX_QUERY_CHARS: Final = 200  # longer input is cut: nobody types more, and work stays bounded
MAX_TERMS: Final = 32  # at most this many query clauses reach the index
FUZZY_MIN_LENGTH: Final = 4  # shorter English words must be typed right (too many neighbours)
MAX_FUZZY_WORDS: Final = 3

_T2S = opencc.OpenCC("t2s")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_BRACKETS = "()[]{}（）【】〔〕《》〈〉「」『』"
# A CJK run may contain brackets, which are dropped: 华虹(上海)电子 reads as 华虹上海电子.
_TOKEN: Final = re.compile(rf"[{_CJK}](?:[{_CJK}{re.escape(_BRACKETS)}]*[{_CJK}])?|[a-z0-9]+")
_BRACKET_RE: Final = re.compile(f"[{re.escape(_BRACKETS)}]")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
# Company forms, longest first; removed from names and from queries.
_ZH_BOILERPLATE: Final = re.compile(r"股份有限公司|有限责任公司|有限公司|责任公司|公司")
# A company form cut short at the end of what was typed: 华虹电子有限, 东方股份有限.
_ZH_BOILERPLATE_TAIL: Final = re.compile(r"(?:股份)?有限(?:责任)?(?=\s|$)")
_EN_STOPWORDS: Final = frozenset({
    "co", "ltd", "limited", "company", "inc", "corp", "corporation", "llc", "plc", "the", "and",
    "of", "a", "an", "for", "in", "on", "to", "with", "by",
})
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the Porter stem of a lower-case English word (digits are left alone)."""
    if any(ch.isdigit() for ch in word):
        return word
    return str(_porter_stem(word))


def clean(text: str) -> str:
    """Strip control and invisible characters and cap the length of user input."""
    return _CONTROL.sub(" ", text or "")[: MAX_QUERY_CHARS * 4].strip()[:MAX_QUERY_CHARS]


def fold(text: str) -> str:
    """Fold width (NFKC), traditional to simplified Chinese, and case."""
    text = unicodedata.normalize("NFKC", text)
    if re.search(f"[{_CJK}]", text):
        text = _T2S.convert(text)
    return text.lower()


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """Fold one character as `fold` does, keeping the result short for highlighting."""
    out = unicodedata.normalize("NFKC", ch)
    if re.match(f"[{_CJK}]", out):
        out = _T2S.convert(out)
    return out.lower()


def _cjk_grams(run: str, *, unigrams: bool) -> list[str]:
    run = _BRACKET_RE.sub("", run)
    if len(run) == 1:
        return [run]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    if unigrams:
        grams.extend(run)
    return grams


def analyse(text: str, *, name: bool = False) -> list[str]:
    """Return the index terms of `text`; `name=True` drops company forms and adds unigrams."""
    if not text:
        return []
    folded = fold(text)
    if name:
        folded = _ZH_BOILERPLATE.sub(" ", folded)
    terms: list[str] = []
    for token in _TOKEN.findall(folded):
        if token[0] >= "\u3400":
            terms.extend(_cjk_grams(token, unigrams=name))
        elif token not in _EN_STOPWORDS:
            terms.append(stem(token))
    return terms


_SEGMENT: Final = re.compile(r"[A-Z]+|[0-9]+")


def number_terms(certificate_number: str, key: str) -> list[str]:
    """Return the id terms of a certificate number: the key, its prefixes and its pieces."""
    upper = unicodedata.normalize("NFKC", certificate_number).upper()
    terms = {key}
    terms.update(key[:n] for n in range(5, len(key)))
    for piece in re.findall(r"[A-Z0-9]+", upper):
        terms.add(piece)
        terms.update(_SEGMENT.findall(piece))
    return sorted(t for t in terms if t)


@dataclass(frozen=True)
class Clause:
    """One thing the user typed; a document must match one of `options` (field, term)."""

    options: tuple[tuple[str, str], ...]
    word: str = ""  # the English word (lower case) when typo tolerance may apply


@dataclass(frozen=True)
class ParsedQuery:
    """The user's text, analysed: clauses that must all match, plus exact-id candidates."""

    text: str
    clauses: tuple[Clause, ...] = ()
    number_key: str = ""
    credit_code: str = ""
    needles: tuple[str, ...] = field(default=())  # folded CJK strings to highlight
    words: tuple[str, ...] = field(default=())  # stems to highlight
    only_boilerplate: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.clauses or self.number_key or self.credit_code)


_SEPARATORS: Final = re.compile(r"[\s\-/_.·]+")
_NUMBER_KEY: Final = re.compile(r"^[A-Z0-9]{4,40}$")


def parse_query(raw: str) -> ParsedQuery:
    """Analyse what a user typed into clauses of plain terms (never query syntax)."""
    text = clean(raw)
    width_folded = unicodedata.normalize("NFKC", text)
    key = _SEPARATORS.sub("", width_folded).upper()
    number_key = key if _NUMBER_KEY.match(key) and any(c.isdigit() for c in key) else ""
    credit = re.sub(r"\s+", "", width_folded).upper()
    credit_code = credit if len(credit) == 18 and credit.isalnum() and credit.isascii() else ""

    folded = fold(text)
    stripped = _ZH_BOILERPLATE_TAIL.sub(" ", _ZH_BOILERPLATE.sub(" ", folded))
    clauses: list[Clause] = []
    needles: list[str] = []
    words: list[str] = []
    seen: set[tuple[tuple[str, str], ...]] = set()

    def add(clause: Clause) -> None:
        if clause.options not in seen and len(clauses) < MAX_TERMS:
            seen.add(clause.options)
            clauses.append(clause)

    for token in _TOKEN.findall(stripped):
        if token[0] >= "\u3400":
            run = _BRACKET_RE.sub("", token)
            needles.append(run)
            if len(run) == 1:
                add(Clause((("name", run),)))
            for gram in (run[i : i + 2] for i in range(len(run) - 1)):
                add(Clause((("name", gram), ("other", gram))))
        elif token not in _EN_STOPWORDS:
            stemmed = stem(token)
            words.append(stemmed)
            options: list[tuple[str, str]] = [("name", stemmed), ("other", stemmed)]
            if any(c.isdigit() for c in token):
                options.append(("ids", token.upper()))
            fuzzy = token if token.isalpha() and len(token) >= FUZZY_MIN_LENGTH else ""
            add(Clause(tuple(options), fuzzy))
    only_boilerplate = not clauses and bool(_ZH_BOILERPLATE.search(folded)
                                            or _ZH_BOILERPLATE_TAIL.search(folded))
    return ParsedQuery(text=text, clauses=tuple(clauses), number_key=number_key,
                       credit_code=credit_code, needles=tuple(needles), words=tuple(words),
                       only_boilerplate=only_boilerplate)


def one_edit_stems(word: str) -> list[str]:
    """Return the stems of every word one edit (insert, delete, replace, swap) from `word`."""
    if len(word) > 20:
        return []
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    edits.discard(word)
    return sorted({stem(e) for e in edits if len(e) >= 3} - {stem(word)})


def highlight_spans(text: str, query: ParsedQuery,
                    extra_words: frozenset[str] = frozenset()) -> list[tuple[str, bool]]:
    """Split `text` into (piece, matched) parts where the query's terms occur."""
    if not text:
        return []
    # One folded character per character of `text`, so positions line up.
    folded = text.lower() if text.isascii() else "".join(map(_fold_one, text))
    marks = bytearray(len(text))
    pattern = _gram_pattern(query.needles)
    if pattern is not None:
        # Brackets may sit inside a name (华虹(上海)电子): match on the text without them,
        # as the index does, and map the positions back.
        kept: list[int] | None = None
        plain = folded
        if _BRACKET_RE.search(folded):
            kept = [i for i, ch in enumerate(folded) if ch not in _BRACKETS]
            plain = "".join(folded[i] for i in kept)
        for m in pattern.finditer(plain):  # zero-width: overlapping matches are all found
            start, end = m.start(), m.end(1)
            if kept is not None:
                start, end = kept[start], kept[end - 1] + 1
            marks[start:end] = b"\x01" * (end - start)
    stems = set(query.words) | extra_words
    if stems:
        for m in _WORD.finditer(folded):
            if stem(m.group()) in stems:
                marks[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return [(text[m.start() : m.end()], m.group()[0] == 1) for m in _RUNS.finditer(marks)]


_WORD: Final = re.compile(r"[a-z0-9]+")
_RUNS: Final = re.compile(rb"\x01+|\x00+")


@lru_cache(maxsize=65536)
def _fold_one(ch: str) -> str:
    out = _fold_char(ch)
    return out if len(out) == 1 else out[:1] or " "


@lru_cache(maxsize=1024)
def _gram_pattern(needles: tuple[str, ...]) -> re.Pattern[str] | None:
    """Return a pattern finding every gram of `needles` (longest first, so a bigram wins over
    a unigram starting at the same place)."""
    grams = {g for n in needles for g in ([n] if len(n) == 1 else
                                          [n[i : i + 2] for i in range(len(n) - 1)])}
    if not grams:
        return None
    alternatives = [re.escape(g) for g in sorted(grams, key=lambda g: (-len(g), g))]
    return re.compile("(?=(" + "|".join(alternatives) + "))")
