"""Two registrars edit the same certificate: no lost update (#13.4)."""

from bs4 import BeautifulSoup

from portal.extensions import db
from portal.models import AuditLogEntry, Certificate
from tests.staff_support import make_user, sign_in


def two_registrars(app) -> tuple[object, object]:
    clients = []
    for name in ("alice", "bob"):
        user = make_user("registrar", f"{name}@sqi.example.cn")
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        clients.append(client)
    return clients[0], clients[1]


def form_of(response) -> dict[str, str]:
    """Return what a browser would submit from the page's certificate form, unchanged."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    form = page.select_one("form.staff-form")
    values: dict[str, str] = {}
    for field in form.select("input[name]"):
        if field.get("type") == "checkbox":
            if field.has_attr("checked"):
                values[field["name"]] = field.get("value", "y")
        else:
            values[field["name"]] = field.get("value", "")
    for field in form.select("textarea[name]"):
        values[field["name"]] = field.get_text().removeprefix("\r\n").removeprefix("\n")
    for field in form.select("select[name]"):
        chosen = field.select_one("option[selected]") or field.select_one("option")
        values[field["name"]] = chosen.get("value", "") if chosen else ""
    return values


def reload(cert: Certificate) -> Certificate:
    db.session.expire_all()
    return db.session.get(Certificate, cert.id)


def edit_page(client, cert: Certificate, lang: str = "en"):
    return client.get(f"/staff/certificates/{cert.number_key}/edit?lang={lang}")


def save(client, cert: Certificate, values: dict[str, str], lang: str = "en"):
    return client.post(f"/staff/certificates/{cert.number_key}/edit?lang={lang}", data=values)


def test_the_second_save_does_not_undo_the_first(app, make_certificate):
    cert = make_certificate(address_en="1 Old Road", scope_en="Old scope")
    alice, bob = two_registrars(app)
    form_a, form_b = form_of(edit_page(alice, cert)), form_of(edit_page(bob, cert))
    assert form_a["version"] and form_a["version"] == form_b["version"]

    assert save(alice, cert, form_a | {"address_en": "100 Zhangjiang Road"}).status_code == 302
    response = save(bob, cert, form_b | {"scope_en": "Design of integrated circuits"})

    # Bob's save is refused and tells him what changed; nothing of Alice's is undone.
    assert response.status_code == 409
    stored = reload(cert)
    assert (stored.address_en, stored.scope_en) == ("100 Zhangjiang Road", "Old scope")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    notice = page.select_one("#edit-conflict").get_text(" ", strip=True)
    assert "someone else saved this certificate" in notice
    assert "Address (English)" in notice and "100 Zhangjiang Road" in notice
    assert "Scope (English)" not in notice
    # What Bob typed is kept; Alice's address is now in his form.
    again = form_of(response)
    assert again["scope_en"] == "Design of integrated circuits"
    assert again["address_en"] == "100 Zhangjiang Road"
    # Saving the form as shown keeps both changes.
    assert save(bob, cert, again).status_code == 302
    stored = reload(cert)
    assert (stored.address_en, stored.scope_en) == ("100 Zhangjiang Road",
                                                   "Design of integrated circuits")
    updates = db.session.scalars(db.select(AuditLogEntry)
                                 .filter_by(action="certificate.update")).all()
    assert len(updates) == 2


def test_a_field_both_changed_keeps_the_second_text_and_is_marked(app, make_certificate):
    cert = make_certificate(scope_en="Old scope")
    alice, bob = two_registrars(app)
    form_a, form_b = form_of(edit_page(alice, cert, "zh")), form_of(edit_page(bob, cert, "zh"))
    save(alice, cert, form_a | {"scope_en": "Alice's scope"}, "zh")
    response = save(bob, cert, form_b | {"scope_en": "Bob's scope"}, "zh")
    assert response.status_code == 409
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "其他人保存了此证书" in page.select_one("#edit-conflict").get_text()
    assert "Alice's scope" in page.select_one("#edit-conflict").get_text()
    assert "其他人也修改了此字段" in page.select_one("#scope_en-error").get_text()
    assert form_of(response)["scope_en"] == "Bob's scope"
    assert reload(cert).scope_en == "Alice's scope"


def test_a_status_change_meanwhile_does_not_block_a_correction(app, make_certificate):
    cert = make_certificate()
    alice, bob = two_registrars(app)
    form = form_of(edit_page(bob, cert))
    alice.post(f"/staff/certificates/{cert.number_key}/status",
               data={"status": "suspended", "effective_date": cert.issue_date.isoformat(),
                     "reason_class": "overdue_surveillance", "reason_text": "", "note": ""})
    assert reload(cert).status.value == "suspended"
    assert save(bob, cert, form | {"address_en": "2 New Road"}).status_code == 302
    stored = reload(cert)
    assert (stored.status.value, stored.address_en) == ("suspended", "2 New Road")
