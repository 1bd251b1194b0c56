"""The next issue: built from the feed and kept as the open issue (build), rendered once per
issue (render), made into bytes with holes per subscriber (message), previewed, archived,
approved or held, and written out for review (files); article links that count clicks
(clicks).

May import common/, feed/, social/ and storage/. The rendering half (render, message,
preview, archive, files, clicks) is pure: no I/O, never the clock; build and approval use the store.
"""
