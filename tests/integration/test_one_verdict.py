"""One truthful verdict (#21): every surface says the same about the same certificate.

The matrix walks status × printed name × counterfeit alert through the certificate page,
/verify, the API record and batch check, each /verify-list row and both of its downloads, and
asserts one verdict level and one list of reasons everywhere, equal to the rule written out here
by hand (counterfeit > not in force > name does not match > paper not current > probable).
"""

import csv
import io
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from portal import clock
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Alert, AlertKind
from portal.services import certificates as certificate_service
from tests.factories import NOW, certificate_data
from tests.qr_support import decode_png

HOLDER = "上海一致测试电子有限公司"
NAMES = {"none": None, "match": HOLDER, "probable": "上海一致测式电子有限公司", "no_match":
         "苏州别家贸易有限公司"}
STATUSES = ("valid", "suspended", "withdrawn", "cancelled", "expired")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def expected(status: str, name: str, counterfeit: bool, restricted: bool = False
             ) -> tuple[str, list[str]]:
    """The rule of the issue, written out independently of portal.domain.verdict."""
    reasons = []
    if counterfeit:
        reasons.append("counterfeit")
    if status != "valid":
        reasons.append(status)
    # A restricted holder's near miss is answered as no match (the name is not revealed).
    if name == "no_match" or (restricted and name == "probable"):
        reasons.append("name_mismatch")
    if name == "probable" and not restricted:
        reasons.append("name_probable")
    rejecting = {"suspended", "withdrawn", "cancelled", "expired", "name_mismatch"}
    level = ("reject" if rejecting & set(reasons)
             else "caution" if reasons else "ok")
    return level, reasons


def make(status: str, *, restricted: bool = False, counterfeit: bool = False):
    today = clock.today()
    overrides = {"holder_name_zh": HOLDER, "restricted": restricted}
    if status == "expired":
        overrides |= {"issue_date": today - timedelta(days=3 * 365),
                      "expiry_date": today - timedelta(days=1)}
    elif status != "valid":
        overrides |= {"status": CertificateStatus(status), "status_date": date(2026, 1, 5),
                      "status_reason": "测试原因"}
    cert = certificate_service.create_certificate(certificate_data(**overrides), actor="t",
                                                  now=NOW)
    if counterfeit:
        db.session.add(Alert(kind=AlertKind.COUNTERFEIT_NUMBER, value=cert.certificate_number,
                             published_on=today, created_at=NOW))
    db.session.commit()
    return cert


def list_upload(client, body: str, fmt: str = "html"):
    return client.post("/verify-list", query_string={"lang": "en"},
                       data={"file": (io.BytesIO(body.encode()), "list.csv"), "format": fmt},
                       content_type="multipart/form-data")


def surfaces(client, number: str, name: str | None) -> dict[str, tuple[str, list[str]]]:
    """Return {surface: (level, reasons)} for one certificate number and printed name."""
    out: dict[str, tuple[str, list[str]]] = {}
    query = {"holder_name": name} if name else {}
    record = client.get(f"/api/v1/certificates/{number}", query_string=query).get_json()
    out["API record"] = (record["verdict"], record["verdict_reasons"])
    item = {"certificate_number": number, **({"holder_name": name} if name else {})}
    (result,) = client.post("/api/v1/certificates/verify",
                            json={"items": [item]}).get_json()["results"]
    out["API batch"] = (result["verdict"], result["verdict_reasons"])
    if name:
        page = soup(client.get("/verify", query_string={"number": number, "name": name,
                                                         "lang": "en"}))
        node = page.select_one(".verdict[data-verdict]")
    else:
        page = soup(client.get(f"/certificates/{number}", query_string={"lang": "en"}))
        node = page.select_one("article[data-verdict]")
    out["page"] = (node["data-verdict"], node["data-verdict-reasons"].split())
    response = list_upload(client, f"certificate_number,name\n{number},{name or ''}\n")
    listing = soup(response)
    (row,) = listing.select("tbody tr")
    out["list row"] = (row["data-verdict"], row["data-verdict-reasons"].split())
    summary = listing.select_one(".list-summary")["data-levels"]
    counts = dict(part.split("=") for part in summary.split())
    out["list summary"] = (next(k for k, v in counts.items() if v == "1"),
                           out["list row"][1])
    token_link = listing.select_one("a[href*='/results/'][href$='.csv']")["href"]
    text = client.get(token_link, query_string={"lang": "en"}).get_data(as_text=True).lstrip(
        "\ufeff")
    header, line = list(csv.reader(io.StringIO(text)))
    levels = {"Can be relied on": "ok", "Check before relying on it": "caution",
              "Do not rely on it": "reject"}
    out["CSV download"] = (levels[line[header.index("Verdict")]], out["list row"][1])
    book = load_workbook(io.BytesIO(list_upload(
        client, f"certificate_number,name\n{number},{name or ''}\n", fmt="xlsx").data))
    header, line = [[c.value for c in r] for r in book.active.iter_rows()]
    out["XLSX download"] = (levels[line[header.index("Verdict")]], out["list row"][1])
    return out


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("name", list(NAMES))
def test_every_surface_gives_the_same_verdict(client, status, name):
    cert = make(status)
    seen = surfaces(client, cert.certificate_number, NAMES[name])
    want = expected(status, name, counterfeit=False)
    assert {surface: verdict for surface, verdict in seen.items() if verdict != want} == {}


@pytest.mark.parametrize("status, name", [("valid", "match"), ("withdrawn", "match"),
                                          ("valid", "no_match")])
def test_known_counterfeit_copies_lead_every_surface(client, status, name):
    cert = make(status, counterfeit=True)
    seen = surfaces(client, cert.certificate_number, NAMES[name])
    level, reasons = expected(status, name, counterfeit=True)
    assert {s: v for s, v in seen.items() if v[1] != reasons} == {}
    # Forged copies of a genuine, valid, matching number: look again; otherwise reject.
    assert {v[0] for v in seen.values()} == {"caution" if level == "caution" else "reject"}


@pytest.mark.parametrize("name", ["match", "probable", "no_match"])
def test_a_restricted_holder_is_answered_match_or_no_match_everywhere(client, name):
    cert = make("valid", restricted=True)
    seen = surfaces(client, cert.certificate_number, NAMES[name])
    want = expected("valid", name, counterfeit=False, restricted=True)
    assert {surface: verdict for surface, verdict in seen.items() if verdict != want} == {}


def test_a_matching_name_on_a_withdrawn_certificate_leads_with_the_withdrawal(client):
    cert = make("withdrawn")
    page = soup(client.get("/verify", query_string={
        "number": cert.certificate_number, "name": HOLDER, "lang": "zh"}))
    assert page.h1.get_text(" ", strip=True).endswith("名称相符，但该证书已撤销——请勿采信")
    assert page.title.text.startswith("名称相符，但该证书已撤销——请勿采信")
    assert "✓" not in page.h1.text
    assert page.select_one(".verdict--reject") is not None


def test_a_counterfeit_number_is_flagged_by_the_api_page_and_every_download(client):
    db.session.add(Alert(kind=AlertKind.COUNTERFEIT_NUMBER, value="027-23-Q-18846-R1M",
                         published_on=clock.today(), created_at=NOW))
    db.session.commit()
    response = client.get("/api/v1/certificates/02723Q18846R1M")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["counterfeit"] is True and error["verdict"] == "reject"
    assert error["verdict_reasons"] == ["counterfeit"]
    page = soup(client.get("/certificates/02723Q18846R1M", query_string={"lang": "en"}))
    assert page.title.text.startswith("A known counterfeit certificate number")
    assert "may be counterfeit" not in page.get_text()
    listing = list_upload(client, "certificate_number\n02723Q18846R1M\n")
    row = soup(listing).select_one("tbody tr")
    assert row["data-verdict"] == "reject" and "row--reject" in row["class"]
    token_link = soup(listing).select_one("a[href*='/results/'][href$='.csv']")["href"]
    csv_text = client.get(token_link, query_string={"lang": "en"}).get_data(as_text=True)
    xlsx_link = token_link.replace(".csv", ".xlsx")
    book = load_workbook(io.BytesIO(client.get(xlsx_link, query_string={"lang": "en"}).data))
    direct = load_workbook(io.BytesIO(list_upload(
        client, "certificate_number\n02723Q18846R1M\n", fmt="xlsx").data))
    for cells in ([r for r in csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))][1],
                  [c.value for c in list(book.active.iter_rows())[1]],
                  [c.value for c in list(direct.active.iter_rows())[1]]):
        assert "Known counterfeit number" in cells and "Not found" not in cells


def test_a_typo_in_a_batch_gets_did_you_mean_in_the_api_and_the_list(client, make_certificate):
    cert = make_certificate(certificate_number="02725Q10456R1M")
    (result,) = client.post("/api/v1/certificates/verify",
                            json={"certificate_numbers": ["02725Q10465R1M"]}).get_json()[
        "results"]
    assert result["found"] is False and result["did_you_mean"] == cert.certificate_number
    row = soup(list_upload(client, "certificate_number,name\n02725Q10465R1M,某某公司\n")
               ).select_one("tbody tr")
    link = row.select_one("a[href^='/verify']")
    assert link.text == cert.certificate_number and "name=" in link["href"]


def test_another_bodys_number_is_sent_to_the_national_platform(client):
    page = soup(client.get("/certificates/00125Q30001R0M", query_string={"lang": "en"}))
    assert page.h1.text.strip() == "This number was issued by another certification body"
    assert page.select_one("a[href^='http://cx.cnca.cn']") is not None
    error = client.get("/api/v1/certificates/00125Q30001R0M").get_json()["error"]
    assert error["national_platform_url"].startswith("http://cx.cnca.cn")
    ours = soup(client.get("/certificates/02725Q39999R0M", query_string={"lang": "en"}))
    assert ours.h1.text.strip() == "Certificate not found"


def test_did_you_mean_on_verify_keeps_the_typed_name(client, make_certificate):
    cert = make_certificate(certificate_number="02725Q10789R1M")
    page = soup(client.get("/verify", query_string={"number": "02725Q10798R1M",
                                                     "name": HOLDER}))
    link = page.select_one(".nf-near__list a")
    assert link.text == cert.certificate_number
    assert "name=" in link["href"] and "/verify" in link["href"]


def test_watch_all_rows_leaves_out_rows_naming_another_company(client, make_certificate):
    right, wrong = make_certificate(), make_certificate()
    listing = soup(list_upload(client, (
        f"certificate_number,name\n{right.certificate_number},{right.holder_name_zh}\n"
        f"{wrong.certificate_number},苏州别家贸易有限公司\n")))
    count = listing.select_one(".list-watch-count").get_text(" ", strip=True)
    assert count.startswith("1 certificate will be watched.") and "1 row" in count


# -- printed issues ----------------------------------------------------------------------------


def _qr(client, path: str) -> str:
    (text,) = decode_png(client.get(path).data)
    return urlsplit(text).path


@pytest.mark.parametrize("change", ["renewal", "scope", "rename"])
def test_a_change_of_the_paper_starts_a_new_printed_issue(client, make_certificate, change):
    cert = make_certificate(holder_name_zh=HOLDER, expiry_date=date(2028, 2, 28))
    before = _qr(client, f"/certificates/{cert.certificate_number}/qr.png")
    data = {"renewal": {"issue_date": date(2026, 2, 1), "expiry_date": date(2029, 2, 28)},
            "scope": {"scope_zh": "集成电路的设计、生产和销售"},
            "rename": {"holder_name_zh": "上海一致新名电子有限公司"}}[change]
    update = certificate_data(certificate_number=cert.certificate_number,
                              **{"holder_name_zh": HOLDER, "holder_name_en": cert.holder_name_en,
                                 "credit_code": cert.credit_code, "scope_zh": cert.scope_zh,
                                 "expiry_date": date(2028, 2, 28)} | data)
    certificate_service.update_certificate(cert, update, actor="t", now=NOW)
    db.session.commit()
    after = _qr(client, f"/certificates/{cert.certificate_number}/qr.png")
    assert before.split("/")[3] == "1" and after.split("/")[3] == "2"
    new = soup(client.get(after, query_string={"lang": "en"}))
    assert new.select_one("[data-copy=current]") is not None
    assert new.select_one("article")["data-verdict"] == "ok"
    old = soup(client.get(before, query_string={"lang": "en"}))
    assert old.select_one("article")["data-verdict"] == "caution"
    assert old.select_one("article")["data-verdict-reasons"] == "copy_superseded"
    text = old.select_one(".qr-reason--reissued").get_text(" ", strip=True)
    assert "superseded on" in text and "issue no. 2" in text
    cause = {"renewal": "renewed", "scope": "scope changed", "rename": "name changed"}[change]
    assert cause in text


def test_a_status_change_keeps_the_printed_issue(client, make_certificate):
    cert = make_certificate()
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 3, 1), reason="测试", actor="t",
                                      now=NOW)
    db.session.commit()
    assert "/1/" in _qr(client, f"/certificates/{cert.certificate_number}/qr.png")
