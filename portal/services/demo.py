"""The demo data set (`portal demo-data`): a bilingual register with a consistent history.

Its 2022 statistics, computed by `portal.services.stats`, are the report's table (docs/contract.md §6)
cell for cell. The set is built role by role: for every scheme, exactly as many certificates
as the table needs are newly issued in 2022, in force on 31 December 2022 (in a surveillance
or a recertification year), suspended, withdrawn or cancelled during 2022; every other year is
drawn from steady hazards. All dates before today only, all transitions those of
`portal.domain.status`, every suspension resolved within six months (or still running today).

Rows are written with a few bulk INSERTs in one transaction, with one search change-log row
per certificate and a single summary entry in the audit log.
"""

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import Table, delete, func, insert, select, update

from portal.domain.codes import CREDIT_CODE_CHARSET, make_credit_code, number_key
from portal.domain.records import CertificateData
from portal.domain.schemes import BY_CODE, SCHEME_CODES, Category
from portal.domain.status import MAX_SUSPENSION_DAYS, CertificateStatus, ensure_can_move
from portal.extensions import db
from portal.models import (
    Alert,
    AlertKind,
    Audit,
    AuditType,
    Certificate,
    CertificateEvent,
    EventKind,
    SearchChange,
    Setting,
    Site,
)
from portal.models.setting import DEMO_SETTING
from portal.register.rows import certificate_row, site_rows
from portal.services import audit_log
from portal.services import demo_names as names

S = CertificateStatus
SEED: Final = 2022
STATS_YEAR: Final = 2022
# docs/contract.md §6, the report's 2022 table: valid, newly issued, surveillance audits, suspended,
# withdrawn, cancelled.
TARGETS_2022: Final[dict[str, tuple[int, int, int, int, int, int]]] = {
    "QMS": (838, 63, 480, 21, 31, 166),
    "EMS": (467, 46, 242, 8, 18, 106),
    "OHSMS": (342, 43, 177, 4, 10, 70),
    "SRMS": (2, 0, 2, 0, 0, 0),
    "OTHER_MS": (3, 2, 0, 0, 0, 1),
    "GREEN_PRODUCT": (1, 1, 0, 0, 0, 0),
    "VOLUNTARY_PRODUCT": (15, 3, 0, 1, 4, 0),
    "REAL_ESTATE_SERVICE": (11, 0, 11, 0, 0, 0),
}
# The first year each scheme has certificates in the demo register.
FIRST_YEAR: Final[dict[str, int]] = {"QMS": 2013, "EMS": 2013, "OHSMS": 2013, "SRMS": 2019,
                                     "OTHER_MS": 2016, "GREEN_PRODUCT": 2021,
                                     "VOLUNTARY_PRODUCT": 2014, "REAL_ESTATE_SERVICE": 2016}
# Certificates that ended before 2022, per year (all schemes; split by each scheme's share).
PAST_ENDINGS: Final[dict[int, int]] = {2016: 50, 2017: 70, 2018: 90, 2019: 190, 2020: 170,
                                       2021: 230}
NEW_PER_YEAR_AFTER: Final[dict[str, tuple[int, int]]] = {  # (low, high) new per year after 2022
    "QMS": (55, 75), "EMS": (40, 55), "OHSMS": (38, 50), "SRMS": (0, 1), "OTHER_MS": (1, 3),
    "GREEN_PRODUCT": (1, 2), "VOLUNTARY_PRODUCT": (2, 4), "REAL_ESTATE_SERVICE": (0, 2)}
SCHEME_LETTER: Final = {"QMS": "Q", "EMS": "E", "OHSMS": "S", "SRMS": "SR", "OTHER_MS": "EN"}
SLASH_CODE: Final = {"GREEN_PRODUCT": "LS", "VOLUNTARY_PRODUCT": "CP",
                     "REAL_ESTATE_SERVICE": "FW"}
DASHED_NUMBERS_FROM: Final = date(2025, 7, 1)  # the body's newer number format
STEP: Final = 5000  # rows per INSERT batch

# What happens to a certificate in one year of its life.
NORMAL = "normal"  # surveillance audit, or recertification audit and renewal
LATE = "late"  # surveillance missed: suspended, audited late, restored (same year)
SUSP_WITHDRAW = "suspended_withdrawn"
SUSP_CANCEL = "suspended_cancelled"
WITHDRAW = "withdrawn"  # directly from valid, before the year's audit
CANCEL = "cancelled"  # at the holder's request, before the year's audit
NOT_RENEWED = "not_renewed"  # recertification year: cancelled at expiry
LAPSE = "lapsed"  # recertification year: not renewed, not (yet) cancelled: shows expired
OPEN = "open"  # suspended and still suspended today
CROSS_RESTORE = "cross_restore"  # suspended late in the year, restored the next year
CROSS_WITHDRAW = "cross_withdraw"
CROSS_CANCEL = "cross_cancel"


class DemoRefusedError(RuntimeError):
    """The register is not empty; demo data is only loaded into an empty one or replaced."""


@dataclass(frozen=True)
class DemoSummary:
    """What a demo load wrote (and removed first)."""

    certificates: int
    events: int
    audits: int
    sites: int
    alerts: int
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a dict (for the audit log)."""
        return {"certificates": self.certificates, "events": self.events,
                "audits": self.audits, "sites": self.sites, "alerts": self.alerts,
                "removed": self.removed}


@dataclass
class _Company:
    name_zh: str
    name_en: str
    former_zh: str
    renamed_on: date | None
    credit_code: str
    place: tuple[Any, ...]
    address_zh: str
    address_en: str
    sites: list[str]
    restricted: bool
    kind: str  # "maker", "service", "property", "product"
    product: tuple[str, ...]  # (zh, en[, standard]) what its scopes are about
    schemes: set[str] = field(default_factory=set)


@dataclass
class _Event:
    kind: EventKind
    day: date
    status: S | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Life:
    scheme: str
    anchor: date  # initial issue
    issue: date
    expiry: date
    events: list[_Event] = field(default_factory=list)
    audits: list[tuple[AuditType, date]] = field(default_factory=list)
    renewals: int = 0
    status: S = S.VALID
    last: date = date.min  # the latest dated entry so far
    stopped: bool = False  # no more audits: final status, lapsed, or suspended today
    lapsed: bool = False  # expired without renewal or cancellation
    company: _Company | None = None
    number: str = ""


class _Generator:
    """Draw the whole demo register from a seeded random generator."""

    def __init__(self, today: date, seed: int = SEED) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.lives: list[_Life] = []

    # -- small draws --------------------------------------------------------------------

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def day_in(self, year: int, start: tuple[int, int], end: tuple[int, int]) -> date:
        first, last = date(year, *start), date(year, *end)
        while True:
            day = first + timedelta(days=self.rng.randint(0, (last - first).days))
            if day.day <= 28:  # anniversaries exist every year
                return day

    # -- one year of a life -------------------------------------------------------------

    def _suspend(self, life: _Life, day: date, reason: str) -> None:
        self._status(life, S.SUSPENDED, day, reason)

    def _status(self, life: _Life, target: S, day: date, reason: str) -> None:
        ensure_can_move(life.status, target)
        life.status = target
        life.events.append(_Event(EventKind.STATUS, day, target, reason))
        life.last = day
        if target in (S.WITHDRAWN, S.CANCELLED):
            life.stopped = True

    def _audit(self, life: _Life, kind: AuditType, day: date) -> None:
        life.audits.append((kind, day))
        life.last = max(life.last, day)

    def _is_product(self, life: _Life) -> bool:
        return BY_CODE[life.scheme].category is Category.PRODUCT

    def _due(self, life: _Life, year: int, recert: bool, anniversary: date, lo: date,
             hi: date) -> Callable[[], None] | None:
        """Plan the year's regular audit (and renewal); None if it does not fit after `lo`."""
        if not recert:
            if self._is_product(life):
                return lambda: None  # product certificates: no surveillance audits (§6 table)
            day = max(anniversary - self.days(0, 30), date(year, 1, 3))
            if day <= lo:
                return None
            return lambda: self._audit(life, AuditType.SURVEILLANCE, day) if day <= hi else None
        audit = anniversary - self.days(30, 75)
        renewal = min(audit + self.days(10, 25), anniversary - timedelta(days=1))
        if audit <= lo:
            return None

        def apply() -> None:
            if audit <= hi:
                self._audit(life, AuditType.RECERTIFICATION, audit)
            if renewal <= hi:
                self._renew(life, anniversary, renewal)

        return apply

    def _renew(self, life: _Life, anniversary: date, renewal: date) -> None:
        new_expiry = anniversary.replace(year=anniversary.year + 3) - timedelta(days=1)
        life.events.append(_Event(EventKind.RENEWED, renewal, details={
            "expiry_date": new_expiry.isoformat(),
            "previous_expiry_date": life.expiry.isoformat()}))
        # A renewal prints a new certificate: the next printed issue (docs/contract.md §3).
        life.events.append(_Event(EventKind.REISSUED, renewal, reason=names.REASON_RENEWED,
                                  details={"because": ["renewed"]}))
        life.expiry = new_expiry
        life.issue = renewal
        life.renewals += 1
        life.last = renewal

    def _reasons(self, life: _Life) -> tuple[str, str, AuditType]:
        if self._is_product(life):
            return (names.REASON_PRODUCT_SUSPENDED, names.REASON_PRODUCT_RESTORED,
                    AuditType.SPECIAL)
        return names.REASON_MISSED_SURVEILLANCE, names.REASON_RESTORED, AuditType.SURVEILLANCE

    def _try(self, outcome: str, life: _Life, year: int, recert: bool, anniversary: date,
             lo: date, hi: date) -> bool:
        """Apply `outcome` to `life` for `year` if its dates fit in (lo, hi]; else change nothing."""
        for _ in range(30):
            plan = self._plan(outcome, life, year, recert, anniversary, lo, hi)
            if plan is not None:
                plan()
                return True
        return False

    def _plan(self, outcome: str, life: _Life, year: int, recert: bool, anniversary: date,
              lo: date, hi: date) -> Callable[[], None] | None:
        """Draw the dates of `outcome`; return how to apply them, or None if they don't fit."""
        suspend_reason, restore_reason, late_type = self._reasons(life)
        today = self.today
        if outcome == NORMAL:
            return self._due(life, year, recert, anniversary, lo, hi)
        if outcome in (LATE, SUSP_WITHDRAW, SUSP_CANCEL, OPEN) and recert:
            return None
        if outcome == LATE:
            start = anniversary + self.days(30, 50)
            audit = start + self.days(20, 80)
            end = audit + self.days(5, 15)
            if start <= lo or end > hi:
                return None
            return lambda: (self._suspend(life, start, suspend_reason),
                            self._audit(life, late_type, audit),
                            self._status(life, S.VALID, end, restore_reason))
        if outcome in (SUSP_WITHDRAW, SUSP_CANCEL):
            start = anniversary + self.days(20, 50)
            end = start + self.days(90, 175)
            if start <= lo or end > hi:
                return None
            if outcome == SUSP_WITHDRAW:
                return lambda: (self._suspend(life, start, suspend_reason),
                                self._status(life, S.WITHDRAWN, end, names.REASON_NOT_LIFTED))
            reason = (names.REASON_SUSPENSION_REQUESTED if self.rng.random() < 0.5
                      else suspend_reason)
            final = self.rng.choice(names.REASONS_CANCELLED)
            return lambda: (self._suspend(life, start, reason),
                            self._status(life, S.CANCELLED, end, final))
        if outcome == OPEN:
            start = anniversary + self.days(30, 50)
            if start <= lo or start > today or (today - start).days > MAX_SUSPENSION_DAYS - 10:
                return None
            return lambda: (self._suspend(life, start, suspend_reason),
                            setattr(life, "stopped", True))
        if outcome in (WITHDRAW, CANCEL):
            target = S.WITHDRAWN if outcome == WITHDRAW else S.CANCELLED
            reasons = names.REASONS_WITHDRAWN if outcome == WITHDRAW else names.REASONS_CANCELLED
            reason = self.rng.choice(reasons)
            latest = anniversary - timedelta(days=80)
            earliest = max(date(year, 1, 5), lo + timedelta(days=1))
            if earliest <= latest:
                day = earliest + self.days(0, (latest - earliest).days)
                if day > hi:
                    return None
                return lambda: self._status(life, target, day, reason)
            return None
        if outcome == NOT_RENEWED:
            if not recert:
                return None
            day = min(anniversary + self.days(0, 20), date(year, 12, 31))
            if day <= lo or day > hi:
                return None
            return lambda: self._status(life, S.CANCELLED, day, names.REASON_NOT_RENEWED)
        if outcome == LAPSE:
            if not recert or anniversary > today or anniversary <= lo:
                return None
            return lambda: (setattr(life, "stopped", True), setattr(life, "lapsed", True))
        if outcome in (CROSS_RESTORE, CROSS_WITHDRAW, CROSS_CANCEL):
            if recert:
                return None
            start = anniversary + self.days(30, 50)
            next_year = date(year + 1, 1, 3)
            latest = min(start + timedelta(days=MAX_SUSPENSION_DAYS - 5), today)
            if start <= lo or start.year != year or latest < next_year + timedelta(days=10):
                return None
            end = max(next_year + timedelta(days=10),
                      start + self.days(60, MAX_SUSPENSION_DAYS - 5))
            if end > latest:
                return None
            if outcome == CROSS_RESTORE:
                audit = end - self.days(5, 15)
                return lambda: (self._suspend(life, start, suspend_reason),
                                self._audit(life, late_type, audit),
                                self._status(life, S.VALID, end, restore_reason))
            if outcome == CROSS_WITHDRAW:
                return lambda: (self._suspend(life, start, suspend_reason),
                                self._status(life, S.WITHDRAWN, end, names.REASON_NOT_LIFTED))
            final = self.rng.choice(names.REASONS_CANCELLED)
            return lambda: (self._suspend(life, start, suspend_reason),
                            self._status(life, S.CANCELLED, end, final))
        raise ValueError(f"unknown outcome {outcome}")

    def _pick(self, year: int, recert: bool, calm: bool) -> str:
        """Draw the outcome of an unplanned year (`calm`: the certificate must stay alive)."""
        r = self.rng.random()
        if calm:
            return LATE if not recert and r < 0.012 else NORMAL
        if recert:
            table = [(NOT_RENEWED, 0.20), (CANCEL, 0.03), (WITHDRAW, 0.005)]
            if year >= self.today.year - 1:
                table.append((LAPSE, 0.05))
        else:
            table = [(LATE, 0.012), (SUSP_WITHDRAW, 0.008), (SUSP_CANCEL, 0.005),
                     (WITHDRAW, 0.004), (CANCEL, 0.04)]
            if year == self.today.year:
                table.insert(0, (OPEN, 0.07))
        for outcome, chance in table:
            if r < chance:
                return outcome
            r -= chance
        return NORMAL

    def live(self, scheme: str, anchor: date, plan: dict[int, str], calm_until: int) -> _Life:
        """Build one certificate's history from `anchor` to today."""
        expiry = anchor.replace(year=anchor.year + 3) - timedelta(days=1)
        life = _Life(scheme=scheme, anchor=anchor, issue=anchor, expiry=expiry, last=anchor)
        life.events.append(_Event(EventKind.ISSUED, anchor, S.VALID))
        life.audits.append((AuditType.INITIAL, anchor - self.days(10, 40)))
        for year in range(anchor.year + 1, self.today.year + 1):
            if life.stopped:
                break
            anniversary = anchor.replace(year=year)
            recert = (year - anchor.year) % 3 == 0
            strict_hi = min(date(year, 12, 31), self.today)
            lo = life.last
            if year in plan:
                outcome = plan[year]
                hi = self.today if outcome.startswith("cross") else strict_hi
                if not self._try(outcome, life, year, recert, anniversary, lo, hi):
                    raise RuntimeError(f"demo plan {outcome} does not fit {anchor} in {year}")
                continue
            outcome = self._pick(year, recert, calm=year <= calm_until)
            if outcome != NORMAL and self._try(outcome, life, year, recert, anniversary, lo,
                                               strict_hi):
                continue
            self._try(NORMAL, life, year, recert, anniversary, lo, strict_hi)
        self.lives.append(life)
        return life

    # -- the register, role by role -------------------------------------------------------

    def anchor_year(self, scheme: str, phases: Iterable[int], before: int = STATS_YEAR) -> int:
        """Draw an initial-issue year before `before` whose 2022 is in one of `phases`."""
        years = [y for y in range(FIRST_YEAR[scheme], before)
                 if (STATS_YEAR - y) % 3 in set(phases)]
        return self.rng.choice(years)

    def build(self) -> list[_Life]:
        """Draw every certificate's life; the 2022 roles are exact, the rest is hazard."""
        for scheme in SCHEME_CODES:
            self._roles_2022(scheme)
        shares = {s: t[0] / sum(v[0] for v in TARGETS_2022.values())
                  for s, t in TARGETS_2022.items()}
        for end_year, total in PAST_ENDINGS.items():
            for scheme, share in shares.items():
                count = int(total * share + self.rng.random())
                for _ in range(count):
                    self._past(scheme, end_year)
        for scheme, (low, high) in NEW_PER_YEAR_AFTER.items():
            for year in range(STATS_YEAR + 1, self.today.year + 1):
                for _ in range(self.rng.randint(low, high)):
                    anchor = self.day_in(year, (1, 5), (12, 20))
                    if anchor < self.today - timedelta(days=5):
                        self.live(scheme, anchor, {}, calm_until=0)
        return self.lives

    def _past(self, scheme: str, end_year: int) -> None:
        first = max(FIRST_YEAR[scheme], end_year - 9)
        if first >= end_year:
            return
        anchor = self.day_in(self.rng.randint(first, end_year - 1), (1, 5), (12, 28))
        recert = (end_year - anchor.year) % 3 == 0
        r = self.rng.random()
        if recert:
            outcome = NOT_RENEWED if r < 0.75 else CANCEL if r < 0.9 else WITHDRAW
        else:
            outcome = (CANCEL if r < 0.55 else SUSP_WITHDRAW if r < 0.75 else
                       SUSP_CANCEL if r < 0.85 else WITHDRAW)
        if self._is_product_scheme(scheme) and outcome == NOT_RENEWED and r < 0.3:
            outcome = CANCEL
        for candidate in (outcome, CANCEL, NOT_RENEWED, SUSP_CANCEL):
            try:
                self.live(scheme, anchor, {end_year: candidate}, calm_until=end_year)
            except RuntimeError:
                continue
            return
        # Every terminal outcome failed for this anchor (rare): keep it alive instead.
        self.live(scheme, anchor, {}, calm_until=end_year)

    @staticmethod
    def _is_product_scheme(scheme: str) -> bool:
        return BY_CODE[scheme].category is Category.PRODUCT

    def _roles_2022(self, scheme: str) -> None:
        valid, new, surveillance, suspended, withdrawn, cancelled = TARGETS_2022[scheme]
        product = self._is_product_scheme(scheme)
        w_sus22 = min(withdrawn, max(1 if withdrawn and suspended else 0,
                                     round(suspended * 0.35)))
        c_sus22 = min(cancelled, round(suspended * 0.1))
        open22 = round(suspended * 0.2)
        r22 = suspended - w_sus22 - c_sus22 - open22
        w_sus21 = round((withdrawn - w_sus22) * 0.4)
        w_direct = withdrawn - w_sus22 - w_sus21
        c_expiry = round((cancelled - c_sus22) * 0.75)
        c_request = cancelled - c_sus22 - c_expiry
        carry = valid - new
        if product:  # no surveillance audits: the phase only decides the recertification year
            carry_surv = max(r22, round(carry * 0.6))
        else:
            carry_surv = surveillance
        carry_recert = carry - carry_surv
        if r22 < 0 or carry_recert < 0 or r22 > carry_surv:
            raise RuntimeError(f"the 2022 targets of {scheme} cannot be split")
        y = STATS_YEAR
        roles: list[tuple[int, tuple[int, ...], tuple[tuple[int, int], tuple[int, int]],
                          dict[int, str], int]] = [
            # count, 2022 phases, anniversary window, plan, calm until
            (carry_surv - r22, (1, 2), ((1, 5), (12, 28)), {y: NORMAL}, y),
            (r22, (1, 2), ((1, 10), (7, 31)), {y: LATE}, y),
            (carry_recert, (0,), ((1, 5), (12, 28)), {y: NORMAL}, y),
            (w_sus22, (1, 2), ((1, 10), (5, 15)), {y: SUSP_WITHDRAW}, y),
            (c_sus22, (1, 2), ((1, 10), (5, 15)), {y: SUSP_CANCEL}, y),
            (w_sus21, (2, 0), ((7, 15), (11, 10)), {y - 1: CROSS_WITHDRAW}, y),
            (w_direct, (0, 1, 2), ((5, 1), (12, 28)), {y: WITHDRAW}, y),
            (c_request, (0, 1, 2), ((5, 1), (12, 28)), {y: CANCEL}, y),
            (c_expiry, (0,), ((1, 10), (12, 10)), {y: NOT_RENEWED}, y),
        ]
        for count, phases, window, plan, calm in roles:
            for _ in range(count):
                year = self.anchor_year(scheme, phases, before=y - 1 if y - 1 in plan else y)
                self.live(scheme, self.day_in(year, *window), plan, calm)
        crosses = [CROSS_RESTORE, CROSS_WITHDRAW, CROSS_CANCEL]
        for i in range(open22):
            year = self.anchor_year(scheme, (1,))
            plan = {y: crosses[i % 3] if i < 3 else self.rng.choice(crosses)}
            self.live(scheme, self.day_in(year, (7, 15), (11, 10)), plan, y)
        for _ in range(new):
            self.live(scheme, self.day_in(y, (1, 5), (12, 20)), {}, y)


# -- companies, names, numbers -------------------------------------------------------------


def _org_code(rng: random.Random, modern: bool) -> str:
    """Return a 9-character organisation code with its GB 11714 check character."""
    if modern:
        body = "MA" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    value = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w
                for ch, w in zip(body, weights, strict=True))
    check = 11 - value % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


class _Registry:
    """Companies that hold the demo certificates (one may hold several schemes)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[str, list[_Company]] = {}
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()

    def _address(self, place: tuple[Any, ...]) -> tuple[str, str]:
        province, province_en, city, city_en, district, district_en, _code, roads = place
        road, road_en = self.rng.choice(roads)
        number = self.rng.randint(1, 2999)
        zh_city = province if province == city else province + city
        zh = f"{zh_city}{district}{road}{number}号"
        if province == city:
            en = f"No. {number} {road_en}, {district_en}, {city_en}"
        else:
            en = f"No. {number} {road_en}, {district_en}, {city_en}, {province_en} Province"
        return zh, en

    def _new(self, kind: str, product: tuple[str, ...], industry: tuple[str, str],
             founded: date) -> _Company:
        rng = self.rng
        place = rng.choices(names.PLACES, weights=names.PLACE_WEIGHTS)[0]
        prefix = place[2][:-1] if place[0] != place[2] else place[0][:-1]
        prefix_en = place[3]
        if kind == "property":
            form = ("有限公司", "Co., Ltd.")
        else:
            form = rng.choice(names.FORMS)
        while True:
            first, second = rng.choice(names.BRAND_FIRST), rng.choice(names.BRAND_SECOND)
            if first[0] == second[0]:
                continue
            name_zh = f"{prefix}{first[0]}{second[0]}{industry[0]}{form[0]}"
            if name_zh not in self.used_names:
                break
        self.used_names.add(name_zh)
        brand_en = first[1] + second[1]
        name_en = f"{prefix_en} {brand_en} {industry[1]} {form[1]}"
        former_zh, renamed_on = "", None
        if rng.random() < 0.05 and form[0] != "有限公司":
            former_zh = f"{prefix}{first[0]}{second[0]}{industry[0]}有限公司"
            if former_zh in self.used_names:
                former_zh = ""
            else:
                self.used_names.add(former_zh)
                renamed_on = date(2015, 1, 1) + timedelta(days=rng.randint(0, 4000))
        while True:
            modern = founded.year >= 2016 or rng.random() < 0.3
            code = make_credit_code("91" + place[6] + _org_code(rng, modern))
            if code not in self.used_codes:
                break
        self.used_codes.add(code)
        address_zh, address_en = self._address(place)
        sites = []
        if rng.random() < 0.15:
            for _ in range(rng.choice((1, 1, 2))):
                other = place if rng.random() < 0.6 else rng.choice(names.PLACES)
                sites.append(self._address(other)[0])
        return _Company(name_zh=name_zh, name_en=name_en, former_zh=former_zh,
                        renamed_on=renamed_on, credit_code=code, place=place,
                        address_zh=address_zh, address_en=address_en, sites=sites,
                        restricted=rng.random() < 0.012, kind=kind, product=product)

    def assign(self, scheme: str, anchor: date) -> _Company:
        """Return a company that does not hold `scheme` yet (an existing one or a new one)."""
        rng = self.rng
        if scheme == "REAL_ESTATE_SERVICE":
            key, kind = "property", "property"
        elif scheme in ("GREEN_PRODUCT", "VOLUNTARY_PRODUCT"):
            key, kind = scheme, "product"
        else:
            key, kind = "management", "maker"
        pool = self.pools.setdefault(key, [])
        if pool and rng.random() < 0.5:
            for _ in range(6):
                company = rng.choice(pool)
                if scheme not in company.schemes:
                    company.schemes.add(scheme)
                    return company
        if kind == "property":
            industry = names.PROPERTY_INDUSTRY
            product = rng.choice(names.PROPERTY_SCOPES)
        elif kind == "product":
            items = names.GREEN_PRODUCTS if scheme == "GREEN_PRODUCT" else names.VOLUNTARY_PRODUCTS
            product = rng.choice(items)
            industry = (product[3], product[4])
        elif rng.random() < 0.25:
            kind = "service"
            chosen = rng.choice(names.SERVICE_INDUSTRIES)
            industry, product = (chosen[0], chosen[1]), (chosen[2], chosen[3])
        else:
            chosen = rng.choice(names.INDUSTRIES)
            industry, product = (chosen[0], chosen[1]), (chosen[2], chosen[3])
        company = self._new(kind, product, industry, anchor)
        company.schemes.add(scheme)
        pool.append(company)
        return company


def _scope(scheme: str, company: _Company) -> tuple[str, str]:
    zh, en = company.product[0], company.product[1]
    if company.kind in ("service", "property"):
        base_zh, base_en = zh, en
        production_zh, production_en = zh, en
    else:
        base_zh, base_en = f"{zh}的设计、生产和销售", f"Design, production and sale of {en}"
        production_zh, production_en = f"{zh}的生产", f"Production of {en}"
    if scheme == "QMS":
        return base_zh, base_en[0].upper() + base_en[1:]
    if scheme == "EMS":
        return (f"{production_zh}及相关环境管理活动",
                (f"{production_en[0].upper() + production_en[1:]} and related environmental "
                "management activities"))
    if scheme == "OHSMS":
        return (f"{production_zh}及相关职业健康安全管理活动",
                (f"{production_en[0].upper() + production_en[1:]} and related occupational "
                "health and safety management activities"))
    if scheme == "SRMS":
        return (f"{production_zh}所涉及的社会责任管理活动",
                (f"Social responsibility management of {production_en[0].lower()}"
                f"{production_en[1:]}"))
    if scheme == "OTHER_MS":
        return (f"{production_zh}过程的能源管理活动",
                f"Energy management in {production_en[0].lower() + production_en[1:]}")
    return zh, en[0].upper() + en[1:]


def _standard(scheme: str, company: _Company, reference: date) -> str:
    if scheme == "QMS":
        return ("GB/T 19001-2016/ISO 9001:2015" if reference >= date(2018, 9, 15)
                else "GB/T 19001-2008/ISO 9001:2008")
    if scheme == "EMS":
        return ("GB/T 24001-2016/ISO 14001:2015" if reference >= date(2018, 9, 15)
                else "GB/T 24001-2004/ISO 14001:2004")
    if scheme == "OHSMS":
        return ("GB/T 45001-2020/ISO 45001:2018" if reference >= date(2021, 9, 30)
                else "GB/T 28001-2011/OHSAS 18001:2007")
    if scheme == "SRMS":
        return "GB/T 39604-2020"
    if scheme == "OTHER_MS":
        return ("GB/T 23331-2020/ISO 50001:2018" if reference >= date(2021, 11, 1)
                else "GB/T 23331-2012")
    if scheme == "REAL_ESTATE_SERVICE":
        return "GB/T 20647.9-2006"
    return company.product[2]


def _numbers(lives: list[_Life]) -> None:
    """Give every life its certificate number, serials in order of first issue."""
    serial = 10000
    sequences: Counter[tuple[str, int]] = Counter()
    for life in sorted(lives, key=lambda x: (x.anchor, x.scheme)):
        if life.scheme in SLASH_CODE:
            code = SLASH_CODE[life.scheme]
            sequences[(code, life.issue.year)] += 1
            life.number = f"SQI/{code}/{life.issue.year}/{sequences[(code, life.issue.year)]:04d}"
            continue
        serial += 1
        yy, letter = life.issue.year % 100, SCHEME_LETTER[life.scheme]
        if life.issue >= DASHED_NUMBERS_FROM:
            life.number = f"027-{yy:02d}-{letter}-{serial}-R{life.renewals}"
        else:
            life.number = f"027{yy:02d}{letter}{serial}R{life.renewals}M"


# Examples shown on pages, in placeholders and in README (the home page, the not-found page,
# the complaint form, docs/). The demo pins them onto fitting generated certificates so
# that every example resolves; numbers and names do not enter the docs/contract.md §6 statistics.
# tests/integration/test_examples.py scans the templates, content and docs for examples.
EXAMPLE_NUMBERS: Final = ("02722Q10234R3M", "027-26-Q-10403-R0", "SQI/FW/2025/0003")
EXAMPLE_HOLDER: Final = ("上海华虹电子有限公司", "Shanghai Huahong Electronics Co., Ltd.")


def _example_fit(number: str, life: _Life, today: date) -> tuple[int, ...]:
    """Rank how well `life` suits example `number` (higher is better; 0s first: required)."""
    assert life.company is not None
    shown = life.status is S.VALID and life.expiry >= today
    if number.startswith("SQI/"):
        scheme_ok = life.scheme == "REAL_ESTATE_SERVICE"
        year = 2025
    else:
        scheme_ok = life.scheme == "QMS"
        year = 2000 + int(number[3:5] if number[3] != "-" else number[4:6])
    dashed = "-" in number
    shape_ok = (life.issue >= DASHED_NUMBERS_FROM) == dashed or number.startswith("SQI/")
    return (int(scheme_ok and not life.company.restricted), int(shape_ok),
            int(shown or number.startswith("SQI/")), int(life.issue.year == year),
            -abs(life.issue.year - year))


def _pin_examples(lives: list[_Life], today: date) -> None:
    """Give the documented example numbers (and holder name) to fitting demo certificates."""
    by_number = {life.number: life for life in lives}
    taken: set[int] = set()
    for number in EXAMPLE_NUMBERS:
        candidates = [x for x in lives if x.company is not None and id(x) not in taken]
        best = max(candidates, key=lambda x: _example_fit(number, x, today))
        taken.add(id(best))
        if best.number == number:
            continue
        holder = by_number.get(number)
        if holder is not None:  # swap: numbers stay unique
            holder.number, by_number[best.number] = best.number, holder
        best.number, by_number[number] = number, best
    first = by_number[EXAMPLE_NUMBERS[0]].company
    assert first is not None
    first.name_zh, first.name_en = EXAMPLE_HOLDER
    for life in lives:  # the name is used once only
        if life.company is not first and life.company is not None \
                and life.company.name_zh == EXAMPLE_HOLDER[0]:
            life.company.name_zh += "（二）"


def _stamp(day: date, rng: random.Random) -> datetime:
    """A plausible recording time on `day`: office hours in Shanghai, stored in UTC."""
    return datetime.combine(day, time(1, 0), UTC) + timedelta(minutes=rng.randint(0, 420))


# -- writing ----------------------------------------------------------------------------------


def certificate_count() -> int:
    """Return how many certificates the register holds."""
    return db.session.scalar(select(func.count(Certificate.id))) or 0


def demo_count() -> int:
    """Return how many demo certificates the register holds."""
    return db.session.scalar(select(func.count(Certificate.id))
                             .where(Certificate.is_demo.is_(True))) or 0


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), STEP):
        db.session.execute(insert(table), rows[start : start + STEP])


def _set_marker(value: str) -> None:
    setting = db.session.get(Setting, DEMO_SETTING)
    if setting is None:
        db.session.add(Setting(key=DEMO_SETTING, value=value))
    else:
        setting.value = value


def _delete_demo(now: datetime) -> int:
    """Delete every demo row (certificates with what hangs on them, alerts); return count."""
    demo_ids = select(Certificate.id).where(Certificate.is_demo.is_(True)).scalar_subquery()
    keys = list(db.session.scalars(select(Certificate.number_key)
                                   .where(Certificate.is_demo.is_(True))))
    if keys:
        # Rows of any table that points at certificates (sites, history, audits, receipts,
        # subscriptions, complaints...): deleted or unlinked as its foreign key says.
        for table in db.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name != "certificates" or table.name == "certificates":
                    continue
                if fk.ondelete and fk.ondelete.upper() == "SET NULL":
                    db.session.execute(update(table).where(fk.parent.in_(demo_ids))
                                       .values({fk.parent.name: None}))
                else:
                    db.session.execute(delete(table).where(fk.parent.in_(demo_ids)))
        db.session.execute(delete(Certificate).where(Certificate.is_demo.is_(True)))
        _insert(SearchChange.__table__, [{"number_key": key, "changed_at": now} for key in keys])
    alert_ids = select(Alert.id).where(Alert.is_demo.is_(True)).scalar_subquery()
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "alerts" and table.name != "alerts":
                db.session.execute(update(table).where(fk.parent.in_(alert_ids))
                                   .values({fk.parent.name: None}))
    db.session.execute(delete(Alert).where(Alert.is_demo.is_(True)))
    return len(keys)


def remove_demo_data(*, actor: str, now: datetime) -> int:
    """Delete the demo data set and its marker; return how many certificates went."""
    removed = _delete_demo(now)
    _set_marker("0")
    audit_log.record(actor=actor, action="demo.remove", entity_type="demo",
                     entity_id="demo-data", before={"certificates": removed}, after=None,
                     now=now)
    db.session.commit()
    return removed


Progress = Callable[[str, int, int], None]


def draw_register(today: date) -> list[_Life]:
    """Draw the demo register as of `today` (the same every time for the same day)."""
    lives = _Generator(today).build()
    registry = _Registry(random.Random(SEED + 1))
    for life in sorted(lives, key=lambda x: x.anchor):
        life.company = registry.assign(life.scheme, life.anchor)
    _numbers(lives)
    _pin_examples(lives, today)
    return lives


def load_demo_data(*, actor: str, now: datetime, today: date, replace: bool = False,
                   progress: Progress | None = None) -> DemoSummary:
    """Load the demo data set in one transaction (refused on a non-empty register).

    With `replace`, earlier demo rows are deleted first and other certificates are kept.

    Raises:
        DemoRefusedError: the register holds certificates and `replace` is false, or a demo
            certificate number is already used by a real certificate.
    """
    report = progress or (lambda phase, done, total: None)
    if not replace and certificate_count():
        raise DemoRefusedError(f"the register already holds {certificate_count()} "
                               "certificates")
    removed = _delete_demo(now) if replace else 0
    lives = draw_register(today)
    report("generate", len(lives), len(lives))
    keys = [number_key(life.number) for life in lives]
    for start in range(0, len(keys), 500):
        clash = db.session.scalar(select(Certificate.certificate_number).where(
            Certificate.number_key.in_(keys[start : start + 500])).limit(1))
        if clash:
            db.session.rollback()
            raise DemoRefusedError(f"certificate {clash} is already in the register")
    rows, children = _rows(lives, actor, today, random.Random(SEED + 2))
    total = len(rows) + sum(len(r) for r in children.values())
    done = 0
    ids: list[int] = []
    table = Certificate.__table__
    for start in range(0, len(rows), STEP):
        chunk = rows[start : start + STEP]
        result = db.session.execute(insert(table).returning(table.c.id,
                                                            sort_by_parameter_order=True), chunk)
        ids.extend(result.scalars())
        done += len(chunk)
        report("write", done, total)
    for model in (Site, CertificateEvent, Audit):
        child_rows = children[model.__tablename__]
        for row in child_rows:
            row["certificate_id"] = ids[row.pop("_life")]
        for start in range(0, len(child_rows), STEP):
            chunk = child_rows[start : start + STEP]
            db.session.execute(insert(model.__table__), chunk)
            done += len(chunk)
            report("write", done, total)
    _insert(SearchChange.__table__, [{"number_key": key, "changed_at": now}
                                     for key in keys])
    alerts = _alerts(lives, actor, now, today, set(keys))
    db.session.add_all(alerts)
    _set_marker("1")
    summary = DemoSummary(certificates=len(rows), events=len(children["certificate_events"]),
                          audits=len(children["audits"]),
                          sites=len(children["certificate_sites"]), alerts=len(alerts),
                          removed=removed)
    audit_log.record(actor=actor, action="demo.load", entity_type="demo", entity_id="demo-data",
                     before={"certificates": removed} if replace else None,
                     after=summary.as_dict() | {"seed": SEED}, now=now)
    db.session.commit()
    return summary


def _rows(lives: list[_Life], actor: str, today: date, rng: random.Random
          ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Turn lives into certificate rows and child rows (children name their life by index)."""
    rows: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {
        "certificate_sites": [], "certificate_events": [], "audits": []}
    for index, life in enumerate(lives):
        company = life.company
        assert company is not None
        if life.status in (S.WITHDRAWN, S.CANCELLED):
            ended = life.events[-1].day
        elif life.lapsed:
            ended = life.expiry
        else:
            ended = today
        events = list(life.events)
        holder, former = company.name_zh, []
        renamed = company.renamed_on
        if company.former_zh and renamed is not None and renamed > life.anchor:
            if renamed >= ended:
                holder = company.former_zh  # ended under the old name
            else:
                former = [company.former_zh]
                events.append(_Event(EventKind.RENAMED, renamed, details={
                    "from": company.former_zh, "to": company.name_zh}))
                events.append(_Event(EventKind.REISSUED, renamed, reason=names.REASON_RENAMED,
                                     details={"because": ["renamed"]}))
                events.sort(key=lambda e: e.day)  # stable: renamed, then reissued
        issue_number = 1 + sum(e.kind is EventKind.REISSUED for e in events)
        status_events = [e for e in events if e.kind is EventKind.STATUS]
        last_status = status_events[-1] if status_events else None
        scope_zh, scope_en = _scope(life.scheme, company)
        management = BY_CODE[life.scheme].category is Category.MANAGEMENT
        data = CertificateData(
            certificate_number=life.number, scheme=life.scheme,
            standard=_standard(life.scheme, company, ended), holder_name_zh=holder,
            holder_name_en=company.name_en, credit_code=company.credit_code,
            address_zh=company.address_zh, address_en=company.address_en,
            province=company.place[0], city=company.place[2], scope_zh=scope_zh,
            scope_en=scope_en, initial_issue_date=life.anchor, issue_date=life.issue,
            expiry_date=life.expiry, status=life.status,
            status_date=last_status.day if last_status else None,
            status_reason=last_status.reason if last_status else "",
            accreditation="CNAS" if management else "", former_names=former,
            restricted=company.restricted)
        created = _stamp(life.anchor, rng)
        rows.append(certificate_row(data, now=created, issue_number=issue_number, is_demo=True,
                                    updated_at=_stamp(events[-1].day, rng)))
        children["certificate_sites"].extend({"_life": index} | site
                                             for site in site_rows(company.sites))
        number = 1
        for event in events:
            if event.kind is EventKind.REISSUED:
                number += 1
            children["certificate_events"].append({
                "_life": index, "kind": event.kind, "status": event.status,
                "effective_date": event.day, "public_reason": event.reason,
                "internal_note": names.INTERNAL_NOTE if event.kind is EventKind.STATUS else "",
                "actor": actor, "recorded_at": _stamp(event.day, rng), "issue_number": number,
                "details": event.details})
        for kind, day in sorted(life.audits, key=lambda a: a[1]):
            children["audits"].append({"_life": index, "audit_type": kind, "audit_date": day,
                                       "auditors": rng.sample(names.AUDITORS, 2)})
    return rows, children


def _alerts(lives: list[_Life], actor: str, now: datetime, today: date,
            keys: set[str]) -> list[Alert]:
    """Return demo warnings: counterfeit numbers, a look-alike site, an unreturned certificate."""
    fakes = [f"02723Q{serial}R1M" for serial in (18846, 19217)]
    fakes = [n for n in fakes if number_key(n) not in keys]
    withdrawn = sorted((life for life in lives if life.status is S.WITHDRAWN
                        and life.company is not None and not life.company.restricted),
                       key=lambda x: x.events[-1].day)
    alerts: list[Alert] = []

    def add(kind: AlertKind, value: str, zh: str, en: str, days_ago: int) -> None:
        alerts.append(Alert(kind=kind, value=value, description_zh=zh, description_en=en,
                            published_on=today - timedelta(days=days_ago), active=True,
                            is_demo=True, created_by=actor, created_at=now))

    for days_ago, fake in zip((12, 160), fakes, strict=False):
        add(AlertKind.COUNTERFEIT_NUMBER, fake,
            f"编号为{fake}的质量管理体系认证证书不是本机构颁发的，系伪造证书，请勿采信。"
            "如发现持有该证书的单位，请向本机构举报。",
            f"Certificate {fake} (quality management system) was not issued by us: it is "
            "counterfeit. Please report any organisation that presents it.", days_ago)
    add(AlertKind.LOOKALIKE_SITE, "sqi-cert-verify.example",
        "该网站仿冒本机构的证书查询页面，显示的查询结果不可信。请只通过本机构官方网站核验证书，"
        "并核对浏览器地址栏中的域名。",
        "This site imitates our certificate verification pages; its results cannot be "
        "trusted. Verify certificates only on our official site and check the address bar.",
        45)
    if withdrawn:
        life = withdrawn[-1]
        assert life.company is not None
        when = life.events[-1].day
        add(AlertKind.UNRETURNED_CERTIFICATE, life.number,
            f"证书{life.number}（{life.company.name_zh}）已于{when.year}年{when.month}月"
            f"{when.day}日被撤销，获证组织至今未交回证书原件。该证书已失效，请勿采信。",
            f"Certificate {life.number} ({life.company.name_en}) was withdrawn on "
            f"{when.isoformat()} and the holder has not returned the original. It is no "
            "longer valid.", max(1, min(30, (today - when).days)))
    return alerts
