"""A labelled corpus of consultation answers: personalised form-letter campaigns and others.

The corpus has N submissions: 80% belong to 20 form-letter campaigns (55 to 250 words,
several paragraphs), 20% are unrelated texts drawn from the same vocabulary and the same
stock phrases ("the information society", "in accordance with the"), so unrelated texts
share common 3-word shingles the way real consultation answers do. Campaign copies are
sent verbatim (a third, some with case or punctuation changes) or personalised with any
mix of: a greeting, a signature with a name, a sentence about the sender, one sentence
rewritten, two rewritten (letters of 120 words or more), paragraphs reordered, a
sentence of their own appended.

:func:`corpus` streams ``(id, body, label)``; the label is the campaign (``c7``) or the
id itself, so a pair of submissions belongs together exactly when their labels are equal.
It is deterministic for a seed and streams in constant memory.
"""

from __future__ import annotations

import random
from collections import Counter
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

CAMPAIGNS = 20
CAMPAIGN_SHARE = 0.8

_STOCK = (
    "the information society",
    "in accordance with the",
    "we welcome the opportunity to",
    "the world summit on the information society",
    "sustainable development goals",
    "all stakeholders",
    "capacity building in developing countries",
    "it is important to note that",
    "the digital divide",
    "access to information and knowledge",
)
_GREETINGS = ("Dear organisers,", "Dear Sir or Madam,", "To whom it may concern:", "Hello,")
_CLOSINGS = ("Signed,", "Yours sincerely,", "Best regards,", "Thank you,", "Kind regards,")


def _vocabulary(rng: random.Random, size: int = 4_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(size * 2)}
    return sorted(words)[:size]


class Writer:
    """Random sentences over a Zipf-weighted vocabulary with stock phrases mixed in."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = _vocabulary(rng)
        # Cumulative once: ``choices(weights=...)`` re-adds all 4,000 weights at every call,
        # which was a third of loading the 1M corpus. Same draws, so the same corpus.
        self.cum_weights = list(accumulate(1 / (rank + 1) for rank in range(len(self.words))))

    def sentence(self) -> str:
        count = self.rng.randint(6, 18)
        words = self.rng.choices(self.words, cum_weights=self.cum_weights, k=count)
        if self.rng.random() < 0.5:
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(_STOCK))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraphs(self, words: int) -> list[list[str]]:
        sentences: list[str] = []
        written = 0
        while written < words:
            sentences.append(self.sentence())
            written += len(sentences[-1].split())
        size = max(1, len(sentences) // self.rng.randint(2, 4))
        return [sentences[i : i + size] for i in range(0, len(sentences), size)]

    def name(self) -> str:
        return " ".join(w.capitalize() for w in self.rng.choices(self.words[500:], k=2))


def _render(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs)


def _personalise(writer: Writer, template: list[list[str]]) -> str:
    rng = writer.rng
    paragraphs = [list(p) for p in template]
    length = sum(len(s.split()) for p in paragraphs for s in p)
    if rng.random() < 1 / 3:
        text = _render(paragraphs)
        roll = rng.random()
        if roll < 0.3:
            return text.upper()
        if roll < 0.6:
            return text.replace(".", "!").replace(",", "")
        return text
    sentences = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p))]
    if rng.random() < 0.3:
        rewrites = 2 if length >= 120 and rng.random() < 0.4 else 1
        for i, j in rng.sample(sentences, rewrites):
            paragraphs[i][j] = writer.sentence()
    if rng.random() < 0.2 and len(paragraphs) > 1:
        rng.shuffle(paragraphs)
    if rng.random() < 0.3:
        paragraphs[0].insert(0, f"My name is {writer.name()} and I live in {writer.name()}.")
    if rng.random() < 0.3:
        paragraphs[-1].append(writer.sentence())
    text = _render(paragraphs)
    if rng.random() < 0.5:
        text = f"{rng.choice(_GREETINGS)}\n\n{text}"
    if rng.random() < 0.6:
        text = f"{text}\n\n{rng.choice(_CLOSINGS)} {writer.name()}"
    return text


def corpus(size: int, seed: int = 2017) -> Iterator[tuple[str, str, str]]:
    """``size`` (id, body, label) triples; the label is the campaign or the id itself.

    Campaign and other texts are interleaved at random; ids are in stream order.
    """
    rng = random.Random(seed)
    writer = Writer(rng)
    templates = [writer.paragraphs(rng.randint(55, 250)) for _ in range(CAMPAIGNS)]
    for n in range(size):
        item_id = f"s{n:07d}"
        if rng.random() < CAMPAIGN_SHARE:
            campaign = rng.randrange(CAMPAIGNS)
            yield item_id, _personalise(writer, templates[campaign]), f"c{campaign}"
        else:
            yield item_id, _render(writer.paragraphs(rng.randint(20, 300))), item_id


def _pairs(counts: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def precision_recall(
    labels: Iterable[tuple[str, str]], groups: Iterable[Iterable[str]]
) -> tuple[float, float]:
    """Pair precision and recall of ``groups`` (of ids) against ``(id, label)`` pairs.

    A true pair is two submissions with one label; precision = grouped true pairs /
    grouped pairs, recall = grouped true pairs / true pairs.
    """
    label = dict(labels)
    group_of = {item_id: index for index, ids in enumerate(groups) for item_id in ids}
    truth = _pairs(Counter(label.values()))
    predicted = _pairs(Counter(group_of.values()))
    both = _pairs(Counter((g, label[i]) for i, g in group_of.items()))
    precision = both / predicted if predicted else 1.0
    recall = both / truth if truth else 1.0
    return precision, recall
