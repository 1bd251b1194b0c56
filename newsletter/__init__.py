"""Clinic newsletter: a blog feed in, a newsletter email and social snippets out, sent on schedule."""

__version__ = "0.1.0"
