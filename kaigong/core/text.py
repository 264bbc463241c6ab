"""Chinese text as it arrives from sheets and forms: traditional → simplified, full-width → ASCII, pinyin."""

import re
import unicodedata
from functools import lru_cache

from zhconv import convert

_SPACES = re.compile(r"[\s\u3000]+")


def to_simplified(text: str) -> str:
    return convert(text, "zh-hans")


def fold(text: str) -> str:
    """Canonical form for matching headers and names: NFKC (full-width → ASCII), simplified, no spaces."""
    text = str(text)
    if text.isascii() and _ascii_unconverted():
        return _SPACES.sub("", text)  # what the steps below make of ASCII text, ten times faster (dates, codes)
    return _fold(text)


@lru_cache(maxsize=16384)  # a name is folded when a sheet row is checked and again for its search text
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    # Normalise again: removing a space can join a letter and a combining mark (NFKC turns "¨" into " ̈").
    return unicodedata.normalize("NFKC", _SPACES.sub("", text))


@lru_cache(maxsize=16384)  # a sheet repeats its categories, departments and owners on every row
@lru_cache(maxsize=8192)
def dictionary_key(text: str) -> str:
    """The key a dictionary value (category, level, department, stage, pool, owner) is matched by, whatever the
    script, width, case and punctuation people type it with: “一泓清水入黄河”类, "一泓清水入黄河"类 and
    一泓清水入黄河类 share one key, as do 侯馬市 and 侯马市, ＡＢＣ and abc. Punctuation (quotes, brackets,
    dots, dashes) is dropped, not only folded: a quote typed one way or another, or left out, is the same name."""
    key = text
    for _ in range(5):
        # Each step can undo another's work: NFKC turns ℌ into an upper-case H and a compatibility ideograph into a
        # traditional one; dropping punctuation brings a letter and a combining mark together ("O?¯"). Repeat until
        # nothing changes, so that a key's key is itself.
        folded = unicodedata.normalize("NFKC", fold(key).casefold())
        folded = "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P"))
        if folded == key:
            break
        key = folded
    return key


@lru_cache(maxsize=1)
def _ascii_unconverted() -> bool:
    """True when no entry of the traditional → simplified table starts with an ASCII character, so that
    to_simplified leaves ASCII text as it is (NFKC does too)."""
    from zhconv import zhconv

    try:
        zhconv.getdict("zh-hans")
        prefixes = zhconv.pfsdict["zh-hans"]
    except (AttributeError, KeyError):  # pragma: no cover - another zhconv: take the general path
        return False
    return not any(chr(code) in prefixes for code in range(128))


@lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """'国强自动化光伏' → 'gqzdhgf'. Non-Chinese letters and digits are kept, lower-cased."""
    # pypinyin cuts the text into runs of Chinese characters and runs of others, converts each Chinese run on its
    # own and keeps the others as they are (errors="default"); so the initials are worked out run by run, and a
    # Chinese run only once (names share them: "…项目", a district's name).
    text = text or ""
    parts, end = [], 0
    for match in _chinese_runs().finditer(text):
        parts.append(text[end : match.start()])
        parts.append(_run_initials(match.group()))
        end = match.end()
    parts.append(text[end:])
    return _NOT_INITIAL.sub("", "".join(parts).lower())


_NOT_INITIAL = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=8192)
def _run_initials(run: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(run, style=Style.FIRST_LETTER, errors="default"))


@lru_cache(maxsize=1)
def _chinese_runs() -> re.Pattern:
    """pypinyin's own pattern for a string of Chinese characters, without its anchors: it finds each run. Loaded on
    first use: pypinyin's dictionaries take a quarter of a second, which commands and pages that never compute
    pinyin should not pay."""
    from pypinyin.constants import RE_HANS

    pattern = RE_HANS.pattern
    if not (pattern.startswith("^(?:[") and pattern.endswith("])+$")):  # pragma: no cover - another pypinyin
        raise RuntimeError("unexpected pypinyin.constants.RE_HANS: " + pattern)
    return re.compile(pattern[1:-1], RE_HANS.flags)
