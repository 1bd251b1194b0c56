"""Sending an issue to every active subscriber exactly once, whatever crashes on the way
(lock, freeze, ledger, resume), and telling staff when something needs them.

May import every room below schedule/: common, feed, social, storage, issue, audience, mail.
"""
