"""Clinic newsletter: a blog feed in, a newsletter email and social snippets out, sent on
schedule.

One subpackage per stage of the pipeline, each allowed to import only the rooms below it
(tests/test_layout.py holds every room to this):

    common                          the vocabulary: records, errors, settings, text, links
    feed   social   storage         reading the blog; posts for the networks; the database
    issue                           the next issue: built, rendered, previewed, approved
    audience                        who gets it
    mail                            the mail server, and the mail that comes back
    delivery                        sending an issue to everyone, exactly once
    schedule                        sends on time, once
    web   cli                       the two front doors
"""

__version__ = "0.1.0"
