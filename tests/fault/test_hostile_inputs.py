"""Hundreds of malformed inputs at every public route: never a 5xx (#13, beyond the list).

Every rule of `app.url_map` outside /staff/ gets at least 300 requests (tests/fault/hostile.py):
hostile query strings, path segments, headers, form fields, raw bodies, files and methods.
Each answer must be below 500, and every header must be sendable by gunicorn (latin-1, no
line breaks). The memory bound under gunicorn is in test_gunicorn_faults.py.
"""

import logging

import pytest

from tests import conftest
from tests.fault.hostile import Probe, probes_for

pytestmark = pytest.mark.slow

MIN_PROBES_PER_ROUTE = 300


@pytest.fixture
def app_config(tmp_path):
    # As in production: an unexpected exception becomes a 500 answer (and is counted here),
    # and CSRF is checked (its "form expired" pages are part of what a bad body reaches).
    return conftest.test_config(tmp_path, HANDLE_ALL_ERRORS=True, WTF_CSRF_ENABLED=True)


def public_routes(app) -> list[tuple[str, set[str]]]:
    rules = [(rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"})
             for rule in app.url_map.iter_rules()]
    return sorted((rule, methods) for rule, methods in rules
                  if not rule.startswith("/staff") and not rule.startswith("/static"))


def send(client, probe: Probe):
    return client.open(probe.url, method=probe.method, headers=probe.headers,
                       data=probe.data, content_type=probe.content_type)


@pytest.mark.timeout(900)  # ~60 s of CPU; far longer on a machine busy with other work
def test_every_public_route_survives_hundreds_of_malformed_inputs(app, client,
                                                                   make_certificate, caplog):
    make_certificate(certificate_number="02722Q10234R3M")
    routes = public_routes(app)
    assert len(routes) >= 30  # the whole public site, not a sample
    failures: list[str] = []
    total = 0
    caplog.set_level(logging.ERROR)
    for offset, (rule, methods) in enumerate(routes):
        probes = probes_for(rule, methods, count=MIN_PROBES_PER_ROUTE, offset=offset)
        assert len(probes) >= MIN_PROBES_PER_ROUTE, rule
        for probe in probes:
            total += 1
            response = send(client, probe)
            problem = None
            if response.status_code >= 500:
                problem = f"{response.status_code}"
            else:
                for name, value in response.headers.items():
                    try:
                        value.encode("latin-1")
                    except UnicodeEncodeError:
                        problem = f"header {name} not latin-1: {value[:80]!r}"
                    if "\n" in value or "\r" in value:
                        problem = f"header {name} has a line break"
            response.close()
            if problem:
                logged = [r.getMessage() + " " + str(r.exc_info[1] if r.exc_info else "")
                          for r in caplog.records if r.levelno >= logging.ERROR]
                failures.append(f"{probe.describe()}: {problem} {logged[-1:]}")
            caplog.clear()
    print(f"{total} malformed requests to {len(routes)} public routes")
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"
