"""Certificate numbers and unified social credit codes (GB 32100-2015)."""

import re
import unicodedata
from typing import Final

# Real numbers look like 02722Q10234R3M, 027-26-Q-10403-R0 or SQI/FW/2025/0003.
_SEPARATORS: Final = re.compile(r"[\s\-/_.·]+")
_NUMBER_KEY: Final = re.compile(r"^[A-Z0-9]{4,40}$")
# A Chinese management-system number: issuing body (3 digits), year (2), scheme letters, serial.
_CNCA_NUMBER: Final = re.compile(r"^([0-9]{3})[0-9]{2}[A-Z]{1,3}[0-9]{3,}[A-Z0-9]*$")

CREDIT_CODE_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE: Final = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def fold_width(text: str) -> str:
    """Turn full-width letters, digits and punctuation into their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def number_key(raw: str) -> str:
    """Normalise a certificate number for lookup: ignore case, width, spaces, `-` and `/`."""
    return _SEPARATORS.sub("", fold_width(raw)).upper()


def is_well_formed_number(raw: str) -> bool:
    """Tell whether `raw` has the shape of a certificate number this body issues."""
    key = number_key(raw)
    return bool(_NUMBER_KEY.match(key)) and any(ch.isdigit() for ch in key)


def issuer_code(raw: str) -> str | None:
    """Return the issuing body's three-digit code of a CNCA-pattern number, else None."""
    match = _CNCA_NUMBER.match(number_key(raw))
    return match.group(1) if match else None


def is_other_body_number(raw: str, own_code: str) -> bool:
    """Tell whether `raw` has the pattern of another certification body's numbers."""
    code = issuer_code(raw)
    return code is not None and bool(own_code) and code != own_code


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters."""
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    value = 31 - total % 31
    return CREDIT_CODE_CHARSET[0 if value == 31 else value]


def normalise_credit_code(raw: str) -> str:
    """Upper-case, width-fold and strip spaces from a credit code."""
    return re.sub(r"\s+", "", fold_width(raw)).upper()


def credit_code_problem(raw: str) -> str | None:
    """Explain what is wrong with a credit code, or return None when it is valid."""
    code = normalise_credit_code(raw)
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
    if bad:
        return "characters not allowed: " + " ".join(bad) + " (I, O, Z, S and V are never used)"
    if not _CREDIT_CODE_SHAPE.match(code):
        return "characters 3-8 must be the six-digit administrative division code"
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return f"check digit should be {expected}, not {code[17]}"
    return None


def is_valid_credit_code(raw: str) -> bool:
    """Tell whether `raw` is a well-formed credit code with the right check digit."""
    return credit_code_problem(raw) is None


def suggest_credit_code(raw: str) -> str | None:
    """Return the code with its check digit corrected, when only that digit is wrong."""
    code = normalise_credit_code(raw)
    if len(code) != 18 or not _CREDIT_CODE_SHAPE.match(code[:17] + "0"):
        return None
    fixed = code[:17] + credit_code_check_char(code[:17])
    return fixed if fixed != code else None


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with their check digit (used by demo data and tests)."""
    return first17 + credit_code_check_char(first17)


NUMBER_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def one_edit_keys(key: str) -> set[str]:
    """Return every number key one edit away from `key`.

    An edit is one substituted, inserted or deleted letter or digit, or two neighbours
    swapped (02724Q10865R3M → 02724Q10856R3M). About 75 keys per character of `key`: the
    register is asked for all of them at once through its unique index.
    """
    out: set[str] = set()
    for i in range(len(key) + 1):
        head, tail = key[:i], key[i:]
        if tail:
            out.add(head + tail[1:])  # deletion
            if len(tail) > 1:
                out.add(head + tail[1] + tail[0] + tail[2:])  # transposition
        for ch in NUMBER_ALPHABET:
            out.add(head + ch + tail)  # insertion
            if tail:
                out.add(head + ch + tail[1:])  # substitution
    out.discard(key)
    return out
