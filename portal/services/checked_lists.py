"""Keep a bulk-check result for a short time so that `/verify-list` can offer its downloads.

The page shows a table; its CSV and XLSX links serve that same table from a snapshot taken when
the page was made, so a download equals what was shown even if the register changed meanwhile,
and the supplier list is not uploaded twice. Privacy: the snapshot holds only what the page
showed (the user's own entries and public certificate fields, never a restricted holder), sits
behind an unguessable token whose hash alone is stored, and is deleted after `KEEP`.
"""

import csv
import hashlib
import io
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from openpyxl import Workbook
from sqlalchemy import delete, select

from portal.domain.verdict import Reason
from portal.extensions import db
from portal.models.checked_list import CheckedList
from portal.register.cells import csv_row, xlsx_row
from portal.services.bulk_verify import CheckedRow
from portal.verify import text

KEEP: Final = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def snapshot(rows: Sequence[CheckedRow]) -> list[dict[str, Any]]:
    """Return the result table as plain data: the entries and what each matched, as shown."""
    out: list[dict[str, Any]] = []
    for row in rows:
        matches = []
        for match in row.matches:
            cert = match.certificate  # the PublicCertificate the page showed
            matches.append({
                "matched_by": match.matched_by,
                "certificate_number": cert.certificate_number,
                "holder_name_zh": cert.holder.name_zh if cert.holder else None,
                "scheme": cert.scheme,
                "status": cert.status.value,
                "expiry_date": cert.expiry_date.isoformat(),
            })
        out.append({"line": row.line, "number": row.number, "credit_code": row.credit_code,
                    "name": row.name, "name_match": row.name_match, "matches": matches,
                    "counterfeit": row.counterfeit, "verdict": row.verdict.level.value,
                    "verdict_reasons": [r.value for r in row.verdict.reasons],
                    "did_you_mean": row.did_you_mean})
    return out


def save(rows: Sequence[CheckedRow], *, now: datetime) -> str:
    """Store the result of a check for `KEEP`; return the secret token of its downloads."""
    db.session.execute(delete(CheckedList).where(CheckedList.expires_at < now))
    token = secrets.token_urlsafe(24)
    db.session.add(CheckedList(token_hash=_hash(token), checked_at=now, expires_at=now + KEEP,
                               rows=snapshot(rows)))
    db.session.commit()
    return token


def load(token: str, *, now: datetime) -> CheckedList | None:
    """Return the kept result of `token`, or None when unknown or expired."""
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(select(CheckedList).where(CheckedList.token_hash == _hash(token)))
    if found is None or found.expires_at <= now:
        return None
    return found


def certificate_numbers(checked: CheckedList) -> list[str]:
    """Return the certificate numbers "watch all rows" follows, in list order, once each.

    Rows whose paper names another company than the holder are left out (the page says so).
    """
    return watchable(checked.rows)


def watchable(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Return the certificate numbers of snapshot `rows` worth watching."""
    seen: dict[str, None] = {}
    for row in rows:
        if row.get("name_match") == "no_match":
            continue  # the paper names another company: watching the holder tells nothing
        for match in row["matches"]:
            seen.setdefault(match["certificate_number"], None)
    return list(seen)


def table(rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> list[list[Any]]:
    """Return a snapshot's rows as table rows (one per match, or per unmatched entry).

    The one writer of both downloads (CSV and XLSX, from the page's links or from "check and
    download"): an unmatched row says why (known counterfeit, another body's number, not
    found), and every row carries the row's verdict and its reasons, as the page shows.
    """
    out: list[list[Any]] = []
    for row in rows:
        entry = [row["line"], row["number"], row["credit_code"], row["name"]]
        name_check = labels[row["name_match"]] if row.get("name_match") else ""
        reasons = [Reason(r) for r in row.get("verdict_reasons", ())]
        verdict = [text.level_label(row["verdict"]) if row.get("verdict") else "",
                   "; ".join(text.reason_label(r) for r in reasons)]
        if not row["matches"]:
            found = (labels["counterfeit"] if Reason.COUNTERFEIT in reasons
                     else text.reason_label(Reason.OTHER_BODY) if Reason.OTHER_BODY in reasons
                     else labels["not_found"])
            if row.get("did_you_mean"):
                found += " · " + labels["did_you_mean"] + " " + row["did_you_mean"]
            out.append([*entry, found, "", "", "", "", "", *verdict, name_check])
        for match in row["matches"]:
            out.append([*entry, labels[match["matched_by"]], match["certificate_number"],
                        match["holder_name_zh"] or "", match["scheme"],
                        labels[match["status"]], match["expiry_date"], *verdict, name_check])
    return out


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Write header and rows as UTF-8 CSV with a BOM (so that Excel reads Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Write header and rows as a one-sheet XLSX workbook, every text cell plain text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("verification")
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
