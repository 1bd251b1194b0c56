"""linkfinder on its own: where X sees a link (twitter-text's rules: a known TLD, DNS-sized
labels, at most 4,096 characters, no trailing prose punctuation, bare domains only when X
would link them) and where a permissive linker such as Mastodon does. Spans are checked as
the substrings they cut out, so a wrong index shows as a wrong piece of text."""

import pytest

from newsletter.social.linkfinder import MAX_LABEL, MAX_URL, scheme_links, x_link_spans


def x_links(text: str) -> list[str]:
    return [text[start:end] for start, end in x_link_spans(text)]


def mastodon_links(text: str) -> list[str]:
    return [text[start:end] for start, end in scheme_links(text)]


# --- X: links with a scheme -------------------------------------------------------------------

@pytest.mark.parametrize("text, links", [
    ("https://clinic.com", ["https://clinic.com"]),
    ("Read http://clinic.com/blog/back-pain today", ["http://clinic.com/blog/back-pain"]),
    ("see https://clinic.com/a?utm_source=x&utm_medium=social#top now",
     ["https://clinic.com/a?utm_source=x&utm_medium=social#top"]),
    ("at https://clinic.com:8080/book", ["https://clinic.com:8080/book"]),
    ("HTTPS://CLINIC.COM/A", ["HTTPS://CLINIC.COM/A"]),
    ("https://www.clinic.org/ and http://news.clinic.co.uk/x",
     ["https://www.clinic.org/", "http://news.clinic.co.uk/x"]),
    ("http://t.co http://t.co", ["http://t.co", "http://t.co"]),
    ("https://clinic.com/?77e8fd", ["https://clinic.com/?77e8fd"]),
    ("https://clinic.com?#foo text", ["https://clinic.com?#foo"]),
    ("https://xn--ls8h.la/", ["https://xn--ls8h.la/"]),
])
def test_a_link_with_a_scheme_runs_over_its_path_query_fragment_and_port(text, links):
    assert x_links(text) == links


def test_spans_are_code_point_offsets_into_the_text():
    text = "🩺 Back pain 腰痛: https://clinic.com/a and clinic.org"
    spans = x_link_spans(text)
    assert spans == [(text.index("https"), text.index(" and")),
                     (text.index("clinic.org"), len(text))]


def test_a_text_without_a_dot_has_no_link():
    assert x_link_spans("https://localhost/ and http://intranet") == []
    assert x_link_spans("") == []


# --- X: top-level domains ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "https://clinic.example/blog",      # .example is reserved, never a TLD
    "https://clinic.test", "http://no-tld", "http://tld-too-short.x", "https://clinic.baz",
    "https://clinic.comm", "https://clinic.c_o_m",
    "ftp://clinic.com/file",            # only http and https
])
def test_no_link_without_a_known_top_level_domain_or_scheme(text):
    assert x_links(text) == []


def test_a_non_ascii_or_punycode_tld_is_known_with_a_scheme():
    text = "https://foobar.みんな/ https://foobar.中国/ https://foobar.پاکستان/ https://a.xn--p1ai"
    assert x_links(text) == ["https://foobar.みんな/", "https://foobar.中国/",
                             "https://foobar.پاکستان/", "https://a.xn--p1ai"]


@pytest.mark.parametrize("text, links", [
    ("https://clinic.com-and-more", []),
    ("clinic.com-and-more", []),
    ("clinic.com+more", []),
    ("clinic.comedy", []),  # .comedy is no TLD, and .com must not run on into a word
    ("clinic.com/", ["clinic.com/"]),
])
def test_a_tld_must_not_run_on_into_more_of_a_word(text, links):
    assert x_links(text) == links


# --- X: links without a scheme ----------------------------------------------------------------

def test_a_bare_domain_on_a_generic_tld_is_a_link():
    assert x_links("clinic.com clinic.net clinic.org clinic.edu clinic.gov clinic.health") == [
        "clinic.com", "clinic.net", "clinic.org", "clinic.edu", "clinic.gov", "clinic.health"]
    assert x_links("Visit CLINIC.com today") == ["CLINIC.com"]


def test_a_bare_country_domain_needs_a_path_or_a_subdomain_tld_or_to_be_co_or_tv():
    assert x_links("clinic.jp it.so clinic.de") == []
    assert x_links("clinic.jp/a it.so/abcde") == ["clinic.jp/a", "it.so/abcde"]
    assert x_links("clinic.co.jp www.clinic.co.uk") == ["clinic.co.jp", "www.clinic.co.uk"]
    assert x_links("MLB.tv vine.co twitch.tv t.co") == ["MLB.tv", "vine.co", "twitch.tv", "t.co"]


def test_a_bare_link_keeps_its_path_but_a_query_alone_is_not_part_of_it():
    """As X does: the path makes the link longer; a query right after the domain does not."""
    assert x_links("read clinic.com/blog/back-pain?x=1 now") == ["clinic.com/blog/back-pain?x=1"]
    assert x_links("clinic.com?x=1") == ["clinic.com"]


def test_a_bare_domain_counts_only_with_an_ascii_or_latin_name():
    assert x_links("ELPAÍS.com bücher.com") == ["ELPAÍS.com", "bücher.com"]
    assert x_links("例え.com 例え.com/x") == []
    assert x_links("https://例え.com https://bücher.de") == ["https://例え.com",
                                                             "https://bücher.de"]


@pytest.mark.parametrize("text", [
    "x_clinic.com", "see -clinic.com", "path/clinic.com", "a..clinic.com",
    "#clinic.com", "@clinic.com", "$clinic.com", "#https://clinic.com", "@https://clinic.com",
    "$https://clinic.com", "xhttps://clinic.com", "1https://clinic.com",
])
def test_no_link_starts_inside_a_word_handle_hashtag_or_cashtag(text):
    assert x_links(text) == []


@pytest.mark.parametrize("text", [
    "mail@clinic.com", "front.desk@clinic.org", "john.doe.gov@mail.com", "john.doe.jp@mail.com",
    "@jo@physio.social", "node.js", "long.test.tar.bz2", "report.pdf",
])
def test_addresses_mentions_and_file_names_are_not_links(text):
    assert x_links(text) == []


def test_a_bare_link_after_a_broken_scheme_is_still_seen():
    assert x_links("Try http:// clinic.com/path") == ["clinic.com/path"]


# --- X: label and length limits ---------------------------------------------------------------

def test_no_label_may_be_longer_than_63_characters():
    assert MAX_LABEL == 63
    fits, too_long = "a" * 63, "a" * 64
    assert x_links(f"https://{fits}.com") == [f"https://{fits}.com"]
    assert x_links(f"https://{too_long}.com") == []
    assert x_links(f"{fits}.com") == [f"{fits}.com"]
    assert x_links(f"{too_long}.com") == []
    assert x_links(f"https://www.{too_long}.clinic.com") == []


def test_a_non_ascii_label_is_measured_once_punycode_encoded():
    """58 ü are 58 characters but 64 once encoded (xn--tda...), one too many; 57 fit."""
    fits, too_long = "ü" * 57, "ü" * 58
    assert len("xn--" + fits.encode("punycode").decode()) == MAX_LABEL
    assert len("xn--" + too_long.encode("punycode").decode()) == MAX_LABEL + 1
    assert x_links(f"https://{fits}.de") == [f"https://{fits}.de"]
    assert x_links(f"https://{too_long}.de") == []
    assert x_links("https://bücher.de/a") == ["https://bücher.de/a"]


@pytest.mark.parametrize("text", [
    "http://-leadingdash.clinic.com", "http://trailingdash-.clinic.com",
    "http://_leadingunderscore.clinic.com", "http://trailingunderscore_.clinic.com",
    "http://-clinic.com", "http://clinic-.com", "http://clinic_underscore.com",
])
def test_labels_may_not_start_or_end_with_a_hyphen_or_underscore(text):
    assert x_links(text) == []


def test_hyphens_and_underscores_inside_labels_are_fine():
    assert x_links("http://sub_domain-dash.clinic.com http://a-b.c.com http://a.b.cd") == [
        "http://sub_domain-dash.clinic.com", "http://a-b.c.com", "http://a.b.cd"]


def test_a_link_with_a_scheme_is_at_most_4096_characters():
    assert MAX_URL == 4096
    head = "https://clinic.com/"
    longest = head + "a" * (MAX_URL - len(head))
    assert x_links(longest) == [longest]
    assert x_links(longest + "a") == []


def test_a_bare_link_is_measured_as_x_does_with_https_in_front():
    """X adds https:// to a link without a scheme before it checks the 4,096 limit; a longer
    bare link is no link and counts in full, not as 23."""
    head = "clinic.com/"
    longest = head + "a" * (MAX_URL - len("https://") - len(head))
    assert x_links(longest) == [longest]
    assert x_links(longest + "a") == []
    assert x_links("see " + head + "a" * 5000) == []


# --- X: where a link ends ---------------------------------------------------------------------

@pytest.mark.parametrize("text, link", [
    ("Read https://clinic.com/a.", "https://clinic.com/a"),
    ("Read https://clinic.com/a, then", "https://clinic.com/a"),
    ("Really https://clinic.com/a!", "https://clinic.com/a"),
    ("Seen https://clinic.com/a?", "https://clinic.com/a"),
    ("At https://clinic.com/a: open", "https://clinic.com/a"),
    ("At https://clinic.com/a; open", "https://clinic.com/a"),
    ("'https://clinic.com/a'", "https://clinic.com/a"),
    ('"https://clinic.com/a"', "https://clinic.com/a"),
    ("“https://clinic.com/a”", "https://clinic.com/a"),
    ("Visit clinic.com.", "clinic.com"),
    ("Periods https://clinic.com/path" + "." * 40, "https://clinic.com/path"),
    ("Commas https://clinic.com/" + "," * 40, "https://clinic.com/"),
    ("Bangs https://clinic.com/path/" + "!" * 40, "https://clinic.com/path/"),
    ("https://clinic.com/#", "https://clinic.com/#"),
    ("https://clinic.com/a/", "https://clinic.com/a/"),
    ("https://clinic.com/a+ more", "https://clinic.com/a+"),
    ("https://clinic.com/a- more", "https://clinic.com/a-"),
    ("https://clinic.com/a= more", "https://clinic.com/a="),
    ("https://clinic.com/path-with-period./", "https://clinic.com/path-with-period./"),
    ("https://clinic.com/~ana+%ff-,.;x", "https://clinic.com/~ana+%ff-,.;x"),
    ("https://clinic.com/bar-path/some.stm?p1=foo;p2=P1|0||P2|0",
     "https://clinic.com/bar-path/some.stm?p1=foo;p2=P1|0||P2|0"),
])
def test_a_link_ends_before_the_punctuation_that_follows_it_in_prose(text, link):
    assert x_links(text) == [link]


@pytest.mark.parametrize("text, link", [
    ("https://en.wikipedia.org/wiki/Primer_(film)", "https://en.wikipedia.org/wiki/Primer_(film)"),
    ("https://clinic.com/a_(b)_c more", "https://clinic.com/a_(b)_c"),
    ("https://msdn.microsoft.com/library/system.net(v=VS.100).aspx",
     "https://msdn.microsoft.com/library/system.net(v=VS.100).aspx"),
    ("https://clinic.com/a((b))", "https://clinic.com/a((b))"),
    ("(see https://clinic.com/a)", "https://clinic.com/a"),
    ("(https://clinic.com)", "https://clinic.com"),
    ("(see clinic.com/blog)", "clinic.com/blog"),
    ("https://clinic.com/a) b", "https://clinic.com/a"),
])
def test_balanced_parentheses_belong_to_a_link_and_others_do_not(text, link):
    assert x_links(text) == [link]


@pytest.mark.parametrize("text, links", [
    ("Go to https://clinic.com/Русские_слова", ["https://clinic.com/Русские_слова"]),
    ("https://clinic.com/café-crème", ["https://clinic.com/café-crème"]),
    ("https://clinic.com/これは日本語です", ["https://clinic.com/"]),
    ("https://clinic.com/a—b", ["https://clinic.com/a"]),
    ("https://clinic.com/a\u00a0b", ["https://clinic.com/a"]),
    ("https://clinic.com/a\u3000b", ["https://clinic.com/a"]),
    ("https://clinic.com/a\u200eb", ["https://clinic.com/a"]),
    ("https://clinic.com/a\nclinic.org", ["https://clinic.com/a", "clinic.org"]),
    ("twitter.comこれは日本語です", ["twitter.com"]),
    ("clinic.com,clinic.org", ["clinic.com", "clinic.org"]),
])
def test_non_ascii_letters_in_a_path_stay_while_other_scripts_and_spaces_end_it(text, links):
    assert x_links(text) == links


def test_a_tco_link_ends_where_its_slug_does():
    """X's own shortener: the link is https://t.co/ and letters and digits, nothing more,
    so an apostrophe or hyphen right after it counts on its own."""
    text = "I like http://t.co/pbY2NfTZ's site, http://t.co/FNkPfmii- and https://t.co/ulYGBYSo:"
    assert x_links(text) == ["http://t.co/pbY2NfTZ", "http://t.co/FNkPfmii",
                             "https://t.co/ulYGBYSo"]


def test_a_tco_link_with_a_slug_over_40_characters_is_no_link():
    assert x_links("https://t.co/" + "a" * 40) == ["https://t.co/" + "a" * 40]
    assert x_links("https://t.co/" + "a" * 41) == []


@pytest.mark.parametrize("text, seen_by_x", [
    ("http://domain.com-that-you-should-have-put-a-space-after", ["http://domain.com"]),
    ("これは日本語です。example.com/path/index.html中国語example.com/path한국",
     ["example.com/path/index.html", "example.com/path"]),
    ("中国語t.co/abcde한국twitter.com", ["t.co/abcde", "twitter.com"]),
])
def test_where_it_is_not_exact_it_sees_fewer_links_than_x_never_other_ones(text, seen_by_x):
    """The module's stated fallback: a link X would see may be missed, but nothing X would not
    see is taken for a link."""
    found = x_links(text)
    assert len(found) < len(seen_by_x)
    assert all(link in seen_by_x for link in found)


# --- Mastodon: any http(s) link up to the first space -----------------------------------------

@pytest.mark.parametrize("text, links", [
    ("see https://clinic.example/a now", ["https://clinic.example/a"]),
    ("https://localhost:8080/x", ["https://localhost:8080/x"]),  # no TLD check at all
    ("HTTP://C.EXAMPLE/A", ["HTTP://C.EXAMPLE/A"]),
    ("https://bücher.de/straße", ["https://bücher.de/straße"]),
    ("https://c.example/a,b;c'd", ["https://c.example/a,b;c'd"]),
    ("https://c.example/" + "x" * 5000, ["https://c.example/" + "x" * 5000]),
    ("a https://x.example b http://y.example/c!", ["https://x.example", "http://y.example/c"]),
])
def test_scheme_links_run_to_the_first_space_whatever_the_host(text, links):
    assert mastodon_links(text) == links


@pytest.mark.parametrize("end", list(".,:;!?'’”)]}") + ['"', "...", ").", "?!"])
def test_scheme_links_leave_out_the_punctuation_that_ends_a_sentence(end):
    assert mastodon_links(f"Read https://c.example/a{end} next") == ["https://c.example/a"]


def test_scheme_links_stop_at_markup_quotes_and_whitespace():
    assert mastodon_links('<https://c.example/a> href="https://c.example/b"') == [
        "https://c.example/a", "https://c.example/b"]
    assert mastodon_links("https://c.example/a\tb https://c.example/c\nd") == [
        "https://c.example/a", "https://c.example/c"]


@pytest.mark.parametrize("text", [
    "xhttps://c.example", "ahttp://c.example", "_https://c.example", "@https://c.example",
    "/https://c.example", "ftp://c.example", "https:// c.example", "https://", "c.example/a",
])
def test_scheme_links_need_http_or_https_at_a_word_boundary_and_something_after(text):
    assert mastodon_links(text) == []
