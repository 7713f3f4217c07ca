"""A read-only or full search index directory: search says so, lookups by number keep working.

The index lives on a folder of its own (tests/fault/storage.py: a real tmpfs remounted
read-only or filled up where the system lets us, otherwise chmod or the kernel's error
simulated). While it cannot be written, the register still takes imports and staff edits (the
database is the truth); search pages and the API say plainly that name search is behind or
unavailable; a certificate number or credit code is still found, from the database; nothing
answers 500. Once the folder is writable again the index catches up by itself and
`portal check-index` is clean.
"""

import logging

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Certificate
from tests import conftest
from tests.fault.storage import KINDS, IndexStorage
from tests.import_support import csv_bytes, row
from tests.integration.test_staff_edit_conflicts import edit_page, form_of, save
from tests.staff_support import signed_in_client

pytestmark = pytest.mark.slow

OLD_NAME = "上海存储故障测试老牌有限公司"
NEW_NUMBER = "02726Q30001R0M"
NEW_NAME = "苏州存储故障测试新进有限公司"
NEW_CODE = "91350100M000100Y43"
RENAMED = "上海存储故障测试更名有限公司"


@pytest.fixture
def storage(tmp_path):
    place = IndexStorage(tmp_path / "index-storage")
    yield place
    place.remove()


@pytest.fixture
def app_config(tmp_path, storage):
    return conftest.test_config(tmp_path, SEARCH_INDEX_DIR=str(storage.index_dir),
                                HANDLE_ALL_ERRORS=True)


def text(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ",
                                                                                 strip=True)


def notice(response) -> str:
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "#search-index-notice")
    return found.get_text(" ", strip=True) if found else ""


def api_numbers(response) -> list[str]:
    return [r["certificate_number"] for r in response.get_json()["results"]]


def import_new_certificate(app, tmp_path) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([row(certificate_number=NEW_NUMBER, holder_name_zh=NEW_NAME,
                                    holder_name_en="", credit_code=NEW_CODE)]))
    result = app.test_cli_runner().invoke(args=["import-certificates", str(path)])
    assert result.exit_code == 0, result.output


def rename(app, cert: Certificate) -> None:
    registrar = signed_in_client(app, "registrar")
    form = form_of(edit_page(registrar, cert))
    form.update(holder_name_zh=RENAMED, reason="更名")
    assert save(registrar, cert, form).status_code == 302


def check_index(app) -> str:
    result = app.test_cli_runner().invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    return result.output


def assert_lookups_by_number_work(client) -> None:
    """Every way to look a certificate up by number or credit code answers from the database."""
    for url in (f"/certificates/{NEW_NUMBER}?lang=en", f"/verify?number={NEW_NUMBER}&lang=en",
                f"/verify?number={NEW_CODE}&lang=en"):
        response = client.get(url, follow_redirects=True)  # /verify: to the certificate
        assert response.status_code == 200, url
        assert NEW_NAME in text(response), url
    response = client.get(f"/api/v1/certificates/{NEW_NUMBER}")
    assert response.status_code == 200
    assert response.get_json()["holder_name_zh"] == NEW_NAME


@pytest.mark.parametrize("kind", KINDS)
def test_search_says_it_is_behind_while_the_index_cannot_be_written(
        app, client, make_certificate, storage, kind, tmp_path, caplog):
    old = make_certificate(holder_name_zh=OLD_NAME)
    assert api_numbers(client.get("/api/v1/certificates", query_string={"q": OLD_NAME})) == [
        old.certificate_number]  # the index is built and current
    storage.break_(kind)
    print(f"\nindex folder made {kind} by {storage.describe(kind)}")

    # The register still takes writes: an import and a staff edit commit to the database.
    import_new_certificate(app, tmp_path)
    rename(app, old)
    db.session.expire_all()
    assert db.session.scalar(select(Certificate.holder_name_zh)
                             .where(Certificate.id == old.id)) == RENAMED
    assert db.session.scalar(select(Certificate).filter_by(holder_name_zh=NEW_NAME))

    # Search by name is behind, and says so, in both languages.
    for lang, words in (("en", "may not include the latest changes"), ("zh", "可能尚未包含")):
        response = client.get(f"/search?q={NEW_NAME}&lang={lang}")
        assert response.status_code == 200
        assert words in notice(response), text(response)[:600]
    api = client.get("/api/v1/certificates", query_string={"q": NEW_NAME})
    assert api.status_code == 200
    assert api.get_json()["search_index"] == "behind"

    # A number or credit code is found all the same, from the database.
    for query in (NEW_NUMBER, NEW_CODE):
        response = client.get(f"/search?q={query}&lang=en")
        assert response.status_code == 200 and NEW_NUMBER in text(response), query
        assert NEW_NUMBER in api_numbers(client.get("/api/v1/certificates",
                                                    query_string={"q": query}))
    assert_lookups_by_number_work(client)
    warnings = [r for r in caplog.records if r.name == "portal.services.search"
                and r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None, warnings  # once, one line

    # Writable again: the index catches up by itself; check-index is clean.
    storage.repair()
    for query, number in ((NEW_NAME, NEW_NUMBER), (RENAMED, old.certificate_number)):
        response = client.get(f"/search?q={query}&lang=en")
        assert response.status_code == 200 and not notice(response)
        assert number in text(response)
    assert client.get("/api/v1/certificates",
                      query_string={"q": NEW_NAME}).get_json()["search_index"] == "current"
    assert "search index matches the database (2 certificates)" in check_index(app)


@pytest.mark.parametrize("kind", KINDS)
def test_name_search_is_unavailable_but_numbers_are_found_when_no_index_can_be_made(
        app, client, make_certificate, storage, kind, tmp_path):
    storage.break_(kind)  # before the first search: the index cannot even be created
    print(f"\nindex folder made {kind} by {storage.describe(kind)}")
    import_new_certificate(app, tmp_path)
    make_certificate(holder_name_zh=OLD_NAME)

    for lang, words in (("en", "Search by name is unavailable"), ("zh", "暂时无法按名称搜索")):
        response = client.get(f"/search?q={NEW_NAME}&lang={lang}")
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert words in notice(response), text(response)[:600]
    api = client.get("/api/v1/certificates", query_string={"q": NEW_NAME})
    assert api.status_code == 503
    assert int(api.headers["Retry-After"]) > 0
    assert api.get_json()["error"]["code"] == "search_unavailable"

    for query in (NEW_NUMBER, NEW_CODE):
        response = client.get(f"/search?q={query}&lang=en")
        assert response.status_code == 200, query
        assert NEW_NUMBER in text(response) and "unavailable" in notice(response)
        api = client.get("/api/v1/certificates", query_string={"q": query})
        assert api.status_code == 200
        assert api_numbers(api) == [NEW_NUMBER]
        assert api.get_json()["search_index"] == "unavailable"
    assert_lookups_by_number_work(client)
    failed = app.test_cli_runner().invoke(args=["check-index"])
    assert failed.exit_code != 0 and "cannot" in failed.output and "Traceback" not in \
        failed.output

    storage.repair()
    response = client.get(f"/search?q={NEW_NAME}&lang=en")
    assert response.status_code == 200 and not notice(response)
    assert NEW_NUMBER in text(response)
    assert "search index matches the database (2 certificates)" in check_index(app)


def test_an_index_folder_removed_under_a_running_portal_is_made_again(
        app, client, make_certificate, storage):
    """As when a clean-up job deletes it: a clear answer, then the index is rebuilt."""
    cert = make_certificate(holder_name_zh=OLD_NAME)
    assert client.get(f"/search?q={OLD_NAME}").status_code == 200
    import shutil

    shutil.rmtree(storage.index_dir)
    statuses = [client.get(f"/search?q={OLD_NAME}&lang=en").status_code for _ in range(3)]
    assert 500 not in statuses
    response = client.get(f"/search?q={OLD_NAME}&lang=en")
    assert response.status_code == 200 and cert.certificate_number in text(response)
    assert not notice(response)
    assert "search index matches the database (1 certificates)" in check_index(app)
