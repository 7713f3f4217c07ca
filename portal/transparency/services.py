"""The application and survey figures of `/transparency` (issue #16): table, chart and CSV.

No organisation is named: only counts per year, the refusals by reason class, the median days
to a first answer, and the survey's response rate and mean score per aspect.
"""

import csv
import io
from typing import Any

from flask import Response, make_response, render_template
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from portal.services import applications as application_service
from portal.services import surveys as survey_service
from portal.services.transparency_chart import Group, Series, grouped_bar_chart
from portal.transparency import bp

SCORE_FILL = "#1d6b35"  # 6.5:1 on white


def figures(year: int) -> dict[str, Any]:
    """Return the year's application and survey figures for the page, CSV and API."""
    return {"applications": application_service.application_statistics(year),
            "surveys": survey_service.survey_statistics(year)}


def survey_chart(stats: survey_service.SurveyStatistics) -> Markup | None:
    """Draw the mean score per aspect as an SVG bar chart (None without answers)."""
    if not stats.responses:
        return None
    labels = survey_service.ASPECT_LABELS
    groups = [Group(str(labels[aspect]), (round((mean or 0) * 100),))
              for aspect, mean in stats.means.items()]
    items = "; ".join(f"{labels[a]}: {format_decimal(m)}" for a, m in stats.means.items()
                      if m is not None)
    chart = grouped_bar_chart(
        title=_("Mean satisfaction score per aspect, %(year)s (1 to 5)", year=stats.year),
        description=_("Bar chart. %(items)s. The table gives every figure.", items=items),
        groups=groups, series=(Series(_("Mean score (1 to 5)"), _("Mean"), SCORE_FILL),),
        fmt=lambda value: format_decimal(value / 100), chart_id="survey-chart")
    # Its own class: the page's first chart stays the only `svg.chart` (the §6 chart).
    return Markup(str(chart).replace('class="chart"', 'class="survey-chart"', 1))


def services_csv(year: int) -> str:
    """Return the year's application and survey figures as CSV (measure, value), with a BOM."""
    found = figures(year)
    applications = found["applications"].as_dict()
    surveys = found["surveys"].as_dict()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("year", "section", "measure", "value"))
    for measure in ("received", "quoted", "accepted", "declined",
                    "median_days_to_first_answer"):
        writer.writerow((year, "applications", measure, _blank(applications[measure])))
    for reason, count in applications["declined_by_reason"].items():
        writer.writerow((year, "applications", f"declined_{reason}", count))
    for measure in ("invitations", "responses", "response_rate", "phone_checks"):
        writer.writerow((year, "surveys", measure, _blank(surveys[measure])))
    for aspect, mean in surveys["mean_scores"].items():
        writer.writerow((year, "surveys", f"mean_{aspect}", _blank(mean)))
    return "\ufeff" + out.getvalue()


def _blank(value: Any) -> Any:
    return "" if value is None else value


@bp.get("/transparency/services.csv", endpoint="services_csv")
def services_csv_download() -> Response:
    """Applications and satisfaction surveys of a year as CSV (the same figures as the API)."""
    from portal.transparency.views import YearError, _bad_year, _cacheable, requested_year

    try:
        year = requested_year()
    except YearError as error:
        return _bad_year(error)
    response = make_response(services_csv(year))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=sqi-applications-surveys-{year}.csv")
    return _cacheable(response)


def section(year: int) -> Markup:
    """Render the page's section on applications and surveys."""
    found = figures(year)
    return Markup(render_template("transparency/_services.html", year=year,
                                  applications=found["applications"],
                                  surveys=found["surveys"],
                                  chart=survey_chart(found["surveys"])))
