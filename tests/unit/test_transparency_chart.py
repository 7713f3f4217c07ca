"""The server-drawn SVG bar chart of /transparency: well-formed, accessible, escaped, readable."""

import xml.etree.ElementTree as ET

import pytest

from portal.services.transparency_chart import (
    WIDTH,
    Group,
    Series,
    grouped_bar_chart,
    text_width,
    wrap,
)

SVG = "{http://www.w3.org/2000/svg}"
SERIES = (Series("Valid certificates", "Valid", "#0b4f8a"),
          Series("Newly issued certificates", "Newly issued", "#b35c00"))


def draw(groups, **extra) -> ET.Element:
    markup = grouped_bar_chart(title="Certificates, 2022", description="QMS 838 valid",
                               groups=groups, series=SERIES, **extra)
    return ET.fromstring(str(markup))  # raises unless well-formed XML


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_chart_is_well_formed_svg_named_by_its_title_and_description():
    svg = draw([Group("Quality management (QMS)", (838, 63))], chart_id="c1")

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Certificates, 2022"
    assert svg.find(f"{SVG}desc").text == "QMS 838 valid"
    assert svg.get("viewBox") == f"0 0 {WIDTH} {svg.get('height')}"


def test_every_value_is_written_with_its_series_name():
    svg = draw([Group("QMS", (838, 63)), Group("EMS", (1652, 0))], fmt="{:,}".format)

    assert {"Valid 838", "Newly issued 63", "Valid 1,652", "Newly issued 0"} <= set(texts(svg))
    assert texts(svg)[:2] == ["Valid certificates", "Newly issued certificates"]  # the legend


def test_bars_are_proportional_and_a_zero_draws_no_bar():
    svg = draw([Group("QMS", (800, 400)), Group("SRMS", (1, 0))])

    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")][len(SERIES):]

    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 2.0  # a count of 1 is still visible
    assert len(widths) == 3  # no bar for the zero


def test_labels_are_escaped():
    svg = draw([Group('<script>alert("x")</script> & Co', (1, 2))])

    assert '<script>alert("x")</script> & Co' in " ".join(texts(svg))
    assert svg.find(f".//{SVG}script") is None


def test_no_inline_style_attributes_for_the_csp():
    markup = str(grouped_bar_chart(title="t", description="d", groups=[Group("a", (1, 2))],
                                   series=SERIES))

    assert "style=" not in markup


@pytest.mark.parametrize("label", [
    "Occupational health and safety management system certification (OHSMS)",
    "中国职业健康安全管理体系认证（OHSMS）所有未列明的其他管理体系认证所有未列明的其他管理体系认证",
])
def test_long_labels_wrap_inside_the_drawing(label):
    lines = wrap(label, WIDTH - 16)

    assert len(lines) >= 2
    assert all(text_width(line) <= WIDTH - 16 for line in lines)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    svg = draw([Group(label, (5, 1))])
    assert [t for t in texts(svg) if t in lines] == lines


def test_every_group_needs_one_value_per_series():
    with pytest.raises(ValueError):
        grouped_bar_chart(title="t", description="d", groups=[Group("a", (1,))], series=SERIES)


def test_a_label_too_long_for_the_room_after_its_bar_goes_inside_it():
    series = (Series("Newly issued certificates", "Newly issued", "#b35c00"),)
    markup = grouped_bar_chart(title="t", description="d", groups=[Group("QMS", (1652,))],
                               series=series, fmt="{:,}".format)
    svg = ET.fromstring(str(markup))

    label = next(t for t in svg.iter(f"{SVG}text") if t.text.endswith("1,652"))

    assert label.get("text-anchor") == "end" and label.get("fill") == "#ffffff"
    assert text_width(label.text) <= float(label.get("x")) <= WIDTH
