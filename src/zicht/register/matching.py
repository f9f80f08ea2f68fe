"""Fuzzy matching of names for the duplicate check. Pure Python, no Django.

Names are normalised to a key (lower case, diacritics removed, punctuation dropped, tokens
sorted), so "Jan de Vries", "de Vries, Jan" and "Ján de Vriës" share one key. Candidates
are found by blocking on token prefixes, then scored with rapidfuzz's token-set ratio,
which tolerates typos and extra or missing tokens.
"""

import re
import unicodedata

from rapidfuzz import fuzz

_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)
# Legal-form words say nothing about which company it is.
COMPANY_NOISE = frozenset(
    {"bv", "b.v.", "nv", "vof", "v.o.f.", "cv", "holding", "stichting", "the", "en", "&"}
)


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(name: str, *, company: bool = False) -> list[str]:
    cleaned = _NON_WORD.sub(" ", strip_diacritics(name).lower().replace(".", ""))
    words = [w for w in cleaned.split() if w]
    if company:
        words = [w for w in words if w not in COMPANY_NOISE] or words
    return words


def name_key(name: str, *, company: bool = False) -> str:
    return " ".join(sorted(tokens(name, company=company)))


def name_prefixes(name: str, *, company: bool = False) -> list[str]:
    """Blocking keys: the first three letters of each token of three letters or more."""
    return sorted({w[:3] for w in tokens(name, company=company) if len(w) >= 3})


def search_tokens(text: str) -> list[str]:
    """The words of a label as the name index stores them (and a search query is split)."""
    return sorted({word[:60] for word in tokens(text) if len(word) >= 2})


def similarity(a_key: str, b_key: str) -> float:
    """0 to 100; both arguments are name keys."""
    if not a_key or not b_key:
        return 0.0
    return max(fuzz.token_set_ratio(a_key, b_key), fuzz.ratio(a_key, b_key))


PERSON_THRESHOLD = 85.0
COMPANY_THRESHOLD = 88.0
