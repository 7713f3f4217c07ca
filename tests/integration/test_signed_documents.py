"""Signed PDFs (#24): the verification receipt and the staff certificate document.

Each PDF must validate with pyHanko's validator against the body's certificate, stop
validating when one byte changes, and carry its text (number, status, receipt ID, the
Chinese holder name) in embedded fonts.
"""

import io
import re

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from portal.documents import signing
from portal.extensions import db
from portal.models import Role
from tests.conftest import test_config
from tests.staff_support import signed_in_client

HOLDER = "上海华虹集成电路检测有限公司"


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("signing") / "body.pem"
    signing.make_development_key(path, body_name="Test Certification Body")
    return path


@pytest.fixture
def app_config(tmp_path, key_file):
    return test_config(tmp_path, PDF_SIGNING_KEY_FILE=str(key_file),
                       PDF_SIGNING_CERT_FILE=str(key_file), BODY_ADDRESS_ZH="上海市测试路1号",
                       BODY_ADDRESS_EN="1 Test Road, Shanghai")


def signature_status(pdf: bytes, key_file):
    """Validate the PDF's one signature against the body's certificate (pyHanko)."""
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(key_file))])
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    # pyHanko's sync API calls asyncio.run: after browser tests (Playwright's sync API keeps
    # a loop in this thread) run it where no loop runs, as the app itself does.
    return signing._outside_event_loop(lambda: validate_pdf_signature(signatures[0], context))


def is_valid(pdf: bytes, key_file) -> bool:
    try:
        status = signature_status(pdf, key_file)
    except Exception:  # noqa: BLE001  a byte that breaks the file's structure breaks it too
        return False
    return bool(status.bottom_line and status.intact and status.valid)


def flipped(pdf: bytes, at: int) -> bytes:
    data = bytearray(pdf)
    data[at] ^= 0x01
    return bytes(data)


def pdf_text(pdf: bytes) -> str:
    """Return the PDF's text with line breaks and runs of spaces as one space."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def embedded_fonts(pdf: bytes) -> list[str]:
    """Return the names of the fonts embedded in the PDF (those with a font file)."""
    names = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.append(str(descendant.get_object()["/BaseFont"]))
    return names


def make_receipt(client, number: str) -> str:
    response = client.post(f"/certificates/{number}/receipt")
    assert response.status_code == 303
    return response.headers["Location"]


def test_receipt_page_links_to_its_signed_pdf(client, make_certificate):
    cert = make_certificate()
    location = make_receipt(client, cert.certificate_number)
    page = client.get(location + "?lang=en").get_data(as_text=True)
    assert f'href="{location}.pdf"' in page


def test_receipt_pdf_is_signed_and_holds_id_number_status_and_chinese_name(
        client, make_certificate, key_file):
    cert = make_certificate(holder_name_zh=HOLDER, certificate_number="SQI/FW/2025/0003")
    location = make_receipt(client, cert.certificate_number)
    receipt_id = location.rsplit("/", 1)[1]
    response = client.get(location + ".pdf?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.data
    status = signature_status(pdf, key_file)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    text = pdf_text(pdf)
    assert receipt_id in text
    assert "SQI/FW/2025/0003" in text
    assert "Valid" in text
    assert HOLDER in text  # the Chinese glyphs carry their Unicode mapping
    assert re.search(r"[0-9a-f]{64}", text.replace(" ", ""))  # the record hash
    fonts = embedded_fonts(pdf)
    assert any("CJK" in name for name in fonts), fonts


def test_receipt_pdf_in_chinese_labels_the_status_in_chinese(client, make_certificate):
    cert = make_certificate(holder_name_zh=HOLDER)
    location = make_receipt(client, cert.certificate_number)
    text = pdf_text(client.get(location + ".pdf?lang=zh").data)
    assert "核验回执" in text
    assert "有效" in text


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_flipping_one_byte_of_the_receipt_pdf_breaks_the_signature(
        client, make_certificate, key_file, where):
    cert = make_certificate()
    pdf = client.get(make_receipt(client, cert.certificate_number) + ".pdf").data
    assert is_valid(pdf, key_file)
    assert not is_valid(flipped(pdf, int(len(pdf) * where)), key_file)


def test_unknown_receipt_pdf_is_a_404_page(client):
    response = client.get("/receipts/ABCD-EFGH-JKMN.pdf?lang=en")
    assert response.status_code == 404
    assert "Receipt not found" in response.get_data(as_text=True)


def test_certificate_pdf_needs_a_registrar(app, client, make_certificate):
    cert = make_certificate()
    path = f"/staff/certificates/{cert.number_key}/certificate.pdf"
    assert client.get(path).status_code in (302, 401)
    complaints = signed_in_client(app, Role.COMPLAINTS)
    assert complaints.get(path).status_code == 403


def test_certificate_pdf_is_signed_bilingual_and_prints_the_issue_and_its_qr(
        app, make_certificate, key_file):
    cert = make_certificate(holder_name_zh=HOLDER, certificate_number="027-26-Q-10403-R0",
                            sites=["上海市闵行区漕宝路8号"])
    registrar = signed_in_client(app, Role.REGISTRAR)
    staff_page = registrar.get(f"/staff/certificates/{cert.number_key}?lang=en")
    assert f"/staff/certificates/{cert.number_key}/certificate.pdf" in staff_page.text
    response = registrar.get(f"/staff/certificates/{cert.number_key}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.data
    assert is_valid(pdf, key_file)
    assert not is_valid(flipped(pdf, len(pdf) // 2), key_file)
    text = pdf_text(pdf)
    for expected in ("027-26-Q-10403-R0", HOLDER, cert.holder_name_en, "上海市闵行区漕宝路8号",
                     "GB/T 19001-2016/ISO 9001:2015", "2025-03-01", "2028-02-28", "2019-03-01",
                     "集成电路的设计和销售", "Design and sale of integrated circuits",
                     "有效", "Valid", "上海市测试路1号", "1 Test Road, Shanghai",
                     app.config["BODY_NAME_ZH"], app.config["BODY_NAME_EN"]):
        assert expected in text, expected
    # The QR printed is that of the current printed issue.
    assert re.search(rf"/v/{cert.number_key}/1/", text.replace(" ", ""))
    assert "Issue 1" in text
    assert any("CJK" in name for name in embedded_fonts(pdf))


def test_certificate_pdf_after_a_reissue_prints_the_new_issue(app, make_certificate, key_file):
    cert = make_certificate()
    cert.issue_number = 2  # as a re-issue leaves it (the lead owns how issues advance)
    db.session.commit()
    registrar = signed_in_client(app, Role.REGISTRAR)
    text = pdf_text(registrar.get(f"/staff/certificates/{cert.number_key}/certificate.pdf").data)
    assert "Issue 2" in text
    assert re.search(rf"/v/{cert.number_key}/2/", text.replace(" ", ""))


def test_certificate_pdf_of_a_suspended_certificate_says_it_is_not_valid(
        app, make_certificate):
    cert = make_certificate(status="suspended", status_date=None)
    registrar = signed_in_client(app, Role.REGISTRAR)
    text = pdf_text(registrar.get(f"/staff/certificates/{cert.number_key}/certificate.pdf").data)
    assert "暂停" in text and "Suspended" in text
    assert "must not be used as a valid certificate" in text


def test_receipt_pdf_of_a_restricted_certificate_has_no_holder(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密客户有限公司",
                            holder_name_en="Secret Client Ltd.", address_zh="上海市保密路1号")
    text = pdf_text(client.get(make_receipt(client, cert.certificate_number) + ".pdf").data)
    assert cert.certificate_number in text
    for secret in ("保密客户", "Secret Client", "保密路", cert.credit_code):
        assert secret not in text


def test_pdfs_are_tagged_for_screen_readers(client, make_certificate):
    cert = make_certificate()
    pdf = client.get(make_receipt(client, cert.certificate_number) + ".pdf").data
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"]


def test_an_unusable_signing_key_is_an_explained_503_not_a_500(client, make_certificate,
                                                               monkeypatch):
    path = make_receipt(client, make_certificate().certificate_number)

    def refuse(*args, **kwargs):
        raise signing.SigningKeyError("the configured key does not match its certificate")

    monkeypatch.setattr("portal.documents.make.sign_pdf", refuse)
    response = client.get(path + ".pdf?lang=en")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
