"""Who may open what in the back office: a walk over every /staff/ rule of the app's URL map.

`EXPECTED` is the allowed/denied matrix written out by hand, independent of the decorators:
a new back-office route fails `test_the_matrix_names_every_staff_route` until it is added
here, and a route whose `roles_required` does not match the matrix fails the walks.
"""

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from portal import clock
from portal.models import Role
from portal.services import alerts as alert_service
from portal.staff.views import PUBLIC_ENDPOINTS  # signing in is possible before signing in
from tests.staff_support import make_user, signed_in_client

ROLES = [r.value for r in Role]
ANYONE = frozenset({"anonymous", "admin", "registrar", "complaints", "sales"})
STAFF = frozenset({"admin", "registrar", "complaints", "sales"})
REGISTRAR = frozenset({"admin", "registrar"})
COMPLAINTS = frozenset({"admin", "complaints"})
SALES = frozenset({"admin", "sales"})
ADMIN = frozenset({"admin"})

EXPECTED: dict[str, frozenset[str]] = {
    "staff.login": ANYONE,
    "staff.logout": STAFF,
    "staff.home": STAFF,
    "staff.password": STAFF,
    # the register
    "staff.certificates": REGISTRAR,
    "staff.certificate": REGISTRAR,
    "staff.certificate_new": REGISTRAR,
    "staff.certificate_edit": REGISTRAR,
    "staff.certificate_status": REGISTRAR,
    "staff.certificate_reissue": REGISTRAR,
    "staff.certificate_pdf": REGISTRAR,
    "staff.surveillance": REGISTRAR,
    "staff.upload": REGISTRAR,
    "staff.upload_apply": REGISTRAR,
    "staff.upload_cancel": REGISTRAR,
    "staff.register_download": REGISTRAR,
    "staff.alerts": REGISTRAR,
    "staff.alert_toggle": REGISTRAR,
    # complaints, appeals and reports of fakes
    "staff.complaints": COMPLAINTS,
    "staff.complaint_detail": COMPLAINTS,
    "staff.complaint_acknowledge": COMPLAINTS,
    "staff.complaint_reject": COMPLAINTS,
    "staff.complaint_assign": COMPLAINTS,
    "staff.complaint_investigate": COMPLAINTS,
    "staff.complaint_action": COMPLAINTS,
    "staff.complaint_note": COMPLAINTS,
    "staff.complaint_link": COMPLAINTS,
    "staff.complaint_decide": COMPLAINTS,
    "staff.complaint_close": COMPLAINTS,
    "staff.complaint_export": COMPLAINTS,
    "staff.complaint_attachment": COMPLAINTS,
    "staff.fake_reports": COMPLAINTS,
    "staff.fake_report_detail": COMPLAINTS,
    "staff.fake_report_alert": COMPLAINTS,
    "staff.fake_report_dismiss": COMPLAINTS,
    "staff.fake_report_photo": COMPLAINTS,
    # applications for certification and satisfaction surveys (#16)
    "staff.applications": SALES,
    "staff.application_detail": SALES,
    "staff.application_review_start": SALES,
    "staff.application_assign": SALES,
    "staff.application_review": SALES,
    "staff.application_quote": SALES,
    "staff.application_accept": SALES,
    "staff.application_decline": SALES,
    "staff.application_contract": SALES,
    "staff.application_close": SALES,
    "staff.application_note": SALES,
    "staff.application_conflict": SALES,
    "staff.application_attachment": SALES,
    "staff.surveys": SALES,
    "staff.survey_audits": SALES | REGISTRAR,
    "staff.survey_audit_new": REGISTRAR,  # an audit is public register data (#23)
    "staff.survey_audit": SALES,
    "staff.survey_invite": SALES,
    "staff.survey_phone_check": SALES,
    "staff.survey_sheet": SALES,
    "staff.survey_follow_ups": SALES,
    "staff.survey_follow_up_close": SALES,
    # administration
    "staff.users": ADMIN,
    "staff.user": ADMIN,
    "staff.user_new": ADMIN,
    "staff.user_role": ADMIN,
    "staff.user_activate": ADMIN,
    "staff.user_deactivate": ADMIN,
    "staff.user_reset_password": ADMIN,
    "staff.user_unlock": ADMIN,
    "staff.audit_log": ADMIN,
    "staff.webhooks": ADMIN,
    "staff.webhook": ADMIN,
    "staff.audit_log_csv": ADMIN,
    "staff.content_pages": ADMIN,
    "staff.content_reviewed": ADMIN,
}
MISSING_ID = 987654
MISSING_TEXT = "NO-SUCH-0000"


def staff_rules(app: Flask) -> list[Rule]:
    """Every back-office rule (by path or by blueprint), the sign-out last (it ends the session)."""
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith("/staff") or r.endpoint.startswith("staff.")]
    return sorted(rules, key=lambda r: (r.endpoint == "staff.logout", r.rule))


def example_url(rule: Rule, known: dict[str, Any] | None = None) -> str:
    """Fill the rule's variables with `known` values, others with values naming nothing."""
    known = known or {}
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        elif name in known:
            values[name] = known[name]
        else:
            values[name] = MISSING_ID if isinstance(converter, IntegerConverter) else MISSING_TEXT
    url = rule.build(values, append_unknown=False)
    assert url is not None
    return url[1]


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def existing_things(app: Flask, make_certificate: Any) -> dict[str, Any]:
    """A certificate, another account and an alert, so that pages show something real."""
    cert = make_certificate()
    other = make_user("registrar", "someone.else@sqi.example.cn")
    alert = alert_service.create_alert("counterfeit_number", "02722Q99999R9M",
                                       description_zh="伪造", published_on=clock.today(),
                                       actor="test", now=clock.utcnow())
    return {"number": cert.number_key, "user_id": other.id, "alert_id": alert.id}


def test_the_matrix_names_every_staff_route(app):
    endpoints = {r.endpoint for r in staff_rules(app)}
    assert endpoints - set(EXPECTED) == set(), "add the new back-office routes to EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "EXPECTED names routes that no longer exist"


def test_declared_roles_are_the_matrix(app):
    for endpoint, allowed in EXPECTED.items():
        declared = {Role(r).value for r in
                    getattr(app.view_functions[endpoint], "required_roles", ())}
        if endpoint in PUBLIC_ENDPOINTS:
            assert allowed == ANYONE and not declared, endpoint
        else:
            # admins hold every role; the matrix lists them explicitly
            assert declared | {"admin"} == allowed, (endpoint, declared)


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(app):
    client = app.test_client()
    tried = 0
    for rule in staff_rules(app):
        for method in methods(rule):
            url = example_url(rule)
            response = client.open(url, method=method)
            tried += 1
            if "anonymous" in EXPECTED[rule.endpoint]:
                assert response.status_code == 200, (method, url)
                continue
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
    assert tried == sum(len(methods(r)) for r in staff_rules(app)) > 40


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_routes(app, make_certificate, role):
    known = existing_things(app, make_certificate)
    client = signed_in_client(app, role)
    allowed_seen, denied_seen = set(), set()
    for rule in staff_rules(app):
        allowed = role in EXPECTED[rule.endpoint]
        for method in methods(rule):
            url = example_url(rule, known)
            response = client.open(url, method=method)
            where = (role, method, url, response.status_code)
            if not allowed:
                denied_seen.add(rule.endpoint)
                assert response.status_code == 403, where
                continue
            allowed_seen.add(rule.endpoint)
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
            if rule.endpoint != "staff.logout":
                assert not response.headers.get("Location", "").startswith("/staff/login"), where
            if method == "GET" and rule.endpoint != "staff.login":
                names_nothing = str(MISSING_ID) in url or MISSING_TEXT in url
                assert response.status_code == (404 if names_nothing else 200), where
    assert allowed_seen == {e for e, roles in EXPECTED.items() if role in roles}
    assert denied_seen == {e for e, roles in EXPECTED.items() if role not in roles}


def test_a_view_that_forgets_its_roles_is_refused_even_to_admins(app, monkeypatch):
    client = signed_in_client(app, "admin")
    monkeypatch.setitem(app.view_functions, "staff.alerts", lambda: "open to anyone")
    assert client.get("/staff/alerts").status_code == 403
    assert app.test_client().get("/staff/alerts").status_code == 403


def test_a_deactivated_account_loses_every_route_at_once(app):
    from portal.services import staff as staff_service

    client = signed_in_client(app, "admin")
    user = staff_service.get_by_email("admin@sqi.example.cn")
    make_user("admin", "second.admin@sqi.example.cn")  # the last admin cannot be deactivated
    staff_service.set_active(user, False, actor="test", now=clock.utcnow())
    for rule in staff_rules(app):
        if "GET" in methods(rule) and rule.endpoint not in PUBLIC_ENDPOINTS:
            response = client.get(example_url(rule))
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].startswith("/staff/login"), rule.rule
