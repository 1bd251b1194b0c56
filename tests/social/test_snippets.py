"""Snippets: never over a platform's limit whatever the feed says, the link never cut, the
hashtags within caps; and for the bundled feed, posts that read well."""

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.common.errors import TemplateError
from newsletter.common.model import Article, Image
from newsletter.common.templates import templates_dir
from newsletter.social.counting import PLATFORMS, fits
from newsletter.social.snippets import compose, compose_all, tagged_link

from ..helpers import sample_articles

CLINIC = "Advanced Physical Medicine of St. Charles"
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"
FLAG = "\U0001F1FA\U0001F1F8"
IMAGE = Image(url="https://clinic.example/img/a.jpg", alt="A therapist stretching a knee")

# Pieces that trip counters and cutters, mixed with arbitrary Unicode below.
TRICKY = [FAMILY, FLAG, "\U0001F44D\U0001F3FD", "1\u20e3", "腰痛", "物理療法。", "e\u0301",
          "שלום", "مرحبا", "\u202e", "\u200d", "&amp;", "<b>", "{{ 7*7 }}", "{% if %}",
          "#Tag", "@jo@physio.social", "clinic.com", "https://t.co/x", "…", ". ", "! ", " ",
          "\n", "W" * 80, "\ufffe", "\x00", "\ud800", "Dr. Glenn", "?"]
tricky_text = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=12)),
                       max_size=50).map("".join)
texts = st.one_of(st.text(max_size=300), tricky_text)
long_texts = st.one_of(texts, st.text(min_size=1, max_size=8).map(lambda s: s * 400))
hosts = st.sampled_from(["clinic.com", "advancedphysicalmedicine.example", "physio.clinic",
                         "bücher.de", "a.co", "news.clinic.health", "xn--bcher-kva.example"])
paths = st.one_of(st.text(max_size=60), st.text(min_size=1, max_size=6).map(lambda s: s * 700))
urls = st.builds(
    lambda scheme, host, path, query, fragment: f"{scheme}://{host}/{path}"
    + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else ""),
    st.sampled_from(["http", "https"]), hosts, paths,
    st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.text(max_size=20)))
articles = st.builds(
    lambda title, summary, categories, url, image: Article(
        id=url, title=title, url=url, summary=summary, categories=tuple(categories),
        image=image),
    texts, long_texts, st.lists(texts, max_size=8), urls, st.one_of(st.none(), st.just(IMAGE)))

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_postable(snippet, article):
    platform = PLATFORMS[snippet.platform]
    assert fits(platform, snippet.text), snippet
    assert snippet.length == platform.length(snippet.text) <= platform.limit
    assert snippet.limit == platform.limit
    assert snippet.link == tagged_link(article, snippet.platform)
    if snippet.link_in_text:
        assert snippet.link in snippet.text
    elif platform.link_in_text:
        assert any("link" in note for note in snippet.notes)
    else:
        assert snippet.link and not snippet.link_in_text
    assert len(snippet.hashtags) <= platform.hashtag_cap
    assert all(tag in snippet.text for tag in snippet.hashtags)


@PROPERTY
@given(articles)
def test_no_snippet_is_ever_over_its_limit_and_the_link_is_never_cut(article):
    snippets = compose_all((article,), clinic_name=CLINIC)
    assert [s.platform for s in snippets] == list(PLATFORMS) and len(snippets) == 8
    for snippet in snippets:
        assert_postable(snippet, article)


@PROPERTY
@given(urls)
def test_the_link_keeps_the_article_address_and_carries_the_platforms_tags(url):
    article = Article(id="a", title="Back pain", url=url, summary="Short.")
    assert len(PLATFORMS) == 8
    for name in PLATFORMS:
        link = tagged_link(article, name)
        query = parse_qs(urlsplit(link).query)
        assert query["utm_source"] == [name] and query["utm_medium"] == ["social"]
        assert link.isascii() or not urlsplit(link).hostname.isascii()
        assert urlsplit(link).hostname == urlsplit(url).hostname


def test_the_bundled_feeds_snippets_all_fit_and_read_well():
    feed = sample_articles()
    snippets = compose_all(feed, clinic_name=CLINIC)
    assert len(snippets) == len(feed) * 8
    for snippet in snippets:
        article = next(a for a in feed if a.id == snippet.article_id)
        assert_postable(snippet, article)
        assert snippet.text.startswith(article.title)
        assert snippet.image_url == article.image.url and snippet.image_alt == article.image.alt
        if snippet.limit >= 500:
            assert article.summary in snippet.text
        assert not snippet.notes


def lead(platform: str):
    return compose(sample_articles()[0], PLATFORMS[platform], clinic_name=CLINIC)


def test_the_lead_articles_x_post_has_title_link_and_two_hashtags_within_280():
    snippet = lead("x")
    assert snippet.length <= 280
    assert snippet.hashtags == ("#Acupuncture", "#BackPain")
    assert "utm_source=x&utm_medium=social&utm_campaign=acupuncture-for-back-pain" in snippet.text
    summary = snippet.text.split("\n\n")[1]
    assert sample_articles()[0].summary.startswith(summary)  # whole sentences, cut at one
    assert summary.endswith(".")


def test_instagram_says_link_in_bio_and_never_puts_a_url_in_the_caption():
    snippet = lead("instagram")
    assert "link in bio" in snippet.text
    assert "http" not in snippet.text and not snippet.link_in_text
    assert "utm_source=instagram" in snippet.link


def test_google_business_has_no_hashtags_and_its_link_is_the_button():
    snippet = lead("google_business")
    assert "#" not in snippet.text and snippet.hashtags == ()
    assert "http" not in snippet.text and "utm_source=google_business" in snippet.link


def test_linkedin_api_text_escapes_its_reserved_characters_and_keeps_hashtags_clickable():
    article = Article(id="a", title="Knee (ACL) care: [part 1] <new> *tips* ~ a_b | {x} @team",
                      url="https://clinic.com/knee", summary="Why \\ matters.",
                      categories=("knee pain",))
    snippet = compose(article, PLATFORMS["linkedin"], clinic_name=CLINIC)
    assert snippet.api_text.startswith(
        r"Knee \(ACL\) care: \[part 1\] \<new\> \*tips\* \~ a\_b \| \{x\} \@team")
    assert "Why \\\\ matters." in snippet.api_text
    assert snippet.api_text.endswith("{hashtag|#|KneePain}")
    assert "utm\\_source=linkedin" in snippet.api_text
    assert snippet.text.endswith("#KneePain")


def test_bluesky_facets_point_at_the_link_and_hashtags_in_utf8_bytes():
    article = Article(id="a", title="腰痛 " + FAMILY + " relief", url="https://clinic.com/back",
                      summary="Short.", categories=("back pain", "acupuncture"))
    snippet = compose(article, PLATFORMS["bluesky"], clinic_name=CLINIC)
    data = snippet.text.encode("utf-8")
    spans = {(f.kind, f.value): data[f.byte_start:f.byte_end].decode() for f in snippet.facets}
    assert spans == {("link", snippet.link): snippet.link, ("tag", "BackPain"): "#BackPain",
                     ("tag", "Acupuncture"): "#Acupuncture"}
    assert snippet.facets[0].to_json()["features"][0]["$type"] == "app.bsky.richtext.facet#link"


def test_utm_tags_keep_the_existing_query_and_put_the_fragment_last():
    article = Article(id="a", title="T", url="https://clinic.com/blog/Knee-Care.html?id=7#top",
                      summary="")
    assert tagged_link(article, "mastodon") == (
        "https://clinic.com/blog/Knee-Care.html?id=7&utm_source=mastodon&utm_medium=social"
        "&utm_campaign=knee-care#top")


def test_a_slugless_address_takes_its_campaign_from_the_title():
    article = Article(id="a", title="Can Acupuncture Help?", url="https://clinic.com/?p=12",
                      summary="")
    assert "utm_campaign=can-acupuncture-help" in tagged_link(article, "x")


def test_hashtags_go_before_the_title_is_cut():
    title = " ".join(["word"] * 50)  # 249 characters: fits on X with the link, not with tags
    article = Article(id="a", title=title, url="https://clinic.com/a", summary="More here.",
                      categories=("back pain", "knee"))
    snippet = compose(article, PLATFORMS["x"], clinic_name=CLINIC)
    assert snippet.text.startswith(title) and snippet.hashtags == ()
    assert snippet.link_in_text


def test_a_link_too_long_for_the_text_leaves_it_whole_for_the_card():
    article = Article(id="a", title="Back pain", url="https://clinic.com/" + "p" * 400,
                      summary="Short.", categories=("back pain",))
    snippet = compose(article, PLATFORMS["bluesky"], clinic_name=CLINIC)
    assert not snippet.link_in_text and "clinic.com" not in snippet.text
    assert snippet.link.startswith("https://clinic.com/" + "p" * 400 + "?utm_source=bluesky")
    assert snippet.notes and snippet.text.startswith("Back pain")
    assert compose(article, PLATFORMS["mastodon"], clinic_name=CLINIC).link_in_text  # 23


@pytest.mark.parametrize("title, summary", [
    (FAMILY * 3 + " family day", ""),
    ("腰痛の治療" * 40, "物理療法は腰痛に効果があります。" * 30),
    ("ألم الظهر والعلاج", "العلاج الطبيعي يساعد. " * 40),
    ("Fish &amp; chips &lt;3", "Entities stay as text &amp; are never decoded twice."),
    ("W" * 2000, "X" * 5000),
    ("{{ 7*7 }} {% raw %}", "{{ clinic_name }}"),
])
def test_hostile_text_still_makes_a_valid_snippet_everywhere(title, summary):
    article = Article(id="a", title=title, url="https://clinic.com/a", summary=summary)
    snippets = compose_all((article,), clinic_name=CLINIC)
    assert [s.platform for s in snippets] == list(PLATFORMS) and len(snippets) == 8
    for snippet in snippets:
        assert_postable(snippet, article)
        assert "49" not in snippet.text and CLINIC not in snippet.text.split("\n")[0]


def test_an_article_without_image_or_categories_makes_plain_snippets():
    article = Article(id="a", title="Back pain", url="https://clinic.com/a", summary="")
    for snippet in compose_all((article,), clinic_name=CLINIC):
        assert snippet.image_url == "" and snippet.hashtags == ()
        assert fits(PLATFORMS[snippet.platform], snippet.text)
    assert compose(article, PLATFORMS["instagram"], clinic_name=CLINIC).notes == (
        "Instagram needs an image; the article has none",)


@pytest.fixture
def own_templates(tmp_path):
    shutil.copytree(templates_dir() / "social", tmp_path / "social")
    return tmp_path


@pytest.mark.parametrize("content, message", [
    ("{{ title }", "x.txt, line 1: unexpected '}'"),
    ("{{ title }}\n{{ subtitle }}\n", "x.txt, line 2: 'subtitle' is undefined"),
    ("{{ title }}\n{{ title|nosuchfilter }}", "x.txt, line 2: No filter named 'nosuchfilter'"),
    ("{{ 'x' * 300 }}{{ title }}", "x.txt: even the shortest post"),
])
def test_a_broken_template_is_a_clear_error_naming_the_file(own_templates, content, message):
    (own_templates / "social" / "x.txt").write_text(content, encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        compose(sample_articles()[0], PLATFORMS["x"], clinic_name=CLINIC,
                templates=own_templates)
    assert message in str(raised.value)
    assert str(own_templates / "social" / "x.txt") in str(raised.value)


def test_a_missing_template_is_a_clear_error(own_templates):
    (own_templates / "social" / "threads.txt").unlink()
    with pytest.raises(TemplateError, match="threads.txt: the template is missing"):
        compose(sample_articles()[0], PLATFORMS["threads"], clinic_name=CLINIC,
                templates=own_templates)


def test_a_spanish_clinics_snippets_say_their_fixed_words_in_spanish_within_each_limit():
    """The templates' fixed words go through the catalogs like the email's: a Spanish clinic
    posts "Lea el artículo", never "Read the article"; the article's own words stay."""
    lead = sample_articles()[0]
    spanish = {s.platform: s for s in compose_all((lead,), clinic_name=CLINIC, language="es")}
    english = {s.platform: s for s in compose_all((lead,), clinic_name=CLINIC)}
    assert "Lea el artículo: https://" in spanish["facebook"].text
    assert "Lea el artículo completo: enlace en la biografía." in spanish["instagram"].text
    assert f"Lea el artículo completo de {CLINIC}: https://" in spanish["linkedin"].text
    assert f"Toque «Más información» para leer el artículo completo de {CLINIC}." in \
        spanish["google_business"].text
    for name, snippet in spanish.items():
        assert "Read" not in snippet.text and "article" not in snippet.text, name
        assert fits(PLATFORMS[name], snippet.text), name
        assert snippet.text.split("\n")[0] == english[name].text.split("\n")[0]  # the title
        assert snippet.link == english[name].link
    untitled = Article(id="u", title="", url="https://clinic.com/u", summary="Ice, then heat.")
    assert compose(untitled, PLATFORMS["mastodon"], clinic_name=CLINIC, language="es"
                   ).text.startswith("Novedades en nuestro blog")
