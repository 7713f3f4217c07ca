"""Password strength: refuse guessable passwords with the zxcvbn estimator.

zxcvbn (Dropbox's estimator, maintained on PyPI as `zxcvbn`) scores a password by the guesses
an attacker needs, knowing common passwords, words, names, dates, keyboard rows, repeats and
sequences, and the account's own details passed as `hints`. A staff password must reach
`MIN_SCORE` (3: about 10^8 guesses, "safely unguessable" for an online attack with a slow hash
and a lock-out). Long passwords are judged by their first `ESTIMATE_LENGTH` characters, the
limit zxcvbn keeps its work bounded by.
"""

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

MIN_SCORE = 3
ESTIMATE_LENGTH = 72
_REPETITIVE = frozenset({"repeat", "sequence", "spatial"})


MIN_HINT_LENGTH = 3


def _without(password: str, hints: Iterable[str]) -> str:
    """Return `password` with every hint (any case, longest first) taken out."""
    rest = password
    for hint in sorted(hints, key=len, reverse=True):
        if len(hint) >= MIN_HINT_LENGTH:
            rest = re.sub(re.escape(hint), "", rest, flags=re.IGNORECASE)
    return rest


def weakness(password: str, hints: Iterable[str] = ()) -> str | None:
    """Return why `password` is too easy to guess, or None when it is strong enough.

    `personal` (built from `hints`: the e-mail, name, the body's name), `repetitive` (repeated
    characters, sequences, keyboard rows: `aaaaaaaaaaaa`, `abcabcabcabc`, `qwertyuiop12`) or
    `common` (a common password, word or date, possibly with small changes).
    """
    sample = password[:ESTIMATE_LENGTH]
    inputs = list(dict.fromkeys(h.strip().lower() for h in hints if h and h.strip()))
    result = zxcvbn(sample, user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        rest = _without(sample, inputs)
        if rest == sample or zxcvbn(rest, user_inputs=inputs)["score"] >= MIN_SCORE:
            return None
        # `SQIsqi2026!!`, `Shanghai Quality 2026`: zxcvbn counts each copy of a hint and the
        # separators between them as guesses, but what is left once they go is guessable.
        return "personal"
    matches = result["sequence"]
    if any(m.get("dictionary_name") == "user_inputs" for m in matches):
        return "personal"
    repetitive = sum(len(m["token"]) for m in matches if m["pattern"] in _REPETITIVE)
    if repetitive * 2 >= len(sample):
        return "repetitive"
    return "common"
