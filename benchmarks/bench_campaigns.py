"""Benchmark: campaign (near-duplicate) grouping on a labelled synthetic corpus.

The corpus has N submissions: 80% belong to 20 form-letter campaigns (55 to 250 words,
several paragraphs), 20% are unrelated texts drawn from the same vocabulary and the same
stock phrases ("the information society", "in accordance with the"), so unrelated texts
share common 3-word shingles the way real consultation answers do. Campaign copies are
sent verbatim (a third, some with case or punctuation changes) or personalised with any
mix of: a greeting, a signature with a name, a sentence about the sender, one sentence
rewritten, two rewritten (letters of 120 words or more), paragraphs reordered, a
sentence of their own appended.

Measured in the same run:

* ``duplicate_groups`` (MinHash LSH + exact Jaccard check) against a baseline: the exact
  fingerprint grouping pass over the same bodies (``duplicate_groups(..., exact_only=True)``),
  as a time ratio (CPU time, median of ``--repeat`` alternating runs).
* Pair precision and recall against the labels: a pair of submissions is a true pair when
  both come from one campaign; precision = grouped true pairs / grouped pairs, recall =
  grouped true pairs / true pairs.

    python benchmarks/bench_campaigns.py           # 100,000 submissions; exit 1 if recall
                                                   # < 0.95 or precision < 0.99
    python benchmarks/bench_campaigns.py --smoke   # 4,000 for CI; never fails on figures
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING

from consultkit.domain.campaigns import duplicate_groups

if TYPE_CHECKING:
    from consultkit.domain.campaigns import DuplicateGroup

MIN_RECALL = 0.95
MIN_PRECISION = 0.99
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
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def sentence(self) -> str:
        count = self.rng.randint(6, 18)
        words = self.rng.choices(self.words, weights=self.weights, k=count)
        if self.rng.random() < 0.5:
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(_STOCK))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraphs(self, words: int) -> list[list[str]]:
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < words:
            sentences.append(self.sentence())
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


def corpus(size: int, seed: int = 2017) -> list[tuple[str, str, str]]:
    """``size`` (id, body, label) triples; the label is the campaign or the id itself."""
    rng = random.Random(seed)
    writer = Writer(rng)
    templates = [writer.paragraphs(rng.randint(55, 250)) for _ in range(CAMPAIGNS)]
    rows = []
    for n in range(size):
        item_id = f"s{n:07d}"
        if rng.random() < CAMPAIGN_SHARE:
            campaign = rng.randrange(CAMPAIGNS)
            rows.append((item_id, _personalise(writer, templates[campaign]), f"c{campaign}"))
        else:
            body = _render(writer.paragraphs(rng.randint(20, 300)))
            rows.append((item_id, body, item_id))
    rng.shuffle(rows)
    return rows


def _pairs(counts: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def precision_recall(
    rows: list[tuple[str, str, str]], groups: list[DuplicateGroup]
) -> tuple[float, float]:
    """Pair precision and recall of ``groups`` against the labels of ``rows``."""
    label = {item_id: lab for item_id, _, lab in rows}
    group_of = {item_id: index for index, g in enumerate(groups) for item_id in g.ids}
    truth = _pairs(Counter(label.values()))
    predicted = _pairs(Counter(group_of.values()))
    both = _pairs(Counter((g, label[i]) for i, g in group_of.items()))
    precision = both / predicted if predicted else 1.0
    recall = both / truth if truth else 1.0
    return precision, recall


def run(size: int, repeat: int) -> tuple[float, float, float]:
    started = time.perf_counter()
    rows = corpus(size)
    bodies = [(item_id, body) for item_id, body, _ in rows]
    print(f"corpus: {size:,} submissions in {time.perf_counter() - started:.1f} s")
    ratios = []
    groups: list[DuplicateGroup] = []
    for attempt in range(repeat):
        timings = {}
        order = ["exact", "near"]
        if attempt % 2:
            order.reverse()
        for name in order:
            began = time.process_time()
            result = duplicate_groups(bodies, exact_only=name == "exact")
            timings[name] = time.process_time() - began
            if name == "near":
                groups = result
        ratios.append(timings["near"] / timings["exact"])
        print(
            f"run {attempt + 1}: exact fingerprints {timings['exact']:.2f} s,"
            f" near duplicates {timings['near']:.2f} s"
            f" ({size / timings['near']:,.0f} submissions/s), ratio {ratios[-1]:.1f}x"
        )
    precision, recall = precision_recall(rows, groups)
    near = sum(1 for g in groups if not g.exact)
    print(
        f"groups: {len(groups)} ({near} near-duplicate), largest {groups[0].count if groups else 0}"
    )
    return statistics.median(ratios), precision, recall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small and quick; never fails")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)
    size = args.size or (4_000 if args.smoke else 100_000)
    repeat = args.repeat or (1 if args.smoke else 3)
    ratio, precision, recall = run(size, repeat)
    print(
        f"median time ratio near/exact {ratio:.1f}x; pair precision {precision:.4f}"
        f" (target >= {MIN_PRECISION}), recall {recall:.4f} (target >= {MIN_RECALL})"
    )
    if args.smoke:
        return 0
    return 0 if recall >= MIN_RECALL and precision >= MIN_PRECISION else 1


if __name__ == "__main__":
    sys.exit(main())
