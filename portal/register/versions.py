"""Optimistic versions of a form: which fields changed since the form was opened.

An edit form carries a version of the values it was filled with: one short digest per field.
When it comes back, comparing those digests with the stored values tells whether someone else
saved the record meanwhile, and which fields they changed, without keeping the old values in
the page. A lost update (two people save the same record, the second silently undoing the
first) becomes a refusal that names the fields.
"""

import hashlib
from collections.abc import Mapping, Sequence

PREFIX = "v1:"
_DIGEST_LENGTH = 12  # hex digits per field: 48 bits, far beyond chance collisions of edits


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:_DIGEST_LENGTH]


def version_of(values: Mapping[str, str], fields: Sequence[str]) -> str:
    """Return the version token of `values` (texts) over `fields`, in that order."""
    return PREFIX + ".".join(_digest(values.get(name, "")) for name in fields)


def _digests(token: str, fields: Sequence[str]) -> dict[str, str] | None:
    if not token.startswith(PREFIX):
        return None
    parts = token[len(PREFIX):].split(".")
    if len(parts) != len(fields):
        return None
    return dict(zip(fields, parts, strict=True))


def changed_since(token: str, values: Mapping[str, str], fields: Sequence[str]) -> list[str]:
    """Return the fields whose value differs from the version `token` was made from.

    A token that cannot be read counts as every field changed.
    """
    seen = _digests(token, fields)
    if seen is None:
        return list(fields)
    return [name for name in fields if seen[name] != _digest(values.get(name, ""))]
