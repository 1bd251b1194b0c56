"""Issues already in a database keep loading when the article record grows a field."""

from newsletter.storage.issues import article_from_json, article_to_json

from ..helpers import sample_articles


def test_an_article_stored_before_it_said_where_it_came_from_loads_as_from_a_feed():
    article = sample_articles()[0]
    stored = article_to_json(article)
    assert stored["origin"] == "feed"
    del stored["origin"]  # how every issue stored before issue 10 holds its articles
    assert article_from_json(stored) == article


def test_an_article_read_from_a_page_round_trips():
    import dataclasses
    article = dataclasses.replace(sample_articles()[1], origin="page")
    assert article_from_json(article_to_json(article)) == article
