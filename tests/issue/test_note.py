"""Staff's note to readers: a little Markdown, everything else escaped, in both parts."""

from newsletter.issue.note import note_html, note_text


def test_paragraphs_bold_and_links_become_markup_and_nothing_else_does():
    note = ("Holiday hours: **closed Dec 24-25**.\nCall us first.\n\n"
            "Meet [Dr. Rivera](https://clinic.example/team?x=1&y=2) <b>new</b>")
    html = str(note_html(note))
    assert html == ('<p>Holiday hours: <strong>closed Dec 24-25</strong>.<br>\nCall us first.'
                    '</p>\n<p>Meet <a href="https://clinic.example/team?x=1&amp;y=2">Dr. Rivera'
                    '</a> &lt;b&gt;new&lt;/b&gt;</p>')


def test_a_script_or_a_javascript_link_stays_text():
    html = str(note_html('<script>alert(1)</script> [x](javascript:alert(1)) "q"'))
    assert "<script" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "[x](javascript:alert(1))" in html


def test_the_plain_text_part_keeps_the_words_and_shows_the_link():
    assert note_text("**Closed** Friday. See [our hours](https://clinic.example/hours).") == (
        "Closed Friday. See our hours (https://clinic.example/hours).")


def test_no_note_is_no_markup():
    assert str(note_html("  \n ")) == "" and note_text("") == ""
