"""Who gets the newsletter: the subscriber list (its own repository over the subscribers
table), addresses, names and tags made safe, CSV files in and out, double opt-in.

May import common/, storage/ and issue/ (the confirmation email). Only subscribers.py
touches the database.
"""
