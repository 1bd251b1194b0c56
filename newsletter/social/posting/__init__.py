"""Posting the snippets to the networks the clinic has accounts on (Mastodon, Bluesky, a
Facebook Page), each article once per network whatever crashes on the way: the ledger
(storage/posts.py) records the intent before a platform is asked and its post id after.

The edge of social/: may import common/, storage/ and social's pure modules. The only
place besides feed/fetch.py that talks HTTP (httpx), to the platforms' APIs and for the
article's picture. It reads no clock: the time (a Bluesky record's key and date, a
Retry-After date, the ledger's times) comes from the `clock` it is handed.
"""
