"""Every back-office route is denied by default: a walk over every /staff/ rule of the app."""

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from portal.models import Role
from portal.staff.views import PUBLIC_ENDPOINTS  # signing in is possible before signing in
from tests.staff_support import signed_in_client

ROLES = [r.value for r in Role]


def staff_rules(app: Flask) -> list[Rule]:
    """Every rule under /staff/, the sign-out last (it ends the session)."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/")]
    return sorted(rules, key=lambda r: (r.endpoint == "staff.logout", r.rule))


def example_url(rule: Rule) -> str:
    """Fill the rule's variables with values that name nothing that exists."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 987654
        elif isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        else:
            values[name] = "NO-SUCH-0000"
    url = rule.build(values, append_unknown=False)
    assert url is not None
    return url[1]


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_the_walk_covers_the_back_office(app):
    endpoints = {r.endpoint for r in staff_rules(app)}
    assert {"staff.home", "staff.certificates", "staff.certificate_status", "staff.upload",
            "staff.upload_apply", "staff.users", "staff.audit_log", "staff.alerts",
            "staff.logout"} <= endpoints


def test_every_staff_route_declares_its_roles(app):
    undeclared = [r.rule for r in staff_rules(app) if r.endpoint not in PUBLIC_ENDPOINTS
                  and not getattr(app.view_functions[r.endpoint], "required_roles", None)]
    assert undeclared == [], "staff routes without roles_required: " + ", ".join(undeclared)


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(app):
    client = app.test_client()
    for rule in staff_rules(app):
        for method in methods(rule):
            url = example_url(rule)
            response = client.open(url, method=method)
            if rule.endpoint in PUBLIC_ENDPOINTS:
                assert response.status_code == 200, (method, url)
                continue
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/staff/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_routes(app, role):
    client = signed_in_client(app, role)
    allowed_seen, denied_seen = 0, 0
    for rule in staff_rules(app):
        view = app.view_functions[rule.endpoint]
        required = {Role(r) for r in getattr(view, "required_roles", ())}
        allowed = rule.endpoint in PUBLIC_ENDPOINTS or role == Role.ADMIN or Role(role) in required
        for method in methods(rule):
            url = example_url(rule)
            response = client.open(url, method=method)
            where = (role, method, url, response.status_code)
            if allowed:
                allowed_seen += 1
                assert response.status_code != 403, where
                assert response.status_code < 500, where
                assert "/staff/login" not in response.headers.get("Location", "") \
                    or rule.endpoint in ("staff.logout", "staff.login"), where
            else:
                denied_seen += 1
                assert response.status_code == 403, where
    assert allowed_seen > 0
    assert denied_seen > 0 or role == Role.ADMIN


def test_admins_hold_every_role_and_others_only_theirs(app):
    # The matrix spelled out for the routes the SPEC names (a readable cross-check).
    expected = {
        "/staff/": {"admin", "registrar", "complaints"},
        "/staff/certificates": {"admin", "registrar"},
        "/staff/upload": {"admin", "registrar"},
        "/staff/users": {"admin"},
        "/staff/audit-log": {"admin"},
    }
    for role in ROLES:
        client = signed_in_client(app, role) if role else app.test_client()
        for path, roles in expected.items():
            status = client.get(path).status_code
            assert (status == 200) == (role in roles), (role, path, status)


def test_a_view_that_forgets_its_roles_is_refused_even_to_admins(app, monkeypatch):
    client = signed_in_client(app, "admin")
    monkeypatch.setitem(app.view_functions, "staff.alerts", lambda: "open to anyone")
    assert client.get("/staff/alerts").status_code == 403
    assert app.test_client().get("/staff/alerts").status_code == 403
