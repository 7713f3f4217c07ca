"""English wording of the fixed public reasons the register stores in Chinese.

Status-change reasons come from the staff pick-list (portal/staff/forms.py REASON_CLASSES),
optionally followed by "：" and a free-text detail; re-issue and demo reasons use the body's
standard phrases below. A reason not in the table (free text) stays Chinese, marked as such.
"""

from typing import Final

REASONS: Final[dict[str, str]] = {
    # the staff pick-list for status changes
    "未按期接受监督审核": "Surveillance audit not accepted on time",
    "获证组织申请": "At the certified organisation's request",
    "不符合认证要求": "Does not meet certification requirements",
    "到期未再认证": "Not recertified before expiry",
    "暂停原因已消除": "Cause of the suspension resolved",
    "其他": "Other",
    # the body's standard phrases (status changes and re-issues)
    "已按要求完成监督审核，恢复认证资格":
        "Surveillance audit completed as required; certification restored",
    "产品监督抽样检验不合格": "Product failed surveillance sample testing",
    "整改验证通过，恢复认证资格": "Corrective actions verified; certification restored",
    "获证组织申请暂停": "Suspension requested by the certified organisation",
    "暂停期满未能恢复，撤销认证证书":
        "Not restored by the end of the suspension; certificate withdrawn",
    "证书有效期满未申请再认证，注销":
        "Expired without an application for recertification; cancelled",
    "获证组织发生重大质量事故": "Major quality incident at the certified organisation",
    "获证组织违规使用认证证书和认证标志":
        "Certificate and certification mark misused by the certified organisation",
    "获证组织提供虚假材料": "False documents supplied by the certified organisation",
    "监督审核发现管理体系存在严重不符合":
        "Major nonconformity of the management system found at a surveillance audit",
    "获证组织申请注销": "Cancellation requested by the certified organisation",
    "获证组织停产": "The certified organisation stopped production",
    "获证组织经营范围变更，不再保持认证":
        "The certified organisation changed its business and no longer keeps certification",
    "获证组织被合并，申请注销": "The certified organisation merged; cancellation requested",
    "获证组织名称变更，换发证书":
        "Certificate re-issued after the certified organisation changed its name",
}
DETAIL_SEPARATORS: Final = ("：", ":")


def english_reason(text: str) -> tuple[str, str] | None:
    """Return (English wording, Chinese free-text detail or "") for a stored reason, or None.

    "未按期接受监督审核：第二次监督审核" gives ("Surveillance audit not accepted on time",
    "第二次监督审核"); a reason that is free text from the start gives None.
    """
    text = (text or "").strip()
    if text in REASONS:
        return REASONS[text], ""
    for separator in DETAIL_SEPARATORS:
        base, found, detail = text.partition(separator)
        if found and base.strip() in REASONS:
            return REASONS[base.strip()], detail.strip()
    return None
