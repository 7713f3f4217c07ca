"""Certification schemes (docs/contract.md §2); the codes are part of the contract."""

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    MANAGEMENT = "management"
    PRODUCT = "product"
    SERVICE = "service"


@dataclass(frozen=True)
class Scheme:
    code: str
    category: Category
    name_zh: str
    name_en: str
    standards: str


SCHEMES: tuple[Scheme, ...] = (
    Scheme("QMS", Category.MANAGEMENT, "质量管理体系认证", "Quality management system certification",
           "ISO 9001 / GB/T 19001"),
    Scheme("EMS", Category.MANAGEMENT, "环境管理体系认证",
           "Environmental management system certification", "ISO 14001 / GB/T 24001"),
    Scheme("OHSMS", Category.MANAGEMENT, "中国职业健康安全管理体系认证",
           "Occupational health and safety management system certification",
           "ISO 45001 / GB/T 45001"),
    Scheme("SRMS", Category.MANAGEMENT, "企业社会责任管理体系认证",
           "Corporate social responsibility management system certification", ""),
    Scheme("OTHER_MS", Category.MANAGEMENT, "所有未列明的其他管理体系认证",
           "Other management system certification", ""),
    Scheme("GREEN_PRODUCT", Category.PRODUCT, "绿色产品（认证活动一）",
           "Green product certification (activity 1)", ""),
    Scheme("VOLUNTARY_PRODUCT", Category.PRODUCT, "其他自愿性工业产品认证",
           "Other voluntary industrial product certification", ""),
    Scheme("REAL_ESTATE_SERVICE", Category.SERVICE, "不动产服务",
           "Real estate service certification", ""),
)
SCHEME_CODES: tuple[str, ...] = tuple(s.code for s in SCHEMES)
BY_CODE: dict[str, Scheme] = {s.code: s for s in SCHEMES}
CATEGORIES: tuple[Category, ...] = (Category.MANAGEMENT, Category.PRODUCT, Category.SERVICE)


def parse_scheme(value: str) -> str:
    """Return the scheme code named by `value` (case-insensitive) or raise ValueError."""
    code = value.strip().upper()
    if code not in BY_CODE:
        raise ValueError(f"unknown scheme {value!r}")
    return code
