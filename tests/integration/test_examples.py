"""Every example a page, a placeholder, README or a docs page shows works on the demo register.

The examples are found by scanning the templates, the content pages, the Python sources
(placeholders, hints, API docs), README.md and docs/ for anything shaped like a certificate
number or a credit code; docs/features/search.md's table gives the search examples; every
`$ curl` of a ```console block in README and docs/ is sent to the demo and its sample answer
(scheme, status, reasons, names, counts...) must be what the demo answers; every
http://127.0.0.1:5000/ address README shows opens. `portal demo-data` pins the example numbers
onto fitting demo certificates (portal/services/demo.py EXAMPLE_NUMBERS).
"""

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    "02799Q99999R9M": "docs/api.md: the bulk check's 'found: false' example",
    "02723Q18846R1M": "demo alerts: a published counterfeit number",
    "02723Q19217R1M": "demo alerts: a published counterfeit number",
    "02722Q10243R3M": "docs/verification.md: a typo that gets 'did you mean 02722Q10234R3M'",
    "02724Q10865R3M": "portal/domain/codes.py: a docstring's typo example, never shown",
    # ...and its correction: a number of the demo register on some days only (the demo is
    # drawn relative to today's date in China)
    "02724Q10856R3M": "portal/domain/codes.py: a docstring's typo example, never shown",
}


# Credit codes docs show on purpose although no demo certificate holds them (why, where).
CREDIT_CODE_NOT_IN_REGISTER = {
    "91310115MA1H000011": "templates/applications/new.html: an applicant's code, not a holder's",
}
BASE = "http://127.0.0.1:5000"  # where `make run` serves; README's and docs' addresses


def documents() -> list[Path]:
    """README.md and every page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def example_sources() -> Iterator[Path]:
    yield from sorted((ROOT / "templates").rglob("*.html"))
    yield from sorted((ROOT / "content").glob("*.md"))
    yield from documents()
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
    """Return the queries docs/features/search.md's "What matches what" table types (first column)."""
    text = (ROOT / "docs" / "features" / "search.md").read_text(encoding="utf-8")
    table = text.split("## What matches what", 1)[1].split("\n\n", 2)[1]
    queries = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        queries += [q for q in re.findall(r"`([^`]+)`", first) if "…" not in q]
    return queries


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    config = test_config(Path(tmp_path_factory.mktemp("examples")), PUBLIC_BASE_URL=BASE)
    with own_app(config) as app:
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


def test_every_example_credit_code_of_the_docs_is_a_demo_holders(loaded):
    client = loaded.test_client()
    unknown = {}
    for code, where in shown_credit_codes().items():
        if code in CREDIT_CODE_NOT_IN_REGISTER:
            continue
        answer = client.post("/api/v1/certificates/verify",
                             json={"items": [{"credit_code": code}]}).get_json()
        if not answer["results"][0]["found"]:
            unknown[code] = where
    assert unknown == {}


def balanced(command: str) -> bool:
    """Whether `command`'s quotes are closed (a shell would not ask for more)."""
    try:
        shlex.split(command)
    except ValueError:
        return False
    return True


def sample_calls() -> list[tuple[str, list[str], str]]:
    """Return (where, curl arguments, JSON sample answer) of the `$ curl` calls of the docs.

    A call counts when it stands in a ```console block, is sent to the demo's address, is not
    piped into another command and is followed by its JSON answer.
    """
    calls = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
            lines, command, answer = block.splitlines(), "", []
            for line in [*lines, "$ "]:
                if line.startswith("$ "):
                    if command.startswith("curl ") and BASE in command and "|" not in command \
                            and "\n".join(answer).lstrip().startswith("{"):
                        calls.append((str(path.relative_to(ROOT)), shlex.split(command),
                                      "\n".join(answer)))
                    command, answer = line[2:], []
                elif command.endswith("\\"):
                    command = command[:-1] + " " + line.strip()
                elif command and not balanced(command):  # a quoted body over several lines
                    command += "\n" + line
                else:
                    answer.append(line)
    return calls


def send(client: Any, args: list[str]) -> Any:
    """Send what `curl -s [-X M] [-H h] [-d body] URL` sends; return the JSON answer."""
    method, headers, body, url = "GET", {}, None, ""
    words = iter(args[1:])
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body, method = next(words), "POST" if method == "GET" else method
        elif word.startswith(BASE):
            url = word[len(BASE):]
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    return client.open(path, method=method, headers=headers, data=body).get_json()


def sample(answer: str) -> Any:
    """Read a sample answer: JSON in which `...` stands for what the sample leaves out."""
    return json.loads(re.sub(r",?\s*\.\.\.", "", answer))


def differences(shown: Any, real: Any, at: str = "") -> list[str]:
    """Where the sample `shown` says something `real` does not (shown's keys are a subset)."""
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{at}: {real!r} is not an object"]
        return [d for key, value in shown.items()
                for d in (differences(value, real[key], f"{at}.{key}") if key in real
                          else [f"{at}.{key}: missing"])]
    if isinstance(shown, list):
        if not isinstance(real, list) or len(real) != len(shown):
            return [f"{at}: {real!r} has not {len(shown)} items"]
        return [d for i, (s, r) in enumerate(zip(shown, real, strict=True))
                for d in differences(s, r, f"{at}[{i}]")]
    return [] if shown == real else [f"{at}: the sample says {shown!r}, the demo {real!r}"]


def test_the_docs_show_sample_answers_to_check():
    where = {w for w, _, _ in sample_calls()}
    assert {"docs/api.md", "docs/verification.md"} <= where


@pytest.mark.parametrize(("where", "args", "answer"), sample_calls(),
                         ids=lambda value: value if isinstance(value, str) and len(value) < 30
                         else "")
def test_every_sample_answer_is_what_the_demo_answers(loaded, where, args, answer):
    real = send(loaded.test_client(), args)
    assert differences(sample(answer), real) == [], f"{where}: {shlex.join(args)}"


def readme_addresses() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(re.escape(BASE) + r"(/[^\s`'\"<>)]*)", text)
    return sorted({path.rstrip(".,;:") for path in found})


def test_readme_shows_addresses_to_try():
    assert len(readme_addresses()) >= 5


@pytest.mark.parametrize("path", readme_addresses())
def test_every_address_readme_shows_opens_on_the_demo(loaded, path):
    response = loaded.test_client().get(path)
    # an address naming a number shown as not in the register gets the explained 404
    expected = 404 if any(number in path for number in NOT_IN_REGISTER) else 200
    assert response.status_code == expected, path
