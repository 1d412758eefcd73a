"""Campaigns: exact fingerprints and near-duplicate groups of submission texts.

Campaign copies are detected and counted, never dropped (the EU Ombudsman's lesson).
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from typing import TYPE_CHECKING, Any

import attrs

from consultkit.value_methods import shared_value_methods

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


# --------------------------------------------------------------------------------------
# Fingerprints: campaign duplicates are detected and counted, never dropped.

_PUNCTUATION = r"[^\w\s]+"
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
    without = re.sub(_PUNCTUATION, " ", folded).replace("_", " ")
    # split/join collapses Unicode whitespace like ``\s+`` but in C, without a second regex
    # pass (this runs once per row in bulk imports).
    return " ".join(without.split())


# The same table over bytes, folding ASCII capitals too: bytes.translate takes a 256-byte
# table and runs in C over a whole batch of texts at once (see _batch_words). Whitespace
# becomes a space too: the batch is cut into words at spaces only.
_WORD_BYTES = bytes(
    c
    if c >= 128 or (chr(c).isalnum() and not chr(c).isupper())
    else c + 32
    if chr(c).isupper()
    else 32
    for c in range(256)
)


def fingerprint(text: str) -> str:
    """The sha256 (hex) of :func:`normalize_body`: identical campaign letters share it."""
    # Imported here, where it is used: OpenSSL's bindings (2-3 ms) are not paid by every
    # verb of the application that imports this module (issue 14).
    import hashlib

    return hashlib.sha256(normalize_body(text).encode("utf-8")).hexdigest()


NEAR_DUPLICATE_SIMILARITY = 0.5
"""Default Jaccard similarity (of word 3-shingle sets) at which two texts are one campaign."""
NEAR_DUPLICATE_MIN_WORDS = 10
"""Texts with fewer words are grouped only when identical: in "I agree." vs "I disagree."
one word is the whole meaning, and a few shingles give no reliable similarity."""
SHINGLE_WORDS = 3
MINHASH_VALUES = 128
"""Values in a MinHash signature (one-permutation hashing: a power of two)."""
LSH_RECALL_AT_THRESHOLD = 0.85
"""How likely a pair exactly at the similarity threshold is to become a candidate; pairs
above it are much likelier (0.99 at 0.6 for the default threshold). See :func:`lsh_rows`."""
_BIN_BITS = MINHASH_VALUES.bit_length() - 1  # 7: the top 7 bits of a hash pick its bin
_BIN_SHIFT = 64 - _BIN_BITS
_LOW = (1 << _BIN_SHIFT) - 1
_BATCH = 2048  # texts signed and looked up together (numpy works on whole batches)
_SMALL_CAP = 1 << 18  # band entries in the LSH buckets' small array (see _Buckets.freeze)


def shingles(text: str, *, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """64-bit hashes of the word ``size``-shingles of :func:`normalize_body`.

    A text of ``size`` words or fewer is one shingle (none when empty). Words are hashed
    as :func:`_batch_words` hashes them and a shingle's hash mixes its words' hashes with
    odd 64-bit multipliers, so it is the same in every process and costs a few
    multiplications instead of a hash call per shingle. Hashes rather than strings:
    smaller sets.
    """
    hashes = _batch_words([text])[0].tolist()
    if len(hashes) <= size:
        return frozenset([_combine(hashes)] if hashes else [])
    return frozenset(_combine(hashes[i : i + size]) for i in range(len(hashes) - size + 1))


_MIX_A = 0x9E3779B97F4A7C15  # odd 64-bit constants (golden ratio, splitmix64)
_MIX_B = 0xBF58476D1CE4E5B9
_MIX_C = 0x94D049BB133111EB
_MASK64 = (1 << 64) - 1
_WORD_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_WORD_BASE_INVERSE = pow(_WORD_BASE, -1, 1 << 64)
_powers: list[Any] = []  # [BASE**i, BASE**-i] for i < their length, grown as batches need


def _power_tables(size: int) -> tuple[Any, Any]:
    """``BASE**i`` and ``BASE**-i`` modulo 2**64 for every ``i < size`` (kept, grown by need)."""
    import numpy as np

    if not _powers or len(_powers[0]) < size:
        # Sized to the batch, rounded up to a mebi-entry (batches are alike in size, so it
        # grows a few times at most): a fixed 4M entries held 64 MB for batches of about
        # 2.3M bytes (issue 14, peak memory).
        size = -(-size >> 20) << 20
        tables = []
        for base in (_WORD_BASE, _WORD_BASE_INVERSE):
            factors = np.full(size, base, dtype=np.uint64)
            factors[0] = 1
            tables.append(np.cumprod(factors))  # uint64 arithmetic wraps: modulo 2**64
        _powers[:] = tables
    return _powers[0], _powers[1]


def _batch_words(bodies: Sequence[str]) -> tuple[Any, Any]:
    """The hashes of the words of many texts, one text after another (uint64), and each
    text's word count.

    The words are those of :func:`normalize_body`. Issue 14: cutting and hashing them one
    text at a time in Python was most of campaign detection's cost, so a batch is joined,
    lower-cased and cut by one ``bytes.translate`` (an ASCII text needs nothing else;
    others are normalised first) and every word is hashed at once: a polynomial in its
    UTF-8 bytes modulo 2**64, read off prefix sums, then mixed with its length by
    splitmix64's finaliser. A word hashes the same in any batch and any process.
    """
    import numpy as np

    pieces = [b.encode("ascii") if b.isascii() else normalize_body(b).encode() for b in bodies]
    joined = b" ".join(pieces) + b" "  # every word ends at a space
    data = np.frombuffer(joined.translate(_WORD_BYTES), dtype=np.uint8)
    ends = np.cumsum([len(piece) + 1 for piece in pieces], dtype=np.intp)
    inside = np.empty(len(data) + 1, dtype=bool)
    inside[0] = False
    np.not_equal(data, 32, out=inside[1:])
    edges = np.flatnonzero(inside[1:] != inside[:-1])
    starts, stops = edges[0::2], edges[1::2]
    powers, inverses = _power_tables(len(data))
    prefix = np.zeros(len(data) + 1, dtype=np.uint64)
    np.cumsum(data * powers[: len(data)], out=prefix[1:])  # uint64 arithmetic wraps
    hashes = (prefix[stops] - prefix[starts]) * inverses[starts]
    hashes += (stops - starts).astype(np.uint64) * np.uint64(_MIX_A)
    hashes ^= hashes >> np.uint64(30)
    hashes *= np.uint64(_MIX_B)
    hashes ^= hashes >> np.uint64(27)
    hashes *= np.uint64(_MIX_C)
    hashes ^= hashes >> np.uint64(31)
    # Words never span texts: a text's words are those starting before its end.
    return hashes, np.diff(np.searchsorted(starts, ends), prepend=0)


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


def lsh_rows(similarity: float) -> int:
    """MinHash values per LSH band for a Jaccard ``similarity`` threshold.

    A pair at similarity s shares one of ``b = MINHASH_VALUES // r`` bands of ``r`` values
    with probability ``1 - (1 - s**r)**b``. The most rows (at most 8) that still catch a
    pair at the threshold with :data:`LSH_RECALL_AT_THRESHOLD` are taken: more rows make
    dissimilar pairs rare candidates (at the default 0.5: r = 4, b = 32, so texts 5% alike
    become candidates 0.02% of the time, against 7.7% with 2 rows, which made the search
    quadratic: issue 14).
    """
    for rows in range(8, 1, -1):
        if 1 - (1 - similarity**rows) ** (MINHASH_VALUES // rows) >= LSH_RECALL_AT_THRESHOLD:
            return rows
    return 1


def minhash(hashes: Iterable[int]) -> tuple[int, ...]:
    """A MinHash signature of :data:`MINHASH_VALUES` values for a set of 64-bit shingle hashes.

    One-permutation hashing (Li, Owen and Zhang 2012): the top bits of each hash pick a
    bin and each bin keeps its smallest remaining bits, so one pass over the set gives
    every minimum; an empty bin borrows the next filled bin's value tagged with the
    distance (rotation densification, Shrivastava and Li 2014). Two sets agree on a value
    with probability about their Jaccard similarity. Empty input gives ``()``.
    """
    import numpy as np

    values = np.sort(np.fromiter(hashes, dtype=np.uint64))
    if not len(values):
        return ()
    return tuple(_signatures(values, np.zeros(len(values), dtype=np.intp), 1)[0].tolist())


_PROBES = 64
"""Bins an empty bin tries, in a fixed pseudo-random order, for a filled one to copy."""


def _probe_order() -> Any:
    import numpy as np

    return np.random.default_rng(20_140_000).integers(0, MINHASH_VALUES, (MINHASH_VALUES, _PROBES))


def _signatures(values: Any, owners: Any, count: int) -> Any:
    """The signatures (``count`` x :data:`MINHASH_VALUES`, uint64) of sets given flat.

    ``values`` holds every set's hashes one after another, each set's in ascending order,
    and ``owners`` the set each belongs to (ascending); every set must have at least one
    hash.
    """
    import numpy as np

    empty = np.uint64(_LOW + 1)
    flat = np.full(count * MINHASH_VALUES, empty, dtype=np.uint64)
    slots = owners * MINHASH_VALUES + (values >> np.uint64(_BIN_SHIFT)).astype(np.intp)
    # Sorted within each set, a bin's values are a run (its top bits) in ascending order of
    # their low bits: the run's first is the bin's minimum, with no unbuffered minimum.at.
    first = np.empty(len(slots), dtype=bool)
    first[:1] = True
    np.not_equal(slots[1:], slots[:-1], out=first[1:])
    flat[slots[first]] = values[first] & np.uint64(_LOW)
    mins = flat.reshape(count, MINHASH_VALUES)
    filled = mins != empty
    if filled.all():
        return mins
    # Optimal densification (Shrivastava 2017): an empty bin copies the first filled bin
    # of its own fixed probe sequence. Copying the next bin round (rotation) made short
    # unrelated texts agree on whole runs of bins, so LSH found them as candidates
    # hundreds of times too often (issue 14).
    signature = mins.copy()
    flat_signature, flat_filled = signature.ravel(), filled.ravel()
    # The empty bins as flat indices, probed one step at a time: most find a filled bin in
    # the first few steps, so the list shrinks fast (probing whole rows of 128 bins at
    # each of the 64 steps was a third of signing).
    empty_at = np.flatnonzero(~flat_filled)
    probes = _probe_order()
    for step in range(_PROBES):
        bins = empty_at % MINHASH_VALUES
        donors = empty_at - bins + probes[bins, step]
        took = flat_filled[donors]
        flat_signature[empty_at[took]] = flat[donors[took]]
        empty_at = empty_at[~took]
        if not len(empty_at):
            return signature
    # A very sparse set can miss every probe: rotation fills the rest, tagged with the
    # distance, so the signature is still a function of the set alone.
    missing = np.zeros(count * MINHASH_VALUES, dtype=bool)
    missing[empty_at] = True
    known = ~missing.reshape(count, MINHASH_VALUES)
    position = np.where(known, np.arange(MINHASH_VALUES), 2 * MINHASH_VALUES)
    doubled = np.concatenate([position, position + MINHASH_VALUES], axis=1)
    nearest = np.minimum.accumulate(doubled[:, ::-1], axis=1)[:, ::-1][:, :MINHASH_VALUES]
    rotated = np.take_along_axis(signature, nearest % MINHASH_VALUES, axis=1)
    distance = (nearest - np.arange(MINHASH_VALUES)).astype(np.uint64)
    return np.where(known, signature, rotated | (distance << np.uint64(_BIN_SHIFT)))


def _band_keys(signatures: Any, rows: int) -> Any:
    """One 64-bit key per LSH band (``count`` x bands): the band's values and its number mixed."""
    import numpy as np

    bands = MINHASH_VALUES // rows
    values = signatures[:, : bands * rows].reshape(len(signatures), bands, rows)
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    for row in range(rows):  # uint64 arithmetic wraps: the same mixing as _combine
        keys = keys * np.uint64(_MIX_A) + values[:, :, row]
    return keys * np.uint64(_MIX_B) + np.arange(1, bands + 1, dtype=np.uint64)


class _Buckets:
    """LSH buckets, band key -> leading texts, in two sorted arrays.

    A dict entry per band of every leading text held gigabytes at a million submissions
    (issue 14); sorted uint64/int64 arrays cost 16 bytes an entry and are searched a whole
    batch at a time (needles sorted, so each search narrows the next). New entries go into
    a small array, merged into the large one when it reaches a quarter of its size or
    :data:`_SMALL_CAP` entries. A batch's own leaders are found by :func:`_pairs_within`.
    """

    def __init__(self) -> None:
        import numpy as np

        nothing = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
        self.large: tuple[Any, Any] = nothing
        self.small: tuple[Any, Any] = nothing

    def search(self, keys: Any) -> tuple[Any, Any]:
        """Each (row of ``keys``, leading text) sharing a band, once, by row then leader.

        Two int64 arrays. Only for the texts not alike to their :meth:`earliest`
        candidate: a copy shares bands with every leader of its campaign, so listing the
        pairs of all texts grew with the square of a campaign's leaders (issue 14).
        """
        import numpy as np

        found = []
        flat = keys.ravel()
        order = np.argsort(flat)
        needles = flat[order]
        bands = keys.shape[1]
        for level_keys, level_leaders in (self.large, self.small):
            if not len(level_keys):
                continue
            left = np.searchsorted(level_keys, needles)
            hits = np.nonzero(level_keys[np.minimum(left, len(level_keys) - 1)] == needles)[0]
            if not len(hits):
                continue
            starts = left[hits]
            runs = np.searchsorted(level_keys, needles[hits], side="right") - starts
            # Every (text, leader) pair once: a copy shares most bands with its leader.
            rows = np.repeat(order[hits] // bands, runs)
            leaders = level_leaders[np.repeat(starts, runs) + _within(runs)]
            found.append(rows.astype(np.int64) << 32 | leaders)
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pairs = np.unique(np.concatenate(found))
        return pairs >> 32, pairs & 0xFFFFFFFF

    def earliest(self, keys: Any) -> Any:
        """Per row of ``keys``, the earliest leading text sharing a band with it, or -1.

        A band's leaders are filed in rank order, so the first of a key's run is its
        earliest: one search per band, however many leaders share it. Listing every pair
        (:meth:`search`) grew with the square of a campaign's size, as its copies share
        bands with all its other leaders (issue 14: 12 s of ``unique`` at 1M).
        """
        import numpy as np

        none = np.iinfo(np.int64).max
        flat = keys.ravel()
        order = np.argsort(flat)
        needles = flat[order]
        best = np.full(len(flat), none, dtype=np.int64)
        for level_keys, level_leaders in (self.large, self.small):
            if not len(level_keys):
                continue
            left = np.minimum(np.searchsorted(level_keys, needles), len(level_keys) - 1)
            found = np.where(level_keys[left] == needles, level_leaders[left], none)
            best[order] = np.minimum(best[order], found)
        earliest = best.reshape(keys.shape).min(axis=1)
        earliest[earliest == none] = -1
        return earliest

    def add(self, keys: Any, leaders: Any) -> None:
        """File the band ``keys`` (a row per text) of new ``leaders`` (their ranks)."""
        import numpy as np

        if not len(leaders):
            return
        flat = keys.ravel()
        order = np.argsort(flat, kind="stable")  # rows come in rank order: kept in a run
        ranks = np.repeat(np.asarray(leaders, dtype=np.int64), keys.shape[1])
        self.small = _merged(self.small, (flat[order], ranks[order]))
        # The small array is copied at every batch, the large one at every merge: capping
        # the small one keeps both copies a bounded cost per entry.
        if len(self.small[0]) > min(_SMALL_CAP, len(self.large[0]) // 4):
            self.large = _merged(self.large, self.small)
            self.small = (self.small[0][:0], self.small[1][:0])


def _within(runs: Any) -> Any:
    """``0, 1, … run - 1`` for each run, one after another."""
    import numpy as np

    return np.arange(int(runs.sum())) - np.repeat(np.cumsum(runs) - runs, runs)


def _pairs_within(keys: Any) -> Any:
    """Pairs of rows of ``keys`` sharing a band, as ``later << 32 | earlier``, sorted, once."""
    import numpy as np

    if not keys.size:
        return np.zeros(0, dtype=np.int64)
    bands = keys.shape[1]
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")  # equal keys in row order
    ordered = flat[order]
    fresh = np.empty(len(flat), dtype=bool)
    fresh[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=fresh[1:])
    run_start = np.flatnonzero(fresh)
    before = np.arange(len(flat)) - np.repeat(run_start, np.diff(run_start, append=len(flat)))
    # Each entry pairs with the entries of its run before it.
    later = np.repeat(order // bands, before)
    earlier = order[np.repeat(np.arange(len(flat)) - before, before) + _within(before)] // bands
    keep = later != earlier
    return np.unique(later[keep].astype(np.int64) << 32 | earlier[keep])


def _merged(into: tuple[Any, Any], more: tuple[Any, Any]) -> tuple[Any, Any]:
    """Two sorted (keys, leaders) pairs as one, in one linear pass."""
    import numpy as np

    # After equal keys: ``more`` holds later leaders, and a run stays in rank order.
    at = np.searchsorted(into[0], more[0], side="right")
    return np.insert(into[0], at, more[0]), np.insert(into[1], at, more[1])


@attrs.frozen(kw_only=True)
@shared_value_methods
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

    The bodies are held in memory; :func:`campaign_groups` does the same from a store's
    streams. Exact groups share a :func:`fingerprint`; near groups are as
    :func:`campaign_groups` describes. ``exact_only`` keeps identical copies only.
    Nothing is removed: the groups are for counting and reporting.
    """
    by_print: dict[str, list[str]] = {}
    first_body: dict[str, str] = {}
    for item_id, body in bodies:
        key = fingerprint(body)
        members = by_print.setdefault(key, [])
        if not members:
            first_body[key] = body
        members.append(item_id)
    order = sorted(by_print, key=lambda key: (-len(by_print[key]), key))
    return campaign_groups(
        ((key, len(by_print[key]), first_body[key]) for key in order),
        ((item_id, key) for key, ids in by_print.items() for item_id in ids),
        similarity=similarity,
        exact_only=exact_only,
    )


def campaign_groups(
    texts: Iterable[tuple[str, int, str]],
    members: Iterable[tuple[str, str]],
    *,
    similarity: float = NEAR_DUPLICATE_SIMILARITY,
    exact_only: bool = False,
) -> list[DuplicateGroup]:
    """Campaign groups from streams: each distinct text once, then every submission's id.

    ``texts`` gives ``(fingerprint, copies, body)`` once per distinct text, most copied
    first and ties by fingerprint (as
    :meth:`~consultkit.storage.protocols.SubmissionStore.campaign_texts` streams them);
    ``members`` then gives ``(id, fingerprint)`` for every submission, in the order ids
    should be listed (``submission_fingerprints``). Neither is held in memory: only the
    leading texts' shingles, the LSH buckets and the grouped ids are.

    Near groups gather distinct texts whose word 3-shingle sets have a Jaccard similarity
    of at least ``similarity`` with the group's leading text. Texts are taken in the
    order given; each joins the earliest leading text it is similar enough to among its
    candidates, or leads a new group. Candidates come from MinHash LSH over the leading
    texts (:data:`MINHASH_VALUES` values in bands of :func:`lsh_rows`), and each
    is checked on the exact shingle sets, so the cost stays near linear and no group holds
    a text below the threshold against its leader (any two members are then at least
    ``2 * similarity - 1`` similar: Jaccard distance is a metric). Texts of fewer than
    :data:`NEAR_DUPLICATE_MIN_WORDS` words are only grouped with identical copies.
    With ``exact_only`` (or ``similarity`` 1) the bodies are not read.
    """
    if not 0.0 < similarity <= 1.0:
        raise ValueError(f"similarity must be in (0, 1], not {similarity!r}")
    near = not exact_only and similarity < 1.0
    # Per distinct text that may end up in a group: (leader's number, its own rank).
    placed = _place(texts, similarity) if near else _exact(texts)
    sizes: dict[int, int] = {}
    for leader, _, copies in placed.values():
        sizes[leader] = sizes.get(leader, 0) + copies
    # A list per grouped text, found straight from the fingerprint: one dict look-up per
    # submission (issue 14: a million of them at full size).
    ids_of: dict[bytes, list[str]] = {}
    texts_of: dict[int, list[tuple[int, list[str]]]] = {}
    for text, (leader, rank, _) in placed.items():
        if sizes[leader] > 1:
            ids: list[str] = []
            ids_of[text] = ids
            texts_of.setdefault(leader, []).append((rank, ids))
    del placed
    found = ids_of.get
    for item_id, key in members:
        listed = found(bytes.fromhex(key))
        if listed is not None:
            listed.append(item_id)
    groups = []
    for ranked in texts_of.values():
        ranked.sort(key=operator.itemgetter(0))
        lists = [listed for _, listed in ranked if listed]
        members_ids = tuple(itertools.chain.from_iterable(lists))
        if len(members_ids) > 1:
            groups.append(DuplicateGroup(ids=members_ids, exact=len(lists) == 1))
    groups.sort(key=lambda g: (-g.count, g.ids))
    return groups


def _exact(texts: Iterable[tuple[str, int, str]]) -> dict[bytes, tuple[int, int, int]]:
    return {
        bytes.fromhex(key): (rank, rank, copies)
        for rank, (key, copies, _) in enumerate(texts)
        if copies > 1
    }


def _place(
    texts: Iterable[tuple[str, int, str]], similarity: float
) -> dict[bytes, tuple[int, int, int]]:
    """Near-duplicate placing: fingerprint -> (leader's rank, own rank, copies).

    Only texts in a group of two or more submissions are kept (a leading text alone with
    one copy is not), keyed by the fingerprint's bytes to halve the memory per entry.

    A batch is placed in three steps with the answers of one text at a time (issue 14:
    that loop, a Python set and a dict entry per band and candidate, was most of the
    cost). The leaders of earlier batches all rank before this batch's texts, so a text
    whose earliest such candidate is alike joins it, whatever the batch's other texts do:
    those checks are done together, a leader at a time (:func:`_alike_to`). Only the
    others are taken one by one, in order, with their other candidates and the batch's
    own leaders before them (:func:`_pairs_within`); most become leaders themselves.
    """

    import numpy as np

    rows = lsh_rows(similarity)
    buckets = _Buckets()
    grams_of: dict[int, bytes] = {}  # leader rank -> its shingle hashes, sorted and unique
    leader_copies: dict[int, tuple[bytes, int]] = {}  # single-copy leaders, until joined
    placed: dict[bytes, tuple[int, int, int]] = {}
    batch: list[tuple[bytes, int]] = []
    bodies: list[str] = []
    first_rank = 0

    def join(key: bytes, leader: int, text_rank: int, copies: int) -> None:
        placed[key] = (leader, text_rank, copies)
        alone = leader_copies.pop(leader, None)
        if alone is not None:
            placed[alone[0]] = (leader, leader, alone[1])

    def lead(key: bytes, text_rank: int, copies: int) -> None:
        if copies > 1:
            placed[key] = (text_rank, text_rank, copies)
        else:
            leader_copies[text_rank] = (key, copies)

    def settle() -> None:
        words, counts = _batch_words(bodies)
        near = counts >= NEAR_DUPLICATE_MIN_WORDS
        for i in np.flatnonzero(~near).tolist():  # short: grouped only when identical
            key, copies = batch[i]
            if copies > 1:
                placed[key] = (first_rank + i, first_rank + i, copies)
        signed = np.flatnonzero(near)  # the batch's texts that have a signature
        if not len(signed):
            return
        grams, owners, starts = _batch_shingles(words[np.repeat(near, counts)], counts[near])
        keys = _band_keys(_signatures(grams, owners, len(signed)), rows)
        earliest = buckets.earliest(keys)  # from earlier batches; -1: none
        alike = _alike_to(earliest, grams, starts, grams_of, similarity)
        ranks = (signed + first_rank).tolist()
        texts = [batch[i] for i in signed.tolist()]
        for row, leader in zip(
            np.flatnonzero(alike).tolist(), earliest[alike].tolist(), strict=True
        ):
            join(texts[row][0], leader, ranks[row], texts[row][1])
        # The others, in order: their later candidates, then this batch's leaders.
        others = np.flatnonzero(~alike)
        pair_rows, pair_leaders = buckets.search(keys[others])
        later_from = np.searchsorted(pair_rows, np.arange(len(others)))
        later_from += earliest[others] >= 0  # the earliest is known not to be alike
        later_to = np.searchsorted(pair_rows, np.arange(len(others)), side="right").tolist()
        later_from = later_from.tolist()
        inner = _pairs_within(keys[others])
        inner_at = np.searchsorted(inner >> 32, np.arange(len(others) + 1)).tolist()
        inner_earlier = (inner & 0xFFFFFFFF).tolist()
        prior = pair_leaders.tolist()
        bounds = starts.tolist()
        leads: list[int] = []  # positions in ``others`` of the new leaders
        leading: set[int] = set()
        other_rows = others.tolist()
        for n, row in enumerate(other_rows):
            candidates = prior[later_from[n] : later_to[n]]
            for m in inner_earlier[inner_at[n] : inner_at[n + 1]]:
                if m in leading:
                    candidates.append(ranks[other_rows[m]])
            mine = grams[bounds[row] : bounds[row + 1]]
            key, copies = texts[row]
            leader = _first_similar(mine, candidates, grams_of, similarity)
            if leader is None:
                grams_of[ranks[row]] = mine.tobytes()
                leading.add(n)
                leads.append(n)
                lead(key, ranks[row], copies)
            else:
                join(key, leader, ranks[row], copies)
        chosen = others[leads]
        buckets.add(keys[chosen], signed[chosen] + first_rank)

    for key, copies, body in texts:
        batch.append((bytes.fromhex(key), copies))
        bodies.append(body)
        if len(batch) >= _BATCH:
            settle()
            first_rank += len(batch)
            batch.clear()
            bodies.clear()
    if batch:
        settle()
    # The word-hash power tables are tens of MB: a long-running process (the web plugin,
    # a report) should not keep them between detections; rebuilding costs milliseconds.
    _powers.clear()
    return placed


def _alike_to(
    leaders: Any, grams: Any, starts: Any, grams_of: dict[int, bytes], similarity: float
) -> Any:
    """Which texts (flat shingles) are at least ``similarity`` alike to their given leader.

    ``leaders`` has a leader's rank per text, or -1 for none (never alike). Texts are
    checked a leader at a time: one search of its stored shingles for all of theirs. The
    test is :func:`_first_similar`'s, in the same float arithmetic, so the same answers.
    """
    import numpy as np

    alike = np.zeros(len(leaders), dtype=bool)
    given = np.flatnonzero(leaders >= 0)
    if not len(given):
        return alike
    sizes = np.diff(starts)
    given = given[np.argsort(leaders[given], kind="stable")]
    cuts = [*np.flatnonzero(np.diff(leaders[given], prepend=-1)).tolist(), len(given)]
    for at, end in itertools.pairwise(cuts):
        rows = given[at:end]
        stored = np.frombuffer(grams_of[int(leaders[rows[0]])], dtype=np.uint64)
        other = len(stored)
        size = sizes[rows]
        fits = (size * similarity <= other) & (other <= size / similarity)
        rows, size = rows[fits], size[fits]
        if not len(rows):
            continue
        mine = grams[np.repeat(starts[rows], size) + _within(size)]
        found = np.searchsorted(stored, mine)
        found[found == other] = 0  # past the end: compare with any stored hash, larger
        offsets = np.cumsum(size) - size
        common = np.add.reduceat(stored[found] == mine, offsets, dtype=np.int64)
        alike[rows] = common / (size + other - common) >= similarity
    return alike


def _batch_shingles(words: Any, counts: Any) -> tuple[Any, Any, Any]:
    """The word 3-shingle hashes of many texts (each of 3 words or more), flat.

    ``words`` holds every text's word hashes one after another (:func:`_batch_words`) and
    ``counts`` how many each text has. Returns each text's shingle hashes sorted and
    unique, one text after another; the text each belongs to; and where each text's
    hashes start (and the last ends). Mixed as :func:`shingles` mixes them: uint64
    arithmetic wraps, which is the ``& _MASK64`` there.
    """
    import numpy as np

    lengths = np.asarray(counts, dtype=np.intp)
    a, b = np.uint64(_MIX_A), np.uint64(_MIX_B)
    mixed = ((words[:-2] * a + words[1:-1]) * a + words[2:]) * b
    owner = np.repeat(np.arange(len(lengths), dtype=np.intp), lengths)[:-2]
    inside = np.arange(len(mixed)) + 2 < np.cumsum(lengths)[owner]  # no shingle spans texts
    mixed, owner = mixed[inside], owner[inside]
    # Sort each text's hashes: one row per text, padded, sorted along the rows at once.
    counts = np.bincount(owner, minlength=len(lengths))
    column = np.arange(len(mixed)) - np.repeat(np.cumsum(counts) - counts, counts)
    padded = np.full((len(lengths), int(counts.max())), np.iinfo(np.uint64).max, np.uint64)
    padded[owner, column] = mixed
    padded.sort(axis=1)
    real = np.arange(padded.shape[1]) < counts[:, None]  # padding sorts last
    fresh = real.copy()
    fresh[:, 1:] &= padded[:, 1:] != padded[:, :-1]
    mixed, owner = padded[fresh], np.nonzero(fresh)[0]
    starts = np.zeros(len(lengths) + 1, dtype=np.intp)
    np.cumsum(fresh.sum(axis=1), out=starts[1:])
    return mixed, owner, starts


def _first_similar(
    grams: Any, candidates: list[int], grams_of: dict[int, bytes], similarity: float
) -> int | None:
    """The earliest candidate leader whose shingles are at least ``similarity`` alike.

    ``grams`` and the stored shingles are sorted unique uint64 arrays.
    """
    import numpy as np

    size = len(grams)
    smallest, largest = size * similarity, size / similarity
    for candidate in candidates:
        stored = grams_of[candidate]
        other = len(stored) // 8
        # |a & b| / |a | b| <= min / max: skip sizes that cannot reach the threshold.
        if not smallest <= other <= largest:
            continue
        # Both sorted and unique: count the hashes of ``grams`` found in ``stored``.
        theirs = np.frombuffer(stored, dtype=np.uint64)
        at = np.searchsorted(theirs, grams)
        at[at == other] = 0  # past the end: compare with any stored hash, larger than it
        common = int(np.count_nonzero(theirs[at] == grams))
        if common / (size + other - common) >= similarity:
            return candidate
    return None
