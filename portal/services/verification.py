"""Verify a certificate: any identifier, optionally with the company name printed on the paper.

One implementation for the `/verify` page, the certificate and QR pages' "check the company
on your paper" form, `/verify-list` and `POST /api/v1/certificates/verify`. Identifiers are
always answered from the database (the source of truth), never from the search index.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Final

from flask import current_app
from sqlalchemy import or_, select

from portal.domain import names
from portal.domain.codes import (
    credit_code_problem,
    is_other_body_number,
    is_well_formed_number,
    normalise_credit_code,
    number_key,
    one_edit_keys,
    suggest_credit_code,
)
from portal.domain.names import NameKind, NameMatch, NameVerdict, RegisteredName
from portal.domain.status import CertificateStatus, PublicStatus
from portal.domain.verdict import Verdict, decide
from portal.extensions import db
from portal.models import Alert, AlertKind, Certificate, CertificateEvent, EventKind
from portal.register.public import PublicCertificate, lookup_key, verify_url

MAX_NEAR: Final = 5
# The database's bound-parameter cap is far above this; it keeps each statement small.
IN_CHUNK: Final = 1000
MAX_NAME_LENGTH: Final = 300
# How much of an unknown identifier a page repeats back.
SHOWN_LENGTH: Final = 80


class LookupKind(StrEnum):
    """What one identifier typed into the box turned out to be."""

    CERTIFICATE = "certificate"  # a certificate number of the register
    HOLDER = "holder"  # a credit code of one or more public certificates' holder
    CREDIT_CODE_TYPO = "credit_code_typo"  # a credit code with a wrong check digit
    CREDIT_CODE_UNKNOWN = "credit_code_unknown"  # a valid credit code, no public certificate
    NAME = "name"  # a company name: search for it
    NOT_FOUND = "not_found"  # a well-formed number the register does not hold
    MALFORMED = "malformed"  # neither a number, a credit code nor a name
    EMPTY = "empty"


@dataclass
class Lookup:
    """The answer to one identifier (and optionally a printed name) typed into `/verify`."""

    kind: LookupKind
    query: str
    certificates: list[PublicCertificate] = field(default_factory=list)
    verdicts: dict[str, NameVerdict] = field(default_factory=dict)  # by number key
    suggestion: str | None = None  # the corrected credit code
    suggestion_found: bool = False
    near: list[PublicCertificate] = field(default_factory=list)
    counterfeit: bool = False

    @property
    def certificate(self) -> PublicCertificate | None:
        return self.certificates[0] if self.certificates else None


def printable(text: str) -> str:
    """Drop control characters and cut very long input before echoing it on a page."""
    cleaned = "".join(ch for ch in text if ch.isprintable())
    if len(cleaned) > SHOWN_LENGTH:
        cleaned = cleaned[:SHOWN_LENGTH] + "…"
    return cleaned


# -- names ---------------------------------------------------------------------------------


def rename_dates(certs: Iterable[Certificate]) -> dict[int, dict[str, date]]:
    """Return {certificate id: {former name: date it stopped being used}} in one query."""
    ids = sorted({c.id for c in certs if c.former_names})
    out: dict[int, dict[str, date]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = db.session.execute(
            select(CertificateEvent.certificate_id, CertificateEvent.details,
                   CertificateEvent.effective_date)
            .where(CertificateEvent.certificate_id.in_(ids[start : start + IN_CHUNK]),
                   CertificateEvent.kind == EventKind.RENAMED))
        for cert_id, details, effective in rows:
            if (details or {}).get("from"):
                out.setdefault(cert_id, {})[str(details["from"])] = effective
    return out


def registered_names(cert: Certificate, renamed: Mapping[str, date] | None = None
                     ) -> list[RegisteredName]:
    """Return every name the register knows for the holder; former names carry the rename date."""
    if renamed is None:
        renamed = rename_dates([cert]).get(cert.id, {})
    out = [RegisteredName(cert.holder_name_zh, NameKind.ZH)]
    if cert.holder_name_en:
        out.append(RegisteredName(cert.holder_name_en, NameKind.EN))
    out += [RegisteredName(n, NameKind.FORMER, renamed.get(n)) for n in cert.former_names or ()]
    return out


def check_name(cert: Certificate, printed: str,
               renamed: Mapping[str, date] | None = None) -> NameVerdict:
    """Compare `printed` with the holder of `cert`; restricted answers are match or no match.

    A restricted certificate's holder must not be revealed, so a near miss (a typo, another
    company form) is answered as no match and the verdict names no register name.
    `renamed` ({former name: date}) saves a query when the caller loaded it for many.
    """
    verdict = names.compare_name(printed[:MAX_NAME_LENGTH], registered_names(cert, renamed))
    if not cert.restricted:
        return verdict
    if verdict.result is NameMatch.MATCH:
        return NameVerdict(NameMatch.MATCH, names.MatchReason.SAME)
    return NameVerdict(NameMatch.NO_MATCH, names.MatchReason.DIFFERENT)


# -- register lookups ------------------------------------------------------------------------


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def certificates_by_key(keys: Iterable[str]) -> dict[str, Certificate]:
    """Return {number key: certificate} for every key in the register."""
    wanted = sorted(set(keys))
    found: dict[str, Certificate] = {}
    for chunk in _chunks(wanted):
        query = select(Certificate).where(Certificate.number_key.in_(chunk))
        found.update((c.number_key, c) for c in db.session.scalars(query))
    return found


def certificates_by_credit_code(codes: Iterable[str]) -> dict[str, list[Certificate]]:
    """Return {credit code: public certificates of that holder}, valid ones first.

    Restricted certificates are left out: a credit code names the holder, and the holder of a
    restricted certificate asked not to be found by who they are.
    """
    wanted = sorted({normalise_credit_code(c) for c in codes if c})
    found: dict[str, list[Certificate]] = {}
    for chunk in _chunks(wanted):
        query = (select(Certificate)
                 .where(Certificate.credit_code.in_(chunk), Certificate.restricted.is_(False))
                 .order_by(Certificate.expiry_date.desc(), Certificate.id))
        for cert in db.session.scalars(query):
            found.setdefault(cert.credit_code, []).append(cert)
    # In force first (a cancelled certificate may expire later than the valid one that
    # replaced it), then the latest expiry: the register's stored status decides.
    rank = {CertificateStatus.VALID: 0, CertificateStatus.SUSPENDED: 1}
    for certs in found.values():
        certs.sort(key=lambda c: (rank.get(c.status, 2), -c.expiry_date.toordinal(), c.id))
    return found


def certificates_by_name(printed: Iterable[str]) -> dict[str, list[Certificate]]:
    """Return {printed name: public certificates whose holder has exactly that name}.

    Exact up to width and script: a near name is not a verification, it is a search.
    """
    spellings: dict[str, set[str]] = {}
    for raw in printed:
        text = raw.strip()[:MAX_NAME_LENGTH]
        if text:
            spellings[raw] = {text, names.fold_width_and_script(text)}
    every = sorted(set().union(*spellings.values())) if spellings else []
    by_name: dict[str, list[Certificate]] = {}
    for chunk in _chunks(every):
        query = select(Certificate).where(
            Certificate.restricted.is_(False),
            or_(Certificate.holder_name_zh.in_(chunk), Certificate.holder_name_en.in_(chunk)))
        for cert in db.session.scalars(query):
            for name in {cert.holder_name_zh, cert.holder_name_en}:
                if name:
                    by_name.setdefault(name, []).append(cert)
    out: dict[str, list[Certificate]] = {}
    for raw, variants in spellings.items():
        seen: dict[int, Certificate] = {}
        for variant in variants:
            seen.update((c.id, c) for c in by_name.get(variant, ()))
        out[raw] = list(seen.values())
    return out


def exact_matches(text: str) -> list[Certificate]:
    """Return the public certificates `text` names exactly: by number, or by holder credit code.

    Read from the database, so that an exact identifier is found even while the search index
    is still catching up with an import.
    """
    text = text.strip()[:200]
    found: dict[str, Certificate] = {}
    key = lookup_key(text)
    if key is not None and is_well_formed_number(text):
        found.update(certificates_by_key([key]))
    if looks_like_credit_code(text) and not credit_code_problem(text):
        code = normalise_credit_code(text)
        found.update((c.number_key, c) for c in certificates_by_credit_code([code]).get(code, []))
    return [c for c in found.values() if not c.restricted]


def counterfeit_keys() -> set[str]:
    """Return the number keys of every active "counterfeit number" alert."""
    values = db.session.scalars(select(Alert.value).where(
        Alert.active.is_(True), Alert.kind == AlertKind.COUNTERFEIT_NUMBER))
    return {number_key(v) for v in values}


def nearest_numbers(raw: str, today: date, *, limit: int = MAX_NEAR) -> list[PublicCertificate]:
    """Return register certificates whose number is one edit away from `raw`.

    One edit is a substituted, inserted or deleted character or two neighbours swapped. The
    ~1,000 candidate keys are looked up through the unique index of `number_key`, so the cost
    does not grow with the register.
    """
    key = lookup_key(raw)
    if key is None or not is_well_formed_number(raw):
        return []
    found = certificates_by_key(one_edit_keys(key))
    nearest = sorted(found.values(), key=lambda c: c.number_key)[:limit]
    return [PublicCertificate.of(c, today) for c in nearest]


# -- the verdict -----------------------------------------------------------------------------

NATIONAL_PLATFORM_URL: Final = "http://cx.cnca.cn"


def other_body(number: str) -> bool:
    """Tell whether an unknown `number` has the pattern of another certification body's."""
    return is_well_formed_number(number) and is_other_body_number(
        number, str(current_app.config.get("BODY_ISSUER_CODE") or ""))


def verdict_for(status: PublicStatus | None, *, number: str = "",
                name: NameVerdict | None = None, copy_current: bool | None = None,
                counterfeit: bool = False) -> Verdict:
    """Return the one verdict (portal.domain.verdict) on what a surface knows.

    `status` None means the register holds no certificate `number`.
    """
    return decide(status=status, name=name.result if name is not None else None,
                  copy_current=copy_current, counterfeit=counterfeit,
                  other_body=status is None and not counterfeit and other_body(number))


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """Return the API's `verdict` and `verdict_reasons` (docs/contract.md §4)."""
    return {"verdict": verdict.level.value, "verdict_reasons": verdict.codes}


# -- the one box of /verify ------------------------------------------------------------------


def looks_like_credit_code(text: str) -> bool:
    """Tell whether `text` has the shape of an 18-character credit code (check digit aside)."""
    code = normalise_credit_code(text[:40])
    return len(code) == 18 and code.isascii() and code.isalnum() and code[2:8].isdigit()


def _looks_like_name(text: str) -> bool:
    if any(not ch.isascii() and ch.isalpha() for ch in text):
        return True  # Chinese (or any non-Latin) letters: a name, not a number
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 2 and not any(ch.isdigit() for ch in text)


def _found(kind: LookupKind, query: str, certs: list[Certificate], printed: str, today: date,
           counterfeit: bool = False) -> Lookup:
    verdicts = {c.number_key: check_name(c, printed) for c in certs} if printed.strip() else {}
    return Lookup(kind, query, [PublicCertificate.of(c, today) for c in certs], verdicts,
                  counterfeit=counterfeit)


def look_up(query: str, printed: str, today: date) -> Lookup:
    """Resolve what was typed into the verification box, and check `printed` against it."""
    text = query.strip()
    if not text:
        return Lookup(LookupKind.EMPTY, text)
    key = lookup_key(text)
    if key is not None:
        cert = certificates_by_key([key]).get(key)
        if cert is not None:
            return _found(LookupKind.CERTIFICATE, text, [cert], printed, today,
                          counterfeit=key in counterfeit_keys())
    if looks_like_credit_code(text):
        code = normalise_credit_code(text)
        holders = certificates_by_credit_code([code])
        if holders.get(code):
            return _found(LookupKind.HOLDER, code, holders[code], printed, today)
        if credit_code_problem(code):
            fixed = suggest_credit_code(code)
            if fixed:
                known = bool(certificates_by_credit_code([fixed]).get(fixed))
                return Lookup(LookupKind.CREDIT_CODE_TYPO, code, suggestion=fixed,
                              suggestion_found=known)
        else:
            return Lookup(LookupKind.CREDIT_CODE_UNKNOWN, code)
    if _looks_like_name(text):
        return Lookup(LookupKind.NAME, text)
    if not is_well_formed_number(text):
        return Lookup(LookupKind.MALFORMED, text)
    return Lookup(LookupKind.NOT_FOUND, text, near=nearest_numbers(text, today),
                  counterfeit=key in counterfeit_keys() if key else False)


# -- batch checks (API and /verify-list) ------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One row of a batch check: a number or a credit code, optionally the printed name."""

    certificate_number: str | None = None
    credit_code: str | None = None
    holder_name: str | None = None


def _certificate_fields(cert: Certificate, today: date) -> dict[str, Any]:
    restricted = bool(cert.restricted)
    return {
        "status": cert.public_status(today).value,
        "registered_number": cert.certificate_number,
        "scheme": cert.scheme,
        "standard": cert.standard,
        "holder_name_zh": None if restricted else cert.holder_name_zh,
        "holder_name_en": None if restricted else cert.holder_name_en,
        "issue_date": cert.issue_date.isoformat(),
        "expiry_date": cert.expiry_date.isoformat(),
        "restricted": restricted,
        "verify_url": verify_url(cert.certificate_number),
    }


def verdict_fields(verdict: NameVerdict | None) -> dict[str, Any]:
    if verdict is None:
        return {"name_match": None}
    out: dict[str, Any] = {"name_match": verdict.result.value,
                           "name_match_reason": verdict.reason.value}
    if verdict.former and verdict.matched is not None:
        out["matched_former_name"] = verdict.matched.text
        out["renamed_on"] = verdict.matched.until.isoformat() if verdict.matched.until else None
    return out


@dataclass
class ItemResult:
    """The register's answer for one item, with the certificates it found."""

    item: Item
    matched_by: str | None  # "certificate_number", "credit_code", "holder_name" or None
    certificates: list[Certificate]
    verdict: NameVerdict | None  # the printed name's check, None without a name
    counterfeit: bool
    did_you_mean: str | None = None  # the credit code or register number meant, if typo'd
    outcome: Verdict | None = None  # the one verdict on this row (set by check_items)

    def as_json(self, today: date) -> dict[str, Any]:
        """Return the API result object (docs/contract.md §4)."""
        item = self.item
        out: dict[str, Any] = {"certificate_number": item.certificate_number}
        if item.credit_code is not None:
            out["credit_code"] = item.credit_code
        if item.holder_name is not None:
            out["holder_name"] = item.holder_name
        out["found"] = bool(self.certificates)
        number = item.certificate_number
        out["well_formed"] = is_well_formed_number(number) if number is not None else None
        if self.certificates:
            out.update(_certificate_fields(self.certificates[0], today))
            out["matched_by"] = self.matched_by
            if len(self.certificates) > 1:
                out["other_certificates"] = [
                    {"certificate_number": c.certificate_number,
                     "status": c.public_status(today).value,
                     "verify_url": verify_url(c.certificate_number)}
                    for c in self.certificates[1:]]
        else:
            out["status"] = None
        out.update(verdict_fields(self.verdict if item.holder_name is not None else None))
        if self.did_you_mean:
            out["did_you_mean"] = self.did_you_mean
        out["counterfeit"] = self.counterfeit
        if self.outcome is not None:
            out.update(verdict_json(self.outcome))
        return out


# "Did you mean" for the first unknown numbers of a batch: their ~1,000 one-edit keys each go
# into one statement (well under SQLite's 32,766 and PostgreSQL's 65,535 parameters).
MAX_SUGGESTED: Final = 20
SUGGEST_CHUNK: Final = 30_000


def _nearest_for_missing(items: Sequence[Item], found: Mapping[str, Certificate],
                         fakes: set[str]) -> dict[str, str]:
    """Return {unknown number key: the register number one typing slip away}."""
    missing: list[str] = []
    for item in items:
        key = lookup_key(item.certificate_number) if item.certificate_number else None
        if (key is not None and key not in found and key not in fakes and key not in missing
                and is_well_formed_number(item.certificate_number or "")):
            missing.append(key)
        if len(missing) == MAX_SUGGESTED:
            break
    candidates = {key: one_edit_keys(key) for key in missing}
    wanted = sorted(set().union(*candidates.values())) if candidates else []
    near: dict[str, str] = {}
    for start in range(0, len(wanted), SUGGEST_CHUNK):
        query = select(Certificate.number_key, Certificate.certificate_number).where(
            Certificate.number_key.in_(wanted[start : start + SUGGEST_CHUNK]))
        near.update((k, n) for k, n in db.session.execute(query))
    out: dict[str, str] = {}
    for key, keys in candidates.items():
        hits = sorted(k for k in keys if k in near)
        if hits:
            out[key] = near[hits[0]]
    return out


def check_items(items: Sequence[Item], today: date) -> list[ItemResult]:
    """Check every item against the register, in order, with a few queries for all of them.

    Each result carries the one verdict (`outcome`) that pages, downloads and the API show.
    """
    by_key = certificates_by_key(
        k for k in (lookup_key(i.certificate_number) for i in items if i.certificate_number)
        if k is not None)
    codes = [i.credit_code for i in items if i.credit_code]
    by_code = certificates_by_credit_code(codes) if codes else {}
    name_only = [i.holder_name for i in items
                 if i.holder_name and not i.certificate_number and not i.credit_code]
    by_name = certificates_by_name(name_only) if name_only else {}
    fakes = counterfeit_keys()
    named = [c for found in (by_key.values(), *by_code.values(), *by_name.values()) for c in found]
    renames = rename_dates(named) if any(i.holder_name for i in items) else {}
    near_by_key = _nearest_for_missing(items, by_key, fakes)
    out: list[ItemResult] = []
    for item in items:
        certs: list[Certificate] = []
        matched_by: str | None = None
        did_you_mean = None
        key = lookup_key(item.certificate_number) if item.certificate_number else None
        code = normalise_credit_code(item.credit_code) if item.credit_code else ""
        if key is not None and key in by_key:
            certs, matched_by = [by_key[key]], "certificate_number"
        elif code:
            certs, matched_by = by_code.get(code, []), "credit_code"
            if not certs and credit_code_problem(code):
                did_you_mean = suggest_credit_code(code)
        elif item.holder_name and not item.certificate_number:
            certs, matched_by = by_name.get(item.holder_name, []), "holder_name"
        verdict = None
        if item.holder_name and certs:
            verdicts = [(check_name(c, item.holder_name, renames.get(c.id, {})), c)
                        for c in certs]
            rank = {NameMatch.MATCH: 0, NameMatch.PROBABLE: 1, NameMatch.NO_MATCH: 2}
            verdicts.sort(key=lambda pair: rank[pair[0].result])
            verdict = verdicts[0][0]
            certs = [pair[1] for pair in verdicts]
        counterfeit = key in fakes if key else False
        if key is not None and key in near_by_key:
            did_you_mean = near_by_key[key]
        status = certs[0].public_status(today) if certs else None
        outcome = verdict_for(status, number=item.certificate_number or "",
                              name=verdict if item.holder_name else None,
                              counterfeit=counterfeit)
        out.append(ItemResult(item, matched_by if certs else None, certs, verdict,
                              counterfeit=counterfeit, did_you_mean=did_you_mean,
                              outcome=outcome))
    return out


def verify_items(items: Sequence[Item], today: date) -> list[dict[str, Any]]:
    """Return the API results for `items`, in order."""
    return [result.as_json(today) for result in check_items(items, today)]


def item_from_json(value: Mapping[str, Any]) -> Item:
    """Build an Item from an already validated JSON object."""
    return Item(certificate_number=value.get("certificate_number"),
                credit_code=value.get("credit_code"), holder_name=value.get("holder_name"))
