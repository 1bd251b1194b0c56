"""Languages: which way a language is written."""

from __future__ import annotations

RIGHT_TO_LEFT = {"ar", "dv", "fa", "he", "ps", "ur", "yi"}


def text_direction(language: str) -> str:
    """"rtl" for a language written right to left (by its primary subtag), else "ltr"."""
    return "rtl" if language.split("-")[0].split("_")[0].lower() in RIGHT_TO_LEFT else "ltr"
