"""Narratives as MinHash sketches: how alike two accounts are in words, in any script (pure).

Each narrative is folded (case, punctuation, Arabic short vowels, tatweel, the forms of alef and
the article ``ال``) and cut into words; its sketch holds, for each of :data:`SKETCH` hash
functions, the least hash of its words. Two sketches agree at a position with a probability
equal to the Jaccard similarity of the two word sets, so the share of equal positions estimates it,
with no text in hand (``fusion.narrative_levels``). A sketch is computed once per report (a million
narratives in a few seconds, vectorised over all their words) and is stable across processes and
machines: words are hashed by CRC-32, not by Python's salted ``hash``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from itertools import chain

import numpy as np
from numpy.typing import NDArray

SKETCH = 16
"""Hash functions per sketch: the Jaccard estimate's standard error is at most 1/(2*sqrt(16)) = 0.125."""
EMPTY = np.uint32(0xFFFFFFFF)
"""Every position of the sketch of a narrative without words."""
_rng = np.random.default_rng(20170504)  # the date of the Astana memorandum: fixed, so sketches never change
_A = _rng.integers(1, 1 << 63, size=SKETCH, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=SKETCH, dtype=np.uint64)

_FOLD = str.maketrans({**dict.fromkeys("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"),
                       **dict.fromkeys("أإآٱ", "ا"), "ى": "ي", "ة": "ه"})  # fmt: skip
_NOT_WORD = re.compile(r"[\W_]+")
_ARTICLES = ("وال", "بال", "فال", "لل", "ال")


def fold(word: str) -> str:
    """A word as compared: without punctuation, short vowels, tatweel, the forms of alef, the Arabic
    article (and a conjunction or preposition joined to it)."""
    word = _NOT_WORD.sub("", word.translate(_FOLD))
    for article in _ARTICLES:
        if word.startswith(article) and len(word) > len(article) + 1:
            return word[len(article) :]
    return word


def sketches(narratives: Sequence[str | None]) -> NDArray[np.uint32]:
    """One sketch (a row of :data:`SKETCH` values) per narrative; :data:`EMPTY` rows for none.

    Narratives are cut at white space (the cheapest split there is); each distinct piece is then
    folded and hashed once, and pieces that fold to nothing (punctuation) are left out."""
    split = [t.casefold().split() if t else [] for t in narratives]
    flat = list(chain.from_iterable(split))
    codes = dict.fromkeys(flat, 0)
    for word in codes:
        folded = fold(word)
        codes[word] = zlib.crc32(folded.encode()) | 1 if folded else 0
    hashes = np.fromiter(map(codes.__getitem__, flat), dtype=np.uint64, count=len(flat))
    pieces = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    kept = np.r_[0, np.cumsum(hashes != 0)]  # words kept before each piece
    ends = np.cumsum(pieces)
    words = kept[ends] - kept[ends - pieces]
    hashes = hashes[hashes != 0]
    out = np.full((len(narratives), SKETCH), EMPTY, dtype=np.uint32)
    some = np.flatnonzero(words)
    if some.size == 0:
        return out
    starts = (np.cumsum(words) - words)[some]
    for h in range(SKETCH):
        mixed = (hashes * _A[h] + _B[h]) >> np.uint64(32)  # multiply-shift: the high bits mix them all
        out[some, h] = np.minimum.reduceat(mixed, starts).astype(np.uint32)
    return out
