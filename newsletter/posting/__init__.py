"""Posting the snippets to the networks the clinic has accounts on (Mastodon, Bluesky, a
Facebook Page), each article once per network whatever crashes on the way: the ledger
(storage/posts.py) records the intent before a platform is asked and its post id after.

May import common/, social/ and storage/. The only room besides feed/fetch.py that talks
HTTP (httpx), to the platforms' APIs and for the article's image; it reads no clock of its
own but the wall clock a platform's record keys and retry waits need.
"""
