"""Exact identifiers are answered from the database, even while the index catches up (#12.5)."""

from bs4 import BeautifulSoup

from portal.domain.codes import make_credit_code
from portal.services import search as search_service
from tests.import_support import csv_bytes, row

ROWS = 2000
CODE = make_credit_code("91310000MA1K99999")


def import_register(app, tmp_path):
    """Import ROWS certificates through the CLI; the last two belong to the holder CODE."""
    rows = [row(certificate_number=f"02726Q{20000 + i}R0M",
                holder_name_zh=f"上海导入测试{i}有限公司", holder_name_en="",
                credit_code=make_credit_code(f"91310000MA1J{i:05d}"))
            for i in range(ROWS - 2)]
    rows += [row(certificate_number=f"02726Q{30000 + i}R0M", holder_name_zh="上海刚导入电子有限公司",
                 holder_name_en="", credit_code=CODE, scheme=scheme,
                 standard="GB/T 24001-2016/ISO 14001:2015" if scheme == "EMS" else
                 "GB/T 19001-2016/ISO 9001:2015")
             for i, scheme in enumerate(("QMS", "EMS"))]
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(rows))
    result = app.test_cli_runner().invoke(args=["import-certificates", str(path)])
    assert result.exit_code == 0, result.output


def test_credit_code_found_while_the_index_is_still_catching_up(app, client, tmp_path):
    import_register(app, tmp_path)
    # A request applies at most REQUEST_BATCH changes to the index: after a 2,000-row import
    # the last rows are not in the index yet when the first searches arrive.
    assert search_service.REQUEST_BATCH < ROWS
    body = client.get("/api/v1/certificates", query_string={"q": CODE}).get_json()
    assert body["total"] == 2
    assert sorted(r["certificate_number"] for r in body["results"]) == [
        "02726Q30000R0M", "02726Q30001R0M"]
    assert all(r["exact_match"] for r in body["results"])
    assert search_service.public_count() == ROWS
    page = BeautifulSoup(client.get("/search", query_string={"q": CODE.lower()}).text,
                         "html.parser")
    assert "02726Q30001R0M" in page.select_one("main").get_text()


def test_number_found_with_the_catch_up_stopped(app, client, tmp_path, monkeypatch):
    monkeypatch.setattr(search_service, "ensure_fresh", lambda: None)  # the index never moves
    import_register(app, tmp_path)
    body = client.get("/api/v1/certificates", query_string={"q": "027-26-q-30001-r0m"}).get_json()
    assert [r["certificate_number"] for r in body["results"]] == ["02726Q30001R0M"]
    filtered = client.get("/api/v1/certificates",
                          query_string={"q": CODE, "scheme": "EMS"}).get_json()
    assert [r["certificate_number"] for r in filtered["results"]] == ["02726Q30001R0M"]
    batch = client.post("/api/v1/certificates/verify",
                        json={"items": [{"credit_code": CODE}]}).get_json()
    assert batch["results"][0]["found"] is True
