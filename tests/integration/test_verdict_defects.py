"""Smaller defects found on the verification path (#21 point 5 and 6), each seen failing first."""

from datetime import date

from bs4 import BeautifulSoup

from portal import create_app
from portal.domain.status import CertificateStatus
from tests.integration import test_list_watch
from tests.integration.test_list_watch import change, check_and_watch, path, subject

smtp = test_list_watch.smtp  # the fixture: a real SMTP server collecting the mails


def test_the_register_download_names_its_charset_once(client, make_certificate):
    make_certificate()
    response = client.get("/register.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_list_watch_confirmation_page_has_no_empty_count(client, make_certificate, smtp):
    certs = [make_certificate() for _ in range(2)]
    check_and_watch(client, certs, lang="zh")
    [confirmation] = smtp
    for link in (path(confirmation, "confirm"), path(confirmation, "manage")):
        page = client.get(link)
        text = BeautifulSoup(page.text, "html.parser").get_text()
        assert page.status_code == 200 and "已从名单中移除" not in text


def test_a_digest_of_one_change_says_one_certificate(client, make_certificate, smtp):
    certs = [make_certificate() for _ in range(2)]
    check_and_watch(client, certs)
    [confirmation] = smtp
    client.get(path(confirmation, "confirm") + "?lang=en")
    change(certs[0], CertificateStatus.SUSPENDED, 26)
    result = client.application.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert subject(smtp[1]) == "1 certificate of your supplier list has changed"


def test_credit_codes_list_certificates_in_force_first(client, make_certificate):
    valid = make_certificate(expiry_date=date(2028, 2, 28))
    make_certificate(credit_code=valid.credit_code, expiry_date=date(2029, 2, 28),
                     status=CertificateStatus.CANCELLED, status_date=date(2026, 1, 5),
                     status_reason="获证组织申请注销")
    page = BeautifulSoup(client.get("/verify", query_string={
        "number": valid.credit_code, "name": valid.holder_name_zh}).text, "html.parser")
    first = page.select_one(".verify-certs__number")
    assert first.text == valid.certificate_number


def _cli_app(monkeypatch, recorded=None, **env):
    from portal import config as portal_config

    monkeypatch.setattr(portal_config, "_served_at", None, raising=False)
    monkeypatch.setattr(portal_config, "_recorded_served_at", lambda instance: recorded)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SEARCH_INDEX_DIR": ":memory:",
                       "SECRET_KEY": "k"})


def test_mail_commands_refuse_without_a_known_address(monkeypatch):
    app = _cli_app(monkeypatch)
    assert app.config["PUBLIC_BASE_URL_SOURCE"] == "default"
    for command in ("send-notifications", "deliver-webhooks", "mail-surveillance-due"):
        with app.app_context():
            result = app.test_cli_runner().invoke(args=[command])
        assert result.exit_code == 2, (command, result.output)
        assert "PUBLIC_BASE_URL" in result.output


def test_commands_beside_a_server_on_another_port_link_to_it(monkeypatch, tmp_path):
    from portal import config as portal_config

    real_reader = portal_config._recorded_served_at
    portal_config.record_served_at(str(tmp_path), "http://127.0.0.1:5111")
    assert real_reader(tmp_path) == "http://127.0.0.1:5111"
    app = _cli_app(monkeypatch, recorded="http://127.0.0.1:5111")
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5111"
    assert app.config["PUBLIC_BASE_URL_SOURCE"] == "recorded"
    with app.app_context():
        from portal.extensions import db

        db.create_all()
        result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    wins = _cli_app(monkeypatch, recorded="http://127.0.0.1:5111",
                    PUBLIC_BASE_URL="https://verify.example.cn")
    assert wins.config["PUBLIC_BASE_URL"] == "https://verify.example.cn"
