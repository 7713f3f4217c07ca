"""Content pages: Markdown files with front matter, rendered and sanitised."""

from datetime import date

import pytest

from portal.services import content


@pytest.fixture
def content_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(content, "CONTENT_DIR", tmp_path)
    monkeypatch.setattr(content, "ROOT", tmp_path.parent)
    return tmp_path


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_page_renders_sections_tables_and_review_date(content_dir):
    write(content_dir, "about.zh.md", "---\ntitle: 关于我们\ndescription: 简介\n"
          "last_reviewed: 2026-12-01\n---\n## 方针\n\n科学公正\n\n## Contacts\n\n"
          "| 项目 | 人数 |\n| --- | --: |\n| QMS | 48 |\n")
    page = content.load_page("about", "zh")
    assert page.title == "关于我们" and page.description == "简介"
    assert page.last_reviewed == date(2026, 12, 1)
    assert [s.title for s in page.sections] == ["方针", "Contacts"]
    assert '<h2 id="contacts">Contacts</h2>' in page.html
    assert '<th scope="col">项目</th>' in page.html
    assert '<td class="num">48</td>' in page.html  # alignment without an inline style


def test_raw_html_and_script_links_are_not_passed_through(content_dir):
    write(content_dir, "about.en.md", "---\ntitle: About\nlast_reviewed: 2026-12-01\n---\n"
          "<script>alert(1)</script>\n\n[bad](javascript:alert(1)) [good](/complaints/new)\n")
    html = content.load_page("about", "en").html
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert '<a href="/complaints/new">good</a>' in html


@pytest.mark.parametrize(("text", "problem"), [
    ("no front matter\n", "line 1: front matter"),
    ("---\ntitle: x\n---\nbody\n", "last_reviewed: missing"),
    ("---\ntitle: x\nlast_reviewed: 1 Dec\n---\nbody\n", "not a YYYY-MM-DD date"),
    ("---\ntitle x\nlast_reviewed: 2026-12-01\n---\n", "line 2: front matter"),
])
def test_malformed_files_name_the_file_and_the_problem(content_dir, text, problem):
    write(content_dir, "services.zh.md", text)
    with pytest.raises(content.ContentError, match=problem) as info:
        content.load_page("services", "zh")
    assert "services.zh.md" in str(info.value)


def test_unknown_page_or_language_is_refused(content_dir):
    with pytest.raises(content.ContentError):
        content.load_page("../../etc/passwd", "zh")
    with pytest.raises(content.ContentError):
        content.load_page("about", "fr")


def test_review_list_reports_missing_files(content_dir):
    write(content_dir, "about.zh.md", "---\ntitle: 关于我们\nlast_reviewed: 2025-01-02\n---\n")
    rows = {(r["url"].split("?")[0], r["lang"]): r for r in content.review_dates()}
    assert rows[("/about", "zh")]["last_reviewed"] == date(2025, 1, 2)
    assert rows[("/about", "en")]["last_reviewed"] is None
    assert len(rows) == 2 * len(content.PAGES)


def test_chinese_quoted_on_an_english_page_is_marked_as_chinese(content_dir):
    write(content_dir, "about.en.md", "---\ntitle: About\nlast_reviewed: 2026-12-01\n---\n"
          "Approved by 沪编（1992）213号 under the policy 科学公正、规范审核.\n")
    html = content.load_page("about", "en").html
    assert '<span lang="zh-CN">沪编（1992）213号</span>' in html
    assert '<span lang="zh-CN">科学公正、规范审核</span>.' in html
    write(content_dir, "about.zh.md", "---\ntitle: 关于\nlast_reviewed: 2026-12-01\n---\n中文\n")
    assert "<span" not in content.load_page("about", "zh").html
