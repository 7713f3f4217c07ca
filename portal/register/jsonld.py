"""schema.org `Certification` JSON-LD of a public certificate (issue #24).

Built from the `PublicCertificate`, so a restricted certificate's JSON-LD has no `about` at
all: the holder is not in the object to begin with. The status uses schema.org's
`CertificationStatusEnumeration` (active while the certificate is in force, inactive otherwise).
"""

from collections.abc import Mapping
from typing import Any

from portal.domain.schemes import BY_CODE
from portal.domain.status import PublicStatus
from portal.register.public import PublicCertificate

SCHEMA = "https://schema.org"
ACTIVE = f"{SCHEMA}/CertificationActive"
INACTIVE = f"{SCHEMA}/CertificationInactive"


def _issuer(config: Mapping[str, Any]) -> dict[str, Any]:
    issuer: dict[str, Any] = {"@type": "Organization", "name": config["BODY_NAME_ZH"],
                              "alternateName": config["BODY_NAME_EN"],
                              "url": config["BODY_WEBSITE"], "email": config["BODY_EMAIL"]}
    numbers = [("CNCA", config.get("BODY_CNCA_APPROVAL_NUMBER")),
               ("CNAS", config.get("BODY_CNAS_ACCREDITATION_NUMBER"))]
    identifiers = [{"@type": "PropertyValue", "propertyID": name, "value": value}
                   for name, value in numbers if value]
    if identifiers:
        issuer["identifier"] = identifiers
    return issuer


def certification_jsonld(cert: PublicCertificate, *, url: str,
                         config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the JSON-LD object of `cert` (its page address `url`, the body from `config`)."""
    scheme = BY_CODE.get(cert.scheme)
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Certification",
        "@id": url,
        "url": url,
        "name": f"{scheme.name_zh if scheme else cert.scheme} {cert.standard}".strip(),
        "identifier": cert.certificate_number,
        "certificationIdentification": cert.certificate_number,
        "certificationStatus": ACTIVE if cert.status is PublicStatus.VALID else INACTIVE,
        "validFrom": cert.issue_date.isoformat(),
        "expires": cert.expiry_date.isoformat(),
        "issuedBy": _issuer(config),
    }
    holder = cert.holder
    if holder is not None:
        about: dict[str, Any] = {"@type": "Organization", "name": holder.name_zh}
        if holder.name_en:
            about["alternateName"] = holder.name_en
        if holder.credit_code:
            about["taxID"] = holder.credit_code
        address = holder.address_zh or holder.address_en
        if address or holder.province or holder.city:
            about["address"] = {"@type": "PostalAddress", "addressCountry": "CN",
                                **({"streetAddress": address} if address else {}),
                                **({"addressRegion": holder.province} if holder.province
                                   else {}),
                                **({"addressLocality": holder.city} if holder.city else {})}
        data["about"] = about
    return data
