"""Reading the blog: fetch its feed or its pages, parse them into `Article` records,
summarize each, pick its lead image, curate which are new; the evergreen list; whether the
feed's health is worth telling staff about.

May import common/ only. The edges are fetch.py (the only HTTP here), reader.py (which asks
through the fetcher it is handed) and `evergreen.load_evergreen` (one file); the rest is
pure: bytes and records in, records out, no I/O and never the clock (time comes in as
`now`).
"""
