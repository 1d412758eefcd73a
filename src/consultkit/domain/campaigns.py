"""Campaigns: exact fingerprints and near-duplicate groups of submission texts.

Campaign copies are detected and counted, never dropped (the EU Ombudsman's lesson).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


# --------------------------------------------------------------------------------------
# Fingerprints: campaign duplicates are detected and counted, never dropped.

_PUNCTUATION = re.compile(r"[^\w\s]+")
# On ASCII text the Unicode path reduces to this table: NFKC changes nothing, casefold is
# lower(), and ``[^\w\s]`` plus the underscore are exactly the characters neither
# alphanumeric nor whitespace (``re`` and ``str`` share Python's Unicode tables for both),
# each becoming a space that split/join then collapses. str.translate runs in C; the regex
# was most of a bulk-imported row's cost (issue 14: 55-60 µs of it).
_ASCII_TO_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c).isspace())}
)


def normalize_body(text: str) -> str:
    """The body as campaigns are compared: casefolded, punctuation removed, spaces collapsed.

    Unicode is put in NFKC form first so that look-alike characters (full-width letters,
    ligatures) compare equal.
    """
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_TO_SPACE).split())
    folded = unicodedata.normalize("NFKC", text).casefold()
    without = _PUNCTUATION.sub(" ", folded).replace("_", " ")
    # split/join collapses Unicode whitespace like ``\s+`` but in C, without a second regex
    # pass (this runs once per row in bulk imports).
    return " ".join(without.split())


def fingerprint(text: str) -> str:
    """The sha256 (hex) of :func:`normalize_body`: identical campaign letters share it."""
    return hashlib.sha256(normalize_body(text).encode("utf-8")).hexdigest()


NEAR_DUPLICATE_SIMILARITY = 0.5
"""Default Jaccard similarity (of word 3-shingle sets) at which two texts are one campaign."""
NEAR_DUPLICATE_MIN_WORDS = 10
"""Texts with fewer words are grouped only when identical: in "I agree." vs "I disagree."
one word is the whole meaning, and a few shingles give no reliable similarity."""
SHINGLE_WORDS = 3
MINHASH_BANDS = 32
"""LSH bands of :data:`MINHASH_ROWS` MinHash values each: a pair at similarity s shares a
band with probability about 1 - (1 - s**2)**32 (0.9999 at 0.5, 0.996 at 0.4, 0.077 at
0.05), so candidates are found near-linearly and then checked exactly."""
MINHASH_ROWS = 2
_BINS = MINHASH_BANDS * MINHASH_ROWS  # 64: a power of two, the top 6 bits pick the bin
_BIN_SHIFT = 64 - (_BINS.bit_length() - 1)
_LOW = (1 << _BIN_SHIFT) - 1


def shingles(text: str, *, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """64-bit hashes of the word ``size``-shingles of :func:`normalize_body`.

    A text of ``size`` words or fewer is one shingle (none when empty). Each word is
    hashed with blake2b and a shingle's hash mixes its words' hashes with odd 64-bit
    multipliers, so it is the same in every process and costs a few multiplications
    instead of a hash call per shingle. Hashes rather than strings: smaller sets.
    """
    return _shingle_hashes(normalize_body(text).split(), {}, size)


_WORD_MEMO_LIMIT = 500_000
_MIX_A = 0x9E3779B97F4A7C15  # odd 64-bit constants (golden ratio, splitmix64)
_MIX_B = 0xBF58476D1CE4E5B9
_MASK64 = (1 << 64) - 1


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest())


def _shingle_hashes(
    words: Sequence[str], memo: dict[str, int], size: int = SHINGLE_WORDS
) -> frozenset[int]:
    if len(memo) > _WORD_MEMO_LIMIT:  # the vocabulary of a huge consultation: start afresh
        memo.clear()
    hashes = []
    for word in words:
        value = memo.get(word)
        if value is None:
            value = memo[word] = _word_hash(word)
        hashes.append(value)
    if len(hashes) <= size:
        hashes = [_combine(hashes)] if hashes else []
    elif size == SHINGLE_WORDS:
        hashes = [
            ((a * _MIX_A + b) * _MIX_A + c) * _MIX_B & _MASK64
            for a, b, c in zip(hashes, hashes[1:], hashes[2:], strict=False)
        ]
    else:
        hashes = [_combine(hashes[i : i + size]) for i in range(len(hashes) - size + 1)]
    return frozenset(hashes)


def _combine(hashes: Sequence[int]) -> int:
    value = 0
    for item in hashes:
        value = value * _MIX_A + item
    return value * _MIX_B & _MASK64


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """|a & b| / |a | b|: 1.0 for equal sets (two empty sets included), 0.0 for disjoint."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def minhash(hashes: Iterable[int]) -> tuple[int, ...]:
    """A MinHash signature of 64 values for a set of 64-bit shingle hashes.

    One-permutation hashing (Li, Owen and Zhang 2012): the top 6 bits of each hash pick
    one of 64 bins and each bin keeps its smallest remaining bits, so one pass over the
    set gives all 64 minima; an empty bin borrows the next filled bin's value tagged with
    the distance (rotation densification, Shrivastava and Li 2014). Two sets agree on a
    value with probability about their Jaccard similarity. Empty input gives ``()``.
    """
    empty = _LOW + 1
    mins = [empty] * _BINS
    for value in hashes:
        slot = value >> _BIN_SHIFT
        low = value & _LOW
        if low < mins[slot]:
            mins[slot] = low
    if empty not in mins:
        return tuple(mins)
    filled = [slot for slot in range(_BINS) if mins[slot] != empty]
    if not filled:
        return ()
    signature = list(mins)
    donor, distance = mins[filled[-1]], 0
    for slot in range(filled[-1] - 1, filled[-1] - _BINS, -1):  # once round, backwards
        current = mins[slot]  # negative slots wrap round
        if current != empty:
            donor, distance = current, 0
        else:
            distance += 1
            signature[slot] = donor | distance << _BIN_SHIFT
    return tuple(signature)


@attrs.frozen(kw_only=True)
class DuplicateGroup:
    """Submissions whose bodies are the same (``exact``) or nearly the same campaign text.

    ``ids`` lists the copies of the group's leading text (its most copied one) first, then
    the others; within one text, in the order given.
    """

    ids: tuple[str, ...]
    exact: bool

    @property
    def count(self) -> int:
        return len(self.ids)


def duplicate_groups(
    bodies: Iterable[tuple[str, str]],
    *,
    similarity: float = NEAR_DUPLICATE_SIMILARITY,
    exact_only: bool = False,
) -> list[DuplicateGroup]:
    """Group ``(id, body)`` pairs into exact and near-duplicate campaigns; singletons omitted.

    Exact groups share a :func:`fingerprint`. Near groups gather distinct texts whose word
    3-shingle sets have a Jaccard similarity of at least ``similarity`` with the group's
    leading text. Texts are taken most copied first (ties by fingerprint, so the result
    does not depend on the input order); each one joins the first leading text it is
    similar enough to (candidates in band order), or leads a new group. Candidates come
    from MinHash LSH over the leading texts only (:data:`MINHASH_BANDS` bands of
    :data:`MINHASH_ROWS`), and each candidate is
    checked on the exact shingle sets, so the cost stays near linear and no group holds a
    text below the threshold against its leader (any two members are then at least
    ``2 * similarity - 1`` similar: Jaccard distance is a metric). Texts of fewer than
    :data:`NEAR_DUPLICATE_MIN_WORDS` words are only grouped with identical copies.

    ``exact_only`` keeps identical copies only. Nothing is removed: the groups are for
    counting and reporting.
    """
    if not 0.0 < similarity <= 1.0:
        raise ValueError(f"similarity must be in (0, 1], not {similarity!r}")
    by_print: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for item_id, body in bodies:
        normalized = normalize_body(body)
        key = hashlib.sha256(normalized.encode("utf-8")).hexdigest()  # fingerprint(body)
        members = by_print.setdefault(key, [])
        if not members:
            texts[key] = normalized
        members.append(item_id)

    order = sorted(by_print, key=lambda key: (-len(by_print[key]), key))
    near = not exact_only and similarity < 1.0
    leader_of: dict[str, str] = {}
    leader_grams: dict[str, frozenset[int]] = {}
    memo: dict[str, int] = {}
    buckets: dict[tuple[int, ...], list[str]] = {}
    for key in order:
        leader_of[key] = key
        if not near:
            continue
        words = texts[key].split()
        if len(words) < NEAR_DUPLICATE_MIN_WORDS:
            continue
        grams = _shingle_hashes(words, memo)
        signature = minhash(grams)
        bands = [
            (band, *signature[band * MINHASH_ROWS : (band + 1) * MINHASH_ROWS])
            for band in range(MINHASH_BANDS)
        ]
        best = None
        seen: set[str] = set()
        smallest, largest = len(grams) * similarity, len(grams) / similarity
        for band_key in bands:
            for candidate in buckets.get(band_key, ()):
                if candidate in seen:
                    continue
                seen.add(candidate)
                other = leader_grams[candidate]
                # |a & b| / |a | b| <= min / max: skip sizes that cannot reach the threshold.
                if smallest <= len(other) <= largest and jaccard(grams, other) >= similarity:
                    best = candidate
                    break
            if best is not None:
                break
        if best is not None:
            leader_of[key] = best
            continue
        leader_grams[key] = grams
        for band_key in bands:
            buckets.setdefault(band_key, []).append(key)

    clusters: dict[str, list[str]] = {}
    for key in order:  # leaders come first in their own cluster
        clusters.setdefault(leader_of[key], []).append(key)
    groups = []
    for keys in clusters.values():
        ids = tuple(item for key in keys for item in by_print[key])
        if len(ids) > 1:
            groups.append(DuplicateGroup(ids=ids, exact=len(keys) == 1))
    groups.sort(key=lambda g: (-g.count, g.ids))
    return groups
