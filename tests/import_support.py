"""Build certificate import files for tests."""

import csv
import io

from portal.domain.records import CERTIFICATE_COLUMNS
from portal.extensions import db

CODE = "91350100M000100Y43"  # the example of GB 32100-2015


def row(**values: str) -> dict[str, str]:
    """Return a valid certificate row; keyword arguments override columns."""
    out = {
        "certificate_number": "02722Q10234R3M",
        "scheme": "QMS",
        "standard": "GB/T 19001-2016/ISO 9001:2015",
        "holder_name_zh": "上海华虹电子有限公司",
        "holder_name_en": "Shanghai Huahong Electronics Co., Ltd.",
        "credit_code": CODE,
        "address_zh": "上海市浦东新区张江路100号",
        "address_en": "100 Zhangjiang Road",
        "province": "上海市",
        "city": "上海市",
        "scope_zh": "集成电路的设计和销售",
        "scope_en": "Design and sale of integrated circuits",
        "sites": "",
        "initial_issue_date": "2019-03-01",
        "issue_date": "2025-03-01",
        "expiry_date": "2028-02-28",
        "status": "valid",
        "status_date": "",
        "status_reason": "",
        "accreditation": "CNAS",
        "former_names": "",
        "restricted": "false",
    }
    out.update(values)
    return out


def csv_bytes(
    rows: list[dict[str, str]], columns: tuple[str, ...] = CERTIFICATE_COLUMNS, bom: bool = False
) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def wipe_database() -> None:
    """Start again from an empty database (the audit log refuses deletes)."""
    db.session.remove()
    db.drop_all()
    db.create_all()
