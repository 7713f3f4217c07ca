"""Every example a page, a placeholder or README shows works on the demo register.

The examples are found by scanning the templates, the content pages, the Python sources
(placeholders, hints, API docs) and README's sections for anything shaped like a certificate
number; README's search table gives the search examples. `portal demo-data` pins the examples
onto fitting demo certificates (portal/services/demo.py EXAMPLE_NUMBERS).
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.domain.codes import credit_code_problem
from portal.services import certificates as certificate_service
from portal.services import demo
from tests.application_support import distinct_form as distinct_application
from tests.complaint_support import distinct_form
from tests.conftest import test_config
from tests.staff_support import own_app

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"(?<![\w/-])(?:027-?\d{2}-?[A-Z]{1,2}-?\d{5}-?R\d+M?|SQI/[A-Z]{2,3}/\d{4}/\d{4})"
                    r"(?![\w/-])")
# Registration authority and kind, six-digit division, organisation code and check character
CREDIT_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
                         r"(?![0-9A-Za-z])")
# Shown on purpose as numbers that are NOT in the register (why, where).
NOT_IN_REGISTER = {
    "02799Q99999R9M": "docs/readme/pages.md: the bulk check's 'found: false' example",
    "02723Q18846R1M": "demo alerts: a published counterfeit number",
    "02723Q19217R1M": "demo alerts: a published counterfeit number",
    "02722Q10243R3M": "docs/readme/verify.md: a typo that gets 'did you mean 02722Q10234R3M'",
    "02724Q10865R3M": "portal/domain/codes.py: a docstring's typo example, never shown",
    # ...and its correction: a number of the demo register on some days only (the demo is
    # drawn relative to today's date in China)
    "02724Q10856R3M": "portal/domain/codes.py: a docstring's typo example, never shown",
}


def example_sources() -> Iterator[Path]:
    yield from sorted((ROOT / "templates").rglob("*.html"))
    yield from sorted((ROOT / "content").glob("*.md"))
    yield from sorted((ROOT / "docs" / "readme").glob("*.md"))
    yield ROOT / "README.md"
    for path in sorted((ROOT / "portal").rglob("*.py")):
        if "translations" not in path.parts:
            yield path


def shown_numbers() -> dict[str, str]:
    """Return every number-shaped example and the first file that shows it."""
    found: dict[str, str] = {}
    for path in example_sources():
        for number in NUMBER.findall(path.read_text(encoding="utf-8")):
            found.setdefault(number, str(path.relative_to(ROOT)))
    return found


def shown_credit_codes() -> dict[str, str]:
    """Return every credit-code-shaped example and the first file that shows it."""
    catalogs = sorted((ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po"))
    found: dict[str, str] = {}
    for path in [*example_sources(), *catalogs]:
        for code in CREDIT_CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def search_examples() -> list[str]:
    """Return the queries README's "What matches what" table types (first column)."""
    text = (ROOT / "docs" / "readme" / "search.md").read_text(encoding="utf-8")
    table = text.split("### What matches what", 1)[1].split("\n\n", 2)[1]
    queries = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        queries += [q for q in re.findall(r"`([^`]+)`", first) if "…" not in q]
    return queries


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with own_app(test_config(Path(tmp_path_factory.mktemp("examples")))) as app:
        result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
        assert result.exit_code == 0, result.output
        yield app


def test_the_scan_finds_the_examples_people_see():
    shown = shown_numbers()
    assert set(demo.EXAMPLE_NUMBERS) <= set(shown)
    assert shown["02722Q10234R3M"]  # home page, placeholders, complaint form, README


def test_the_scan_finds_the_credit_code_examples():
    shown = shown_credit_codes()
    assert "templates/applications/new.html" in shown.values()  # the application form's hint
    assert "docs/readme/verify.md" in shown.values()  # the bulk check's example


def test_every_example_credit_code_has_its_check_digit():
    wrong = {code: f"{where}: {credit_code_problem(code)}"
             for code, where in shown_credit_codes().items() if credit_code_problem(code)}
    assert wrong == {}


@pytest.mark.parametrize(("lang", "before"), [("en", "for example "), ("zh", "例如 ")])
def test_the_application_form_takes_its_own_example_credit_code(loaded, lang, before):
    client = loaded.test_client()
    hint = client.get(f"/apply?lang={lang}").get_data(as_text=True)
    example = re.search(re.escape(before) + r"([0-9A-Z]{18})", hint).group(1)
    response = client.post(f"/apply?lang={lang}",
                           data=distinct_application(credit_code=example))
    assert response.status_code == 200
    assert 'id="reference"' in response.get_data(as_text=True)


def test_the_typo_example_suggests_the_example_number(loaded):
    client = loaded.test_client()
    page = client.get("/verify?number=02722Q10243R3M&lang=en").get_data(as_text=True)
    assert "02722Q10234R3M" in page


def test_every_example_number_resolves_on_the_demo(loaded):
    missing = {}
    for number, where in shown_numbers().items():
        if number in NOT_IN_REGISTER:
            continue
        cert = certificate_service.get_by_number(number)
        if cert is None or cert.restricted:
            missing[number] = where
    assert missing == {}


@pytest.mark.parametrize("number", demo.EXAMPLE_NUMBERS)
def test_the_home_page_examples_open_a_certificate_page(loaded, number):
    client = loaded.test_client()
    response = client.get("/certificates/" + number, follow_redirects=True)
    assert response.status_code == 200
    assert "may be counterfeit" not in client.get(
        "/certificates/" + number + "?lang=en", follow_redirects=True).get_data(as_text=True)


def test_the_search_examples_of_readme_find_results(loaded):
    client = loaded.test_client()
    queries = search_examples()
    assert {"华虹电子", "huahong ELECTRONICS", "SQI/FW/2025/0003"} <= set(queries)
    empty = [q for q in queries
             if client.get("/api/v1/certificates", query_string={"q": q}).get_json()["total"]
             == 0]
    assert empty == []


def test_the_complaint_form_takes_its_own_example_number(loaded):
    client = loaded.test_client()
    hint = client.get("/complaints/new?lang=en").get_data(as_text=True)
    example = re.search(r"for example (\S+?)\.", hint).group(1)
    response = client.post("/complaints/new?lang=en",
                           data=distinct_form(certificate_number=example))
    assert response.status_code == 200
    assert "reference" in response.get_data(as_text=True).lower()
    assert "not in our register" not in response.get_data(as_text=True)
