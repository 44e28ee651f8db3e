"""Pick ``k`` passages from a ranked pool: at most ``per_plan`` per plan, no near-duplicates, MMR order.

Greedy maximal marginal relevance: each step takes the candidate maximising
``λ·relevance − (1 − λ)·similarity`` (relevance: its fused score over the best one;
similarity: its greatest similarity to a passage already taken), skipping candidates of
a plan that has ``per_plan`` passages and candidates at least ``DUPLICATE`` similar to
one taken (near-duplicates). Similarity is the Jaccard similarity of character-bigram
sets, estimated from MinHash signatures (:mod:`drafter.index.chunktable`).

Linear in the pool: each passage taken costs one vectorised comparison of its signature
with the whole pool, so picking ``k`` from ``n`` costs ``O(k·n)`` array work and no
pairwise comparisons inside the pool.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from drafter.index.chunktable import signatures, similarity
from drafter.models import Passage

DUPLICATE = 0.8
MMR_LAMBDA = 0.75


def pick(
    scores: np.ndarray,
    plans: np.ndarray,
    sigs: np.ndarray,
    *,
    k: int,
    per_plan: int = 2,
    start: Sequence[int] = (),
) -> list[int]:
    """Indices of the pool picked in order, after those in ``start`` (already taken, kept first).

    ``scores``: relevance of each candidate (higher is better); ``plans``: an integer per
    candidate naming its plan; ``sigs``: MinHash signatures; ``per_plan`` 0: no cap.
    """
    n = len(scores)
    taken = list(start)
    if n == 0:
        return taken
    top = float(np.max(scores)) or 1.0
    relevance = MMR_LAMBDA * (np.asarray(scores, dtype=np.float64) / top)
    sim = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    _, plan_of = np.unique(plans, return_inverse=True)
    per = np.zeros(int(plan_of.max()) + 1, dtype=np.int64)
    for i in taken:
        alive[i] = False
        per[plan_of[i]] += 1
        sim = np.maximum(sim, similarity(sigs, sigs[i]))
    while len(taken) < k:
        alive &= sim < DUPLICATE
        if per_plan:
            alive &= per[plan_of] < per_plan
        if not alive.any():
            break
        value = np.where(alive, relevance - (1 - MMR_LAMBDA) * sim, -np.inf)
        best = int(np.argmax(value))  # the first of equals: the better ranked
        taken.append(best)
        alive[best] = False
        per[plan_of[best]] += 1
        sim = np.maximum(sim, similarity(sigs, sigs[best]))
    return taken


def diversify(candidates: list[Passage], *, k: int, per_plan: int = 2) -> list[Passage]:
    """Pick ``k`` passages from a ranked list: ≤ ``per_plan`` per plan (0: any), no near-duplicates, MMR order."""
    if not candidates:
        return []
    names = {p.chunk.plan_id: i for i, p in enumerate(candidates)}
    plans = np.asarray([names[p.chunk.plan_id] for p in candidates])
    scores = np.asarray([p.score for p in candidates], dtype=np.float64)
    chosen = pick(scores, plans, signatures([p.text for p in candidates]), k=k, per_plan=per_plan)
    return [candidates[i] for i in chosen]
