"""Chinese text as it arrives from sheets and forms: traditional → simplified, full-width → ASCII, pinyin."""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from zhconv import convert


def to_simplified(text: str) -> str:
    return convert(text, "zh-hans")


def fold(text: str) -> str:
    """Canonical form for matching headers and names: NFKC (full-width → ASCII), simplified, no spaces."""
    text = unicodedata.normalize("NFKC", str(text))
    text = to_simplified(text)
    # Normalise again: removing a space can join a letter and a combining mark (NFKC turns "¨" into " ̈").
    return unicodedata.normalize("NFKC", re.sub(r"[\s\u3000]+", "", text))


@lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """'国强自动化光伏' → 'gqzdhgf'. Non-Chinese letters and digits are kept, lower-cased."""
    parts = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return re.sub(r"[^a-z0-9]", "", "".join(parts).lower())
