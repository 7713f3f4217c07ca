"""The public register as one download: `/register.csv` and `/register.json` (#15).

The schema is stable: `FIELDS` in this order, never renamed; new fields are only ever added at
the end and `SCHEMA_VERSION` says which set a file has. A restricted certificate carries only
the fields a lookup by its number shows (`RESTRICTED_PUBLIC_FIELDS`): in JSON the others are
absent, in CSV their cells are empty. Rows are read in batches and streamed, so 100,000
certificates need no more memory than 2,000.
"""

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Final
from urllib.parse import quote

from flask import current_app
from sqlalchemy import func, select

from portal.domain.status import public_status
from portal.extensions import db
from portal.models import Certificate, SearchChange
from portal.register.cells import neutralise
from portal.register.public import RESTRICTED_PUBLIC_FIELDS
from portal.services.exporting import certificate_records

SCHEMA_VERSION: Final = "1"
FIELDS: Final[tuple[str, ...]] = (
    "certificate_number", "scheme", "standard", "status", "status_date", "status_reason",
    "holder_name_zh", "holder_name_en", "credit_code", "former_names", "address_zh",
    "address_en", "province", "city", "sites", "scope_zh", "scope_en", "initial_issue_date",
    "issue_date", "expiry_date", "accreditation", "restricted", "verify_url",
)
LIST_FIELDS: Final = frozenset({"former_names", "sites"})
_SHOWN_WHEN_RESTRICTED: Final = RESTRICTED_PUBLIC_FIELDS | {"verify_url"}
_ROWS_PER_CHUNK: Final = 200


def licence() -> dict[str, str]:
    """Return the licence the register is published under (OPEN_DATA_LICENCE settings)."""
    return {"name": current_app.config["OPEN_DATA_LICENCE"],
            "url": current_app.config["OPEN_DATA_LICENCE_URL"]}


def register_version(today: date) -> str:
    """Return a tag that changes whenever the bytes of the download would change.

    Every certificate write adds a search change-log row and bumps `updated_at`; `today`
    is part of it because `expired` is derived from the date.
    """
    count, newest = db.session.execute(
        select(func.count(Certificate.id), func.max(Certificate.updated_at))).one()
    last_change = db.session.scalar(select(func.max(SearchChange.id))) or 0
    parts = [SCHEMA_VERSION, str(count), newest.isoformat() if newest else "", str(last_change),
             today.isoformat(), current_app.config["PUBLIC_BASE_URL"],
             json.dumps(licence(), sort_keys=True)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def public_record(record: dict[str, Any], today: date) -> dict[str, Any]:
    """Return one `exporting.certificate_records` record in the download schema."""
    number = record["certificate_number"]
    values = dict(record)
    values["status"] = public_status(record["status"], record["expiry_date"], today).value
    values["verify_url"] = (f"{current_app.config['PUBLIC_BASE_URL']}/certificates/"
                            f"{quote(number, safe='')}")
    values["former_names"] = list(record.get("former_names") or [])
    for name in ("status_date", "initial_issue_date", "issue_date", "expiry_date"):
        values[name] = values[name].isoformat() if values.get(name) else None
    restricted = bool(record["restricted"])
    return {name: values.get(name) for name in FIELDS
            if not restricted or name in _SHOWN_WHEN_RESTRICTED}


def _records(today: date) -> Iterator[dict[str, Any]]:
    for record in certificate_records():
        yield public_record(record, today)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return neutralise(";".join(value))
    return neutralise(value) if isinstance(value, str) else value


def csv_chunks(today: date) -> Iterator[bytes]:
    """Yield the register as UTF-8 CSV with a BOM, header first, a few hundred rows a chunk."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(FIELDS)
    for n, record in enumerate(_records(today), start=1):
        writer.writerow([_csv_cell(record.get(name)) for name in FIELDS])
        if n % _ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def json_chunks(today: date, version: str) -> Iterator[bytes]:
    """Yield the register as one JSON object: schema, licence, then `certificates`."""
    head = {"schema_version": SCHEMA_VERSION, "fields": list(FIELDS), "licence": licence(),
            "register_version": version, "status_as_of": today.isoformat()}
    yield json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "certificates": ['
    batch: list[str] = []
    first = True
    for record in _records(today):
        batch.append(json.dumps(record, ensure_ascii=False))
        if len(batch) == _ROWS_PER_CHUNK:
            yield (("" if first else ",") + ",".join(batch)).encode()
            first, batch = False, []
    if batch:
        yield (("" if first else ",") + ",".join(batch)).encode()
    yield b"]}\n"
