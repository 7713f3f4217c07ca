"""Odd input to any back-office route gets an answer (a form error, 400, 404), never a 500.

The routes are read from the URL map, so a new one is tried as soon as it exists. Run on
PostgreSQL too (`TEST_DATABASE_URL`): it refuses NUL bytes and integers SQLite would take.
"""

import csv
import io
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter
from wtforms.fields.core import UnboundField

from portal import clock
from portal.domain.records import CERTIFICATE_COLUMNS
from portal.extensions import db
from portal.models import Certificate
from portal.services import alerts as alert_service
from portal.staff import complaints_forms, forms
from tests.staff_support import make_user, sign_in, signed_in_client

# Things people paste, attackers send, or spreadsheets produce.
ODD = ["a\x00b", "9" * 25, "-1", "0001-01-01", "9999-12-31", "x" * 5000,
       "<script>'%_\"\\</script>１２"]


def form_fields() -> set[str]:
    """Every field name of every back-office form."""
    names = {"page", "q", "next", "lang"}
    for module in (forms, complaints_forms):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, FlaskForm):
                names |= {n for n in dir(value) if isinstance(getattr(value, n), UnboundField)}
    return names


def valid_base() -> dict[str, str]:
    """Values that pass the choice and date checks, so odd text reaches the service."""
    today = clock.today().isoformat()
    return {"status": "suspended", "effective_date": today, "reason_class": "holder_request",
            "kind": "counterfeit_number", "role": "registrar", "published_on": today,
            "scheme": "QMS", "issue_date": "2025-03-01", "expiry_date": "2028-02-28",
            "initial_issue_date": "2025-03-01", "scope_change": "scope_extended",
            "date_from": "2026-01-01", "date_to": today}


def staff_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/")]
    return sorted(rules, key=lambda r: (r.endpoint == "staff.logout", r.rule))


def url_for_rule(rule: Rule, known: dict[str, Any], odd: str | None = None) -> str:
    """Fill the rule with existing things, or put `odd` into every text variable."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = known.get(name, 1)
        elif isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        else:
            values[name] = known.get(name, "NO-SUCH-0000") if odd is None else "ODD"
    url = rule.build(values, append_unknown=False)[1]
    return url.replace("ODD", quote(odd, safe="")) if odd is not None else url


def test_odd_input_to_every_staff_route_never_fails(app, make_certificate):
    cert = make_certificate()
    other = make_user("registrar", "other@sqi.example.cn")
    alert = alert_service.create_alert("counterfeit_number", "02722Q99999R9M",
                                       description_zh="伪造", published_on=clock.today(),
                                       actor="t", now=clock.utcnow())
    known = {"number": cert.number_key, "user_id": other.id, "alert_id": alert.id}
    client = signed_in_client(app, "admin")
    fields = sorted(form_fields())
    base = valid_base()
    failures: list[tuple[str, str, str, Any]] = []

    def send(method: str, url: str, **kwargs: Any) -> None:
        try:
            status = client.open(url, method=method, **kwargs).status_code
        except Exception as exc:  # noqa: BLE001 - any exception is what the test looks for
            db.session.rollback()
            status = repr(exc)[:160]
        if not isinstance(status, int) or status >= 500:
            failures.append((method, url[:90], repr(kwargs.get("data", ""))[:60], status))

    tried = 0
    for rule in staff_rules(app):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "staff.logout":
                continue  # it only ends the session; tried by the permissions walk
            url = url_for_rule(rule, known)
            for odd in ODD:
                tried += 1
                if method == "GET":
                    send(method, url, query_string={name: odd for name in fields})
                else:
                    send(method, url, data={name: odd for name in fields})
                    send(method, url, data=base | {n: odd for n in fields if n not in base})
                if any(not isinstance(c, IntegerConverter | AnyConverter)
                       for c in rule._converters.values()):
                    send(method, url_for_rule(rule, known, odd))
            if rule._converters:
                big = url_for_rule(rule, {**known, "user_id": 10**22, "alert_id": 10**22,
                                          "report_id": 10**22, "attachment_id": 10**22})
                send(method, big)
    assert tried > 100
    assert failures == []
    # Still signed in and working: nothing above broke the session or the database.
    assert client.get("/staff/").status_code == 200
    assert db.session.get(Certificate, cert.id) is not None


def test_nul_bytes_are_refused_with_400(app, make_certificate):
    cert = make_certificate()
    client = signed_in_client(app, "registrar")
    response = client.post(f"/staff/certificates/{cert.number_key}/status", data={
        "status": "suspended", "effective_date": clock.today().isoformat(),
        "reason_class": "holder_request", "reason_text": "", "note": "x\x00y"})
    assert response.status_code == 400
    assert client.get("/staff/certificates?q=a%00b").status_code == 400
    assert app.test_client().post("/staff/login", data={
        "email": "a\x00@sqi.example.cn", "password": "whatever it is"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status.value == "valid"


def test_huge_page_numbers_and_ids_are_answered(app):
    client = signed_in_client(app, "admin")
    assert client.get("/staff/certificates?page=" + "9" * 25).status_code == 200
    assert client.get("/staff/audit-log?page=-5").status_code == 200
    assert client.get("/staff/users/" + "9" * 25).status_code == 404
    assert client.post("/staff/users/" + "9" * 25 + "/unlock").status_code == 404
    response = client.get("/staff/audit-log?date_from=0001-01-01&date_to=9999-12-31")
    assert response.status_code == 200
    assert "staff.login" in response.get_data(as_text=True)  # no limit, not "nothing"


def register_csv(*rows: dict[str, str], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CERTIFICATE_COLUMNS)
    for values in rows:
        writer.writerow([values.get(c, "") for c in CERTIFICATE_COLUMNS])
    return out.getvalue().encode(encoding)


GOOD_ROW = {"certificate_number": "02725Q77777R1M", "scheme": "QMS",
            "standard": "GB/T 19001-2016/ISO 9001:2015", "holder_name_zh": "上海某电子有限公司",
            "scope_zh": "电子元件的销售", "issue_date": "2025-03-01", "expiry_date": "2028-02-28",
            "status": "valid"}


@pytest.mark.parametrize("name, body", [
    ("empty.csv", b""),
    ("bom-only.csv", b"\xef\xbb\xbf"),
    ("header-only.csv", register_csv()),
    ("excel-gbk.csv", register_csv(GOOD_ROW, encoding="gb18030")),
    ("nul.csv", register_csv(GOOD_ROW | {"scope_zh": "电子\x00元件"})),
    ("binary.csv", bytes(range(256)) * 4),
    ("not-a-workbook.xlsx", b"PK\x03\x04 this is not a zip archive"),
    ("csv-named.xlsx", register_csv(GOOD_ROW)),
    ("wide.csv", b"a," * 20000 + b"\n"),
    ("long-line.csv", register_csv(GOOD_ROW | {"scope_zh": "范围" * 100000})),
])
def test_odd_register_files_are_explained_not_failed(app, name, body):
    client = signed_in_client(app, "registrar")
    response = client.post("/staff/upload?lang=en", data={"file": (io.BytesIO(body), name)},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 413), name
    if response.status_code == 200:
        text = response.get_data(as_text=True)
        # A file that cannot be read is a problem to show, and it cannot be applied.
        assert "import-errors" in text or "0 to create" in text, name
        assert "/staff/upload/apply" not in text, name
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 0


def test_sign_in_with_odd_input_is_just_refused(app):
    user = make_user("registrar")
    client = app.test_client()
    for odd in [o for o in ODD if "\x00" not in o]:
        assert sign_in(client, odd, odd).status_code == 200
        assert client.post(f"/staff/login?next={quote(odd)}",
                           data={"email": user.email, "password": odd}).status_code == 200
