"""`/transparency` and `/transparency.csv`: the docs/contract.md §6 table of a year, live from the register."""

import csv
import io
import re
from typing import Any

from flask import Response, current_app, g, make_response, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal import clock
from portal.domain.codes import fold_width
from portal.domain.schemes import BY_CODE, CATEGORIES
from portal.i18n import CATEGORY_LABELS, current_lang, scheme_label
from portal.services import complaints as complaint_service
from portal.services import content as content_service
from portal.services import content_reviews
from portal.services import stats as stats_service
from portal.services.transparency_chart import Group, Series, grouped_bar_chart
from portal.templating import fmt_number
from portal.transparency import bp, services

CACHE_CONTROL = "public, max-age=300"  # the figures change at most daily in practice
CSV_HEADER = ("scheme", "category", *stats_service.COLUMNS)
VALID_FILL = "#0b4f8a"  # 8.6:1 on white
NEW_FILL = "#b35c00"  # 4.7:1 on white


class YearError(ValueError):
    """A `year` parameter that is not a year with statistics; the message is for the reader."""


def requested_year() -> int:
    """Return `?year=` (full-width digits allowed), or the last full year when absent.

    Raises:
        YearError: not a four-digit year, or outside FIRST_YEAR..this year.
    """
    raw = fold_width(request.args.get("year", "")).strip()
    first, last = stats_service.FIRST_YEAR, clock.today().year
    if not raw:
        return stats_service.default_year()
    if not re.fullmatch(r"[0-9]{4}", raw):
        raise YearError(_("“%(value)s” is not a year. Choose a four-digit year from %(first)s "
                          "to %(last)s.", value=raw[:20], first=first, last=last))
    year = int(raw)
    if not first <= year <= last:
        raise YearError(_("There are no statistics for %(year)s. Choose a year from %(first)s "
                          "to %(last)s.", year=year, first=first, last=last))
    return year


def year_choices(selected: int) -> list[int]:
    """Return the years to offer, newest first: from the first year with data to this year."""
    years = set(stats_service.available_years()) or {stats_service.default_year(),
                                                     clock.today().year}
    years.add(selected)
    return sorted(years, reverse=True)


def column_definitions(year: int) -> list[tuple[str, str, str]]:
    """Return (column, header, definition) for the table's six columns in the page language."""
    return [
        ("valid", _("Valid certificates"),
         _("Certificates in force on 31 December %(year)s: issued by that day, not expired, "
           "and neither suspended, withdrawn nor cancelled on that day.", year=year)),
        ("newly_issued", _("Newly issued certificates"),
         _("Certificates whose initial issue date is in %(year)s. Renewals and re-issued "
           "certificates are not counted again.", year=year)),
        ("surveillance_audits", _("Surveillance audits"),
         _("Surveillance audits dated in %(year)s.", year=year)),
        ("suspended", _("Suspended certificates"),
         _("Suspensions that took effect in %(year)s (changes of status to suspended dated "
           "in the year).", year=year)),
        ("withdrawn", _("Withdrawn certificates"),
         _("Withdrawals by the certification body that took effect in %(year)s (changes of "
           "status to withdrawn dated in the year).", year=year)),
        ("cancelled", _("Cancelled certificates"),
         _("Cancellations that took effect in %(year)s, at the holder's request, because a "
           "certificate was not renewed or because it was superseded (changes of status to "
           "cancelled dated in the year).", year=year)),
    ]


def table_groups(stats: stats_service.YearStatistics) -> list[dict[str, Any]]:
    """Return the table's row groups in the report's order: each category's schemes, then its
    subtotal."""
    subtotals = {row.category: row for row in stats.subtotals}
    return [{"category": category.value, "label": CATEGORY_LABELS[category.value],
             "rows": [row for row in stats.rows if row.category == category.value],
             "subtotal": subtotals[category.value]} for category in CATEGORIES]


def statistics_chart(stats: stats_service.YearStatistics) -> Markup:
    """Draw valid and newly issued certificates per scheme as an SVG bar chart."""
    series = (Series(_("Valid certificates on 31 December"), _("Valid"), VALID_FILL),
              Series(_("Newly issued certificates"), _("Newly issued"), NEW_FILL))
    groups = [Group(_("%(scheme)s (%(code)s)", scheme=scheme_label(row.scheme), code=row.scheme),
                    (row.valid, row.newly_issued)) for row in stats.rows]
    separator = "；" if current_lang() == "zh" else "; "
    items = separator.join(_("%(scheme)s: %(valid)s valid, %(new)s newly issued",
                             scheme=scheme_label(row.scheme), valid=fmt_number(row.valid),
                             new=fmt_number(row.newly_issued)) for row in stats.rows)
    return grouped_bar_chart(
        title=_("Valid and newly issued certificates per scheme, %(year)s", year=stats.year),
        description=_("Bar chart. %(items)s. The table above gives every figure.", items=items),
        groups=groups, series=series, fmt=fmt_number, chart_id="stats-chart")


def statistics_csv(stats: stats_service.YearStatistics) -> str:
    """Return the year's table as CSV with a BOM (Excel): schemes, then category subtotals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in stats.rows:
        writer.writerow([row.scheme, row.category, *row.values()])
    for row in stats.subtotals:
        writer.writerow([f"{row.category} total", row.category, *row.values()])
    return "\ufeff" + out.getvalue()


def _content_page() -> content_service.ContentPage | None:
    lang = content_service.content_lang(str(get_locale()))
    try:
        return content_reviews.reviewed_page("transparency", lang)
    except (content_service.ContentError, OSError, ValueError):
        # The live figures are still worth showing; staff see the broken file in the log.
        current_app.logger.exception("content page 'transparency' (%s) cannot be shown", lang)
        return None


def _cacheable(response: Response) -> Response:
    if g.get("remember_lang") or session.modified:
        # This answer sets a cookie (a ?lang= choice, a flash): it belongs to one visitor.
        response.headers["Cache-Control"] = "private, max-age=300"
    else:
        response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def _bad_year(error: YearError) -> Response:
    year = stats_service.default_year()
    body = render_template("transparency/bad_year.html", message=str(error), year=year,
                           years=year_choices(year))
    return make_response(body, 400)


@bp.get("/transparency")
def index() -> Response:
    """Statistics of one year (table, chart, complaints), commitments and accreditation."""
    try:
        year = requested_year()
    except YearError as error:
        return _bad_year(error)
    stats = stats_service.statistics(year)
    body = render_template(
        "transparency/index.html", year=year, stats=stats, years=year_choices(year),
        register_empty=not stats_service.available_years(),
        all_zero=not any(any(row.values()) for row in stats.rows),
        year_incomplete=year >= clock.today().year, groups=table_groups(stats),
        columns=column_definitions(year), schemes=BY_CODE, chart=statistics_chart(stats),
        complaints=complaint_service.complaint_statistics(year), page=_content_page(),
        services_section=services.section(year))
    return _cacheable(make_response(body))


@bp.get("/transparency.csv", endpoint="csv")
def csv_download() -> Response:
    """The year's table as a CSV file, the same figures as `/api/v1/stats`."""
    try:
        year = requested_year()
    except YearError as error:
        return _bad_year(error)
    response = Response(statistics_csv(stats_service.statistics(year)),
                        content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename=sqi-statistics-{year}.csv"
    return _cacheable(response)
