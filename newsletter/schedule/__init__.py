"""Sends that happen on time, once: schedule files, the long-running scheduler process
(APScheduler lives here and nowhere else) and the jobs it runs.

May import every room below web/. Reads the clock: it is one of the front doors' edges.
"""
