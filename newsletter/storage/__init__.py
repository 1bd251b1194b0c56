"""The database and the one owner of SQL (with audience/subscribers as the subscriber list's
repository): tables and migrations, the store's named queries, an issue's life cycle, the
delivery ledger, the run log and the locks that keep two processes apart.

May import common/ only. Nothing outside storage/ writes SQL or touches a table directly.
"""
