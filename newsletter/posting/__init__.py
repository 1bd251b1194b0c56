"""Posting the snippets to the networks the clinic has accounts on (Mastodon, Bluesky, a
Facebook Page), each article once per network whatever crashes on the way: the ledger
(storage/posts.py) records the intent before a platform is asked and its post id after.

May import common/, social/ and storage/. The only room besides feed/fetch.py that talks
HTTP (httpx), to the platforms' APIs and for the article's picture. It reads the wall clock
only where a platform needs it (Bluesky's record keys, a Retry-After date); the ledger's
times come from the `clock` it is handed.
"""
