"""Helpers for the application and survey tests: a valid form, filing through it."""

import itertools
import re
from typing import Any

from bs4 import BeautifulSoup

from portal.domain.codes import make_credit_code

CREDIT_CODE = make_credit_code("91310115MA1H00001")  # 17 characters + check digit
VALID_FORM: dict[str, Any] = {
    "request_kind": "application",
    "schemes": ["QMS", "EMS"],
    "organisation_name_zh": "上海申江精密机械有限公司",
    "organisation_name_en": "Shanghai Shenjiang Precision Machinery Co., Ltd.",
    "credit_code": CREDIT_CODE,
    "address": "上海市嘉定区安亭镇墨玉路100号",
    "headcount": "120",
    "shifts": "2",
    "sites-0-address": "江苏省昆山市花桥镇绿地大道8号",
    "sites-0-headcount": "35",
    "sites-0-shifts": "1",
    "scope": "精密机械零部件的机加工和装配",
    "standard": "GB/T 19001-2016/ISO 9001:2015",
    "contact_name": "陈静",
    "email": "chen.jing@example.com",
    "phone": "+86 21 5555 0188",
}
REFERENCE = re.compile(r"SQ-\d{4}-\d{6}")
_filings = itertools.count(1)


def distinct_form(**changes: Any) -> dict[str, Any]:
    """Return VALID_FORM with `changes` and a scope of its own (not a duplicate)."""
    return {**VALID_FORM, "scope": f"{VALID_FORM['scope']}（第 {next(_filings)} 份）", **changes}


def apply_via_form(client: Any, **changes: Any) -> tuple[str, str]:
    """File a distinct application through /apply; return (reference, tracking code)."""
    response = client.post("/apply", data=distinct_form(**changes))
    assert response.status_code == 200, response.text
    page = BeautifulSoup(response.text, "html.parser")
    return (page.select_one("#reference").text.strip(),
            page.select_one("#tracking-code").text.strip())
