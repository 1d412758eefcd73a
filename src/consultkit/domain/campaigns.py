"""Campaigns: exact fingerprints and near-duplicate groups of submission texts.

Campaign copies are detected and counted, never dropped (the EU Ombudsman's lesson).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING, Any

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
        size = max(size, 1 << 22)
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

    values = np.fromiter(hashes, dtype=np.uint64)
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

    ``values`` holds every set's hashes one after another and ``owners`` the set each
    belongs to (ascending); every set must have at least one hash.
    """
    import numpy as np

    empty = np.uint64(_LOW + 1)
    flat = np.full(count * MINHASH_VALUES, empty, dtype=np.uint64)
    slots = owners * MINHASH_VALUES + (values >> np.uint64(_BIN_SHIFT)).astype(np.intp)
    np.minimum.at(flat, slots, values & np.uint64(_LOW))
    mins = flat.reshape(count, MINHASH_VALUES)
    filled = mins != empty
    if filled.all():
        return mins
    # Optimal densification (Shrivastava 2017): an empty bin copies the first filled bin
    # of its own fixed probe sequence. Copying the next bin round (rotation) made short
    # unrelated texts agree on whole runs of bins, so LSH found them as candidates
    # hundreds of times too often (issue 14).
    signature = mins.copy()
    missing = ~filled
    rows = np.arange(count)
    for donor in _probe_order().T:  # one probe for every bin, then the next...
        rows = rows[missing[rows].any(axis=1)]
        if not len(rows):
            return signature
        took = missing[rows] & filled[rows][:, donor]
        signature[rows] = np.where(took, mins[rows][:, donor], signature[rows])
        missing[rows] &= ~took
    # A very sparse set can miss every probe: rotation fills the rest, tagged with the
    # distance, so the signature is still a function of the set alone.
    known = ~missing
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
    """LSH buckets, band key -> leading texts, in two sorted arrays and a dict for one batch.

    A dict entry per band of every leading text held gigabytes at a million submissions
    (issue 14); sorted uint64/int64 arrays cost 16 bytes an entry and are searched a whole
    batch at a time (needles sorted, so each search narrows the next). New entries go into
    a small array, merged into the large one when it reaches a quarter of its size or
    :data:`_SMALL_CAP` entries. The current batch's leaders sit in ``recent``.
    """

    def __init__(self) -> None:
        import numpy as np

        nothing = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
        self.large: tuple[Any, Any] = nothing
        self.small: tuple[Any, Any] = nothing
        self.recent: dict[int, list[int]] = {}
        self.pending: list[tuple[list[int], int]] = []

    def search(self, keys: Any) -> list[set[int]]:
        """The leading texts sharing a band with each row of ``keys``, from earlier batches."""
        import numpy as np

        found: list[set[int]] = [set() for _ in range(len(keys))]
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
            within = np.arange(int(runs.sum())) - np.repeat(np.cumsum(runs) - runs, runs)
            leaders = level_leaders[np.repeat(starts, runs) + within]
            pairs = np.unique(rows.astype(np.int64) << 32 | leaders)
            for pair in pairs.tolist():
                found[pair >> 32].add(pair & 0xFFFFFFFF)
        return found

    def add(self, leader: int, keys: list[int]) -> None:
        for key in keys:
            listed = self.recent.get(key)
            if listed is None:
                self.recent[key] = [leader]
            else:
                listed.append(leader)
        self.pending.append((keys, leader))

    def freeze(self) -> None:
        """Move this batch's leaders into the arrays."""
        import numpy as np

        if not self.pending:
            return
        keys = np.array([k for k, _ in self.pending], dtype=np.uint64).ravel()
        bands = len(self.pending[0][0])
        leaders = np.repeat(np.array([n for _, n in self.pending], dtype=np.int64), bands)
        self.recent.clear()
        self.pending.clear()
        order = np.argsort(keys)
        self.small = _merged(self.small, (keys[order], leaders[order]))
        # The small array is copied at every batch, the large one at every merge: capping
        # the small one keeps both copies a bounded cost per entry.
        if len(self.small[0]) > min(_SMALL_CAP, len(self.large[0]) // 4):
            self.large = _merged(self.large, self.small)
            self.small = (self.small[0][:0], self.small[1][:0])


def _merged(into: tuple[Any, Any], more: tuple[Any, Any]) -> tuple[Any, Any]:
    """Two sorted (keys, leaders) pairs as one, in one linear pass."""
    import numpy as np

    at = np.searchsorted(into[0], more[0])
    return np.insert(into[0], at, more[0]), np.insert(into[1], at, more[1])


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
    ids_of: dict[int, list[str]] = {}
    ranks_of: dict[int, list[int]] = {}
    for item_id, key in members:
        found = placed.get(bytes.fromhex(key))
        if found is None or sizes[found[0]] < 2:
            continue
        listed = ids_of.get(found[1])
        if listed is None:
            listed = ids_of[found[1]] = []
            ranks_of.setdefault(found[0], []).append(found[1])
        listed.append(item_id)
    groups = []
    for ranks in ranks_of.values():
        ranks.sort()
        ids = tuple(item for rank in ranks for item in ids_of[rank])
        if len(ids) > 1:
            groups.append(DuplicateGroup(ids=ids, exact=len(ranks) == 1))
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
    """

    import numpy as np

    rows = lsh_rows(similarity)
    buckets = _Buckets()
    grams_of: dict[int, bytes] = {}  # leader rank -> its shingle hashes, sorted and unique
    leader_copies: dict[int, tuple[bytes, int]] = {}  # single-copy leaders, until joined
    placed: dict[bytes, tuple[int, int, int]] = {}
    batch: list[tuple[int, bytes, int]] = []
    bodies: list[str] = []

    def settle() -> None:
        words, counts = _batch_words(bodies)
        near = counts >= NEAR_DUPLICATE_MIN_WORDS
        if near.any():
            owners = np.repeat(np.arange(len(counts)), counts)
            grams, owners, starts = _batch_shingles(words[near[owners]], counts[near])
            keys = _band_keys(_signatures(grams, owners, int(near.sum())), rows)
            found = buckets.search(keys)
            band_rows = keys.tolist()
        index = 0
        for (text_rank, key, copies), signed in zip(batch, near.tolist(), strict=True):
            if not signed:
                if copies > 1:
                    placed[key] = (text_rank, text_rank, copies)
                continue
            mine = grams[starts[index] : starts[index + 1]]
            band_keys, candidates = band_rows[index], found[index]
            index += 1
            for band in buckets.recent.keys() & band_keys:  # in C: few are shared
                candidates.update(buckets.recent[band])
            leader = _first_similar(mine, sorted(candidates), grams_of, similarity)
            if leader is None:
                grams_of[text_rank] = mine.tobytes()
                buckets.add(text_rank, band_keys)
                if copies > 1:
                    placed[key] = (text_rank, text_rank, copies)
                else:
                    leader_copies[text_rank] = (key, copies)
                continue
            placed[key] = (leader, text_rank, copies)
            alone = leader_copies.pop(leader, None)
            if alone is not None:
                placed[alone[0]] = (leader, leader, alone[1])
        buckets.freeze()
        batch.clear()
        bodies.clear()

    for rank, (key, copies, body) in enumerate(texts):
        batch.append((rank, bytes.fromhex(key), copies))
        bodies.append(body)
        if len(batch) >= _BATCH:
            settle()
    if batch:
        settle()
    return placed


def _batch_shingles(words: Any, counts: Any) -> tuple[Any, Any, list[int]]:
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
    starts = [0, *np.cumsum(fresh.sum(axis=1)).tolist()]
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
