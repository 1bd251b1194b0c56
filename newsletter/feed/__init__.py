"""Reading the blog: fetch its feed (the only HTTP here), parse it into `Article` records,
summarize each, pick its lead image, curate which are new; the evergreen list; whether the
feed's health is worth telling staff about.

May import common/ only. Everything but fetch.py is pure: bytes and records in, records
out, no I/O and never the clock (time comes in as `now`).
"""
