"""Feed HTML to plain text, and plain text cut to a length: the pure helpers under every field."""

import re

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsletter.common.text import ELLIPSIS, clean_chars, cut, html_to_text, one_line

# --- html_to_text ---------------------------------------------------------------------------

def test_script_and_style_are_dropped_with_their_text():
    html = ("<p>Before.</p><script>var STOLEN = document.cookie;</script>"
            "<style>body { display: none } /* STYLE_TEXT */</style><p>After.</p>")
    assert html_to_text(html) == "Before.\nAfter."


def test_comments_are_dropped_with_their_text_including_outlook_conditionals():
    html = "<p>Before.</p><!-- SECRET --><!--[if mso]>MSO_ONLY<![endif]--><p>After.</p>"
    assert html_to_text(html) == "Before.\nAfter."


def test_text_after_a_dropped_element_is_kept():
    assert html_to_text("<p>Call <script>x()</script>us today.</p>") == "Call us today."
    assert html_to_text("<p>Call <!-- note -->us today.</p>") == "Call us today."


@pytest.mark.parametrize("hidden", [
    '<span hidden>HIDDEN_TEXT</span>',
    '<span style="display:none">HIDDEN_TEXT</span>',
    '<div style="color: red; DISPLAY : NONE">HIDDEN_TEXT</div>',
    '<p style="visibility:hidden">HIDDEN_TEXT</p>',
    '<div style="display:none"><p>HIDDEN_TEXT <b>nested</b></p></div>',
])
def test_hidden_elements_are_dropped_with_their_text(hidden):
    text = html_to_text(f"<p>Shown.</p>{hidden}<p>Also shown.</p>")
    assert "HIDDEN_TEXT" not in text and "nested" not in text
    assert text == "Shown.\nAlso shown."


def test_an_overlay_fixed_over_the_page_is_not_article_text():
    html = ('<p>Shown.</p><div style="position:fixed;top:0;left:0;width:100%;height:100%">'
            "Your session expired. Log in again.</div><p>Also shown.</p>")
    assert html_to_text(html) == "Shown.\nAlso shown."


@pytest.mark.parametrize("element", [
    '<iframe src="https://evil.example/">IFRAME_TEXT</iframe>',
    '<object data="x.swf"><param name="a" value="b">OBJECT_TEXT</object>',
    '<form action="https://evil.example/"><input name="pw"><button>FORM_TEXT</button></form>',
    "<select><option>OPTION_TEXT</option></select>",
    "<textarea>TEXTAREA_TEXT</textarea>",
    "<svg><script>SVG_TEXT</script><text>SVG_TEXT</text></svg>",
    "<noscript>NOSCRIPT_TEXT</noscript>",
    "<template>TEMPLATE_TEXT</template>",
    "<video>VIDEO_TEXT fallback</video>",
])
def test_embedded_documents_and_form_controls_leave_no_text(element):
    text = html_to_text(f"<p>Before.</p>{element}<p>After.</p>")
    assert text == "Before.\nAfter."


def test_void_embed_does_not_swallow_the_text_after_it():
    # lxml's HTML parser does not know <embed> is empty and nests what follows inside it.
    html = '<p>Before.</p><embed src="https://evil.example/movie.swf"><p>After.</p>'
    assert html_to_text(html) == "Before.\nAfter."


def test_paragraphs_headings_list_items_and_breaks_are_lines_inline_markup_is_not():
    html = ("<h2>Heading</h2><p>One <b>bold</b> and <a href='/x'>linked</a> word.</p>"
            "<ul><li>First</li><li>Second</li></ul><p>Line<br>break</p>")
    assert html_to_text(html) == "Heading\nOne bold and linked word.\nFirst\nSecond\nLine\nbreak"


def test_a_block_starts_a_line_even_after_loose_text():
    assert html_to_text("Intro<p>Para.</p>Outro") == "Intro\nPara.\nOutro"
    assert html_to_text("<ul><li>One<ul><li>Nested</li></ul></li></ul>") == "One\nNested"


def test_entities_are_decoded_once():
    html = "<p>Fish &amp; Chips &lt;b&gt; caf&eacute; &#8212; &#x1F9E9; a&nbsp;b</p>"
    assert html_to_text(html) == "Fish & Chips <b> café — \U0001F9E9 a b"
    # a double-escaped ampersand in HTML is the literal text "&amp;"
    assert html_to_text("<p>Fish &amp;amp; Chips</p>") == "Fish &amp; Chips"


def test_plain_text_is_normalised_but_kept():
    assert html_to_text("  Two   spaces\n\n\nand\ttabs  ") == "Two spaces\nand tabs"


def test_blank_input_is_empty_text():
    for blank in ("", "   ", "\n\t", "<p> </p>", "<!-- only a comment -->", "<script>x()</script>"):
        assert html_to_text(blank) == ""


def test_control_bidi_and_placeholder_characters_are_cleaned_in_html():
    text = html_to_text("<p>a\x01b &#x202E;c %%NAME%% d\u0085e</p>")
    assert text == "ab c %NAME% d e"


# --- one_line and clean_chars ---------------------------------------------------------------

def test_one_line_joins_every_kind_of_line_break():
    assert one_line("Subject\r\nBcc: victim@evil.example") == "Subject Bcc: victim@evil.example"
    assert one_line("a\rb\nc\u2028d\u2029e\u0085f\x0bg\x0ch") == "a b c d e f g h"


def test_one_line_collapses_spaces_and_trims():
    assert one_line("  Dr.\u00a0\u00a0Glenn \t Smith  ") == "Dr. Glenn Smith"


def test_one_line_cleans_characters_too():
    assert one_line("%%UNSUBSCRIBE_URL%%\x00 \u202eevil") == "%UNSUBSCRIBE_URL% evil"


def test_clean_chars_drops_controls_but_keeps_tab_and_newline():
    assert clean_chars("a\x00b\x08c\x1fd\x7fe\x80f\x9fg") == "abcdefg"
    assert clean_chars("a\tb\nc") == "a\tb\nc"


def test_clean_chars_turns_line_like_controls_into_spaces():
    assert clean_chars("a\x0bb\x0cc\x85d") == "a b c d"


def test_clean_chars_drops_bidi_overrides_isolates_and_bom():
    assert clean_chars("\ufeffreport\u202efdp.exe") == "reportfdp.exe"
    assert clean_chars("".join(chr(c) for c in range(0x202A, 0x202F))) == ""
    assert clean_chars("".join(chr(c) for c in range(0x2066, 0x206A))) == ""


def test_clean_chars_never_leaves_a_placeholder_opener():
    assert clean_chars("%%UNSUBSCRIBE_URL%%") == "%UNSUBSCRIBE_URL%"
    assert clean_chars("100%%% sure") == "100% sure"
    assert clean_chars("%\x00%") == "%"  # removing a control must not create one either


def test_clean_chars_keeps_real_text():
    text = "👩\u200d⚕️ 🇺🇸 e\u0301 a\u200db العلاج פיזיותרפיה 日本語 “quotes” – € 100%"
    assert clean_chars(text) == text


@given(st.text())
def test_clean_chars_result_has_no_unwanted_characters(text):
    cleaned = clean_chars(text)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]", cleaned)
    assert "%%" not in cleaned


@given(st.text())
def test_one_line_result_is_one_clean_line(text):
    line = one_line(text)
    assert not re.search("[\r\n\u2028\u2029\x00-\x1f\x7f-\x9f]", line)
    assert "%%" not in line and line == line.strip()


@given(st.text())
def test_html_to_text_never_fails_and_cleans_characters(text):
    result = html_to_text(text)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result)
    assert "%%" not in result


# --- cut --------------------------------------------------------------------------------------

def _normalized(text):
    return " ".join(text.split())


def _boundaries(text):
    """Every index where a grapheme cluster starts or ends."""
    return {0} | {m.end() for m in regex.finditer(r"\X", text)}


GRAPHEME_SAMPLES = ["👩\u200d⚕️", "🇺🇸", "e\u0301", "👨\u200d👩\u200d👧", "🏃🏽\u200d♀️", "\u0600 "]
tricky_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(
    GRAPHEME_SAMPLES + [" ", ". ", "! ", '." ', ", ", " - ", "…", "Dr. ", "world.com"])),
    max_size=40).map("".join)


@settings(max_examples=500)
@given(text=st.one_of(st.text(), tricky_text), limit=st.integers(min_value=1, max_value=120))
@example(text="Hello world.com is great today", limit=12)
@example(text='He said "hi." Then more words follow here', limit=12)
@example(text="Hi there.\u0301 more words", limit=9)
@example(text="a\u0600 b c d e", limit=4)
@example(text="ab\u0600- cd ef", limit=6)
@example(text="👩\u200d⚕️👩\u200d⚕️👩\u200d⚕️", limit=6)
def test_cut_properties(text, limit):
    result = cut(text, limit)
    norm = _normalized(text)
    assert len(result) <= limit
    if len(norm) <= limit:
        assert result == norm
        return
    kept = result[:-len(ELLIPSIS)] if result.endswith(ELLIPSIS) else result
    assert norm.startswith(kept), "the result is a prefix of the normalized input"
    assert len(kept) in _boundaries(norm), "a grapheme cluster was split"
    # A space in the room is a place to cut unless it belongs to the grapheme cluster before
    # it (after a prepended mark such as U+0600): there the grapheme rule wins.
    bounds = _boundaries(norm)
    if limit >= 2 and any(c == " " and i in bounds for i, c in enumerate(norm[:limit])):
        rest = norm[len(kept):]
        # punctuation dropped before the ellipsis is not part of a word
        assert re.match(r"[,;:–—-]*( |$)", rest), f"a word was split: {kept!r} | {rest!r}"


@pytest.mark.parametrize("grapheme", ["👩\u200d⚕️", "🇺🇸", "e\u0301"])
def test_cut_never_splits_a_grapheme_cluster(grapheme):
    text = grapheme * 10
    for limit in range(1, len(text)):
        result = cut(text, limit).removesuffix(ELLIPSIS)
        assert len(result) % len(grapheme) == 0, (limit, result)
        assert result == grapheme * (len(result) // len(grapheme))


def test_cut_leaves_short_text_whole_but_normalises_its_spaces():
    assert cut("  Short\n text  ", 240) == "Short text"
    assert cut("exactly ten", 11) == "exactly ten"


def test_cut_prefers_whole_sentences_that_fill_half_the_room():
    text = "Rest helps. Ice helps too. Gentle movement helps most of all in the long run."
    assert cut(text, 30) == "Rest helps. Ice helps too."
    assert cut(text, 26) == "Rest helps. Ice helps too."  # the sentence end exactly at the limit


def test_cut_uses_words_and_an_ellipsis_when_the_sentence_would_waste_the_room():
    text = "Rest helps. Ice and gentle movement help most of all in the long run."
    assert cut(text, 40) == "Rest helps. Ice and gentle movement…"
    assert len(cut(text, 40)) <= 40


def test_cut_sentence_end_must_really_end_the_sentence():
    assert cut("Visit our site.com page for a full list of hours", 15) == "Visit our…"
    assert cut('He said "rest." Then he left the clinic', 16) == 'He said "rest."'
    assert cut('He said "rest." Then he left the clinic', 14) == "He said…"  # not '"rest.'


def test_cut_drops_trailing_punctuation_before_the_ellipsis():
    assert cut("Knees, hips, ankles and shoulders", 14) == "Knees, hips…"
    assert cut("Warm up — then stretch slowly and gently", 11) == "Warm up…"


def test_cut_breaks_a_word_longer_than_the_room():
    assert cut("PhysicalTherapy" * 20, 10) == "PhysicalT…"


def test_cut_to_a_tiny_limit():
    assert cut("Hello world", 1) == "H"
    assert cut("👩\u200d⚕️ team", 1) == ""
