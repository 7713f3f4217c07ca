"""A complaint export answers with header values from stored data, and audits only success (#13.13)."""

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLogEntry
from portal.services import complaints as complaint_service
from tests.complaint_support import file_via_form, make_staff, sign_in


@pytest.fixture
def staff_client(client, app):
    sign_in(client, make_staff("li.officer@sqi.example"))
    return client


def exports() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLogEntry).where(
        AuditLogEntry.action == "complaint.export"))


def headers_travel_over_http(response) -> None:
    """What gunicorn checks before it sends a header: latin-1 text, no line breaks."""
    for name, value in response.headers.items():
        value.encode("latin-1")
        assert "\r" not in value and "\n" not in value, name


@pytest.mark.parametrize("variant", ["as issued", "lower case", "em dashes", "en dashes"])
def test_export_by_a_variant_reference_names_the_file_after_the_stored_one(staff_client,
                                                                           variant):
    reference, _code = file_via_form(staff_client)
    typed = {"as issued": reference, "lower case": reference.lower(),
             "em dashes": reference.replace("-", "—"),
             "en dashes": reference.replace("-", "–")}[variant]
    response = staff_client.post(f"/staff/complaints/{quote(typed)}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}.json"'
    headers_travel_over_http(response)
    assert response.get_json()["reference"] == reference
    assert exports() == 1


def test_export_that_fails_is_not_recorded_as_done(staff_client, monkeypatch):
    reference, _code = file_via_form(staff_client)

    def broken(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(complaint_service, "export_json", broken)
    with pytest.raises(RuntimeError):
        staff_client.post(f"/staff/complaints/{reference}/export")
    db.session.rollback()
    assert exports() == 0
