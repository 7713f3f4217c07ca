"""The /scan upload and the receipt button refuse a POST without a CSRF token."""

import pytest

from portal.extensions import db
from portal.models.receipt import Receipt


@pytest.fixture
def app_config(csrf_app_config):
    return csrf_app_config


def test_scan_without_csrf_token_is_rejected(client):
    response = client.post("/scan", data={"text": "http://verify.example.test/v/X/1/1.A"})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_receipt_without_csrf_token_makes_nothing(client, make_certificate):
    cert = make_certificate()
    response = client.post(f"/certificates/{cert.certificate_number}/receipt")
    assert response.status_code == 400
    assert db.session.query(Receipt).count() == 0


def test_scan_form_carries_a_token_that_works(client, make_certificate):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.get("/scan").text, "html.parser")
    token = soup.select_one("#scan-form input[name=csrf_token]")["value"]
    response = client.post("/scan", data={"csrf_token": token, "text": "02722Q10234R3M"})
    assert response.status_code == 200
