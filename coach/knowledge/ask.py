"""`answer_offline`: a direct, cited answer to a question, built from the library without a model.

The answer leads with the curated "In short" of the best-matching note, then adds up to three
supporting sentences from the retrieved passages (those sharing the most words with the
question), each followed by its note id. Sentences are quoted whole or not at all, and a
sentence that shows an internal field name (`business_link`) is never quoted.

"Not covered": when the nearest chunk in meaning is further than `COVERED_SIMILARITY` (when the
searcher can tell, as `KnowledgeBase.top_similarity` does) or the question shares no word with
the library, the answer says so and offers the nearest notes instead.

A follow-up ("and for a B2B team?") is read together with the earlier question (`context`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

from coach.knowledge.lexical import tokenize
from coach.models import Answer, Passage

MAX_SUPPORT = 3
MAX_SUPPORT_PER_NOTE = 2
MAX_SENTENCE_CHARS = 400
MIN_SENTENCE_WORDS = 6
#: Below this coverage score (`coverage_score`, MiniLM cosine similarity), the library does not cover a
#: question. Chosen on the dev onboarding questions (evals/cases/dev/library_questions.yaml; scores printed
#: by `evals/tools/ask_table.py --scores`): covered questions scored 0.492 and up, off-library ones 0.443
#: and below but one (pricing plans, 0.574, close to "B2B SaaS" questions). The cut sits between the two.
COVERED_SIMILARITY = 0.465
#: A listed question this close to the user's (cosine) picks the note that answers first.
LEAD_SIMILARITY = 0.75
#: Passages searched before the answering note is moved first and the list cut to k.
POOL = 8
#: A sentence of the answering note leads instead of its "In short" when it carries this share of the
#: question's (rarity-weighted) words and twice what the "In short" carries.
SHARPER_SHARE = 0.25
#: A sentence of another note joins the answer only when it carries this share of the question's words.
OTHER_NOTE_SHARE = 0.3
#: A question with at most this many content words, after an earlier one, is read as a follow-up.
FOLLOW_UP_WORDS = 5
NOT_COVERED = "The library does not cover this question."
NOTHING_FOUND = (
    f"{NOT_COVERED} It is about turning outputs into outcomes; try, for example: \"How do I turn a feature "
    "into an outcome?\", \"Is NPS a good key result?\", \"What is a guardrail metric?\" or \"How do product "
    "outcomes lead business outcomes?\""
)
IN_SHORT_LABEL = "In short:"

#: Split after . ! or ? (keeping a closing quote or bracket with its sentence) before a capital or digit.
_SPLIT = re.compile(r"(?:(?<=[.!?][\"')\]])|(?<=[.!?]))\s+(?=[\"'(\[]*[A-Z0-9])")
_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)]|>|#+)\s*")
# : snake_case names (`business_link`, `value_moment`, `output_in_disguise`) are the engine's, not the
# reader's.
INTERNAL_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")
_FOLLOW_UP_CUE = re.compile(r"^\s*(?:and|but|so|also|then|what about|how about|what if|same|does (?:that|"
                            r"this|it)|is (?:that|this|it)|(?:and )?(?:for|in|with) (?:a|an|the|my|our)\b)",
                            re.IGNORECASE)

_LEANS_BACK = re.compile(r"^[\"'(]*(?:this|that|these|those|it|its|they|them|their|both|each|either|neither|"
                         r"such|here|there|first|second|third|then|also|but|so|still|yet|now|instead|"
                         r"otherwise|however|even|again|another|the same|in each case|two "
                         r"things)\b", re.IGNORECASE)
_ELLIPTIC_END = re.compile(r"\b(?:does|do|did|is|are|was|were|can|will|would|should|has|have) not\.?$|\bthat "
                           r"door\b")
_SELF_CONTAINED = re.compile(r"^\s*(?:what|how|why|when|who|which|is|are|can|should|do|does)\b",
                             re.IGNORECASE)


class Searcher(Protocol):
    """What `answer_offline` needs from a knowledge base."""

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]: ...


@dataclass(frozen=True)
class _Candidate:
    score: float
    matched: int
    overlap: float
    rank: int
    position: int
    sentence: str
    note_id: str


def sentences(text: str) -> list[str]:
    """Plain sentences of a passage: heading and "In short" lines dropped, markdown bullets and emphasis
    removed."""
    _, body = split_passage(text)
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)", body):
        line = " ".join(_MARKUP.sub("", ln).strip() for ln in para.splitlines() if ln.strip())
        line = re.sub(r"[*_`]{1,2}([^*_`]+)[*_`]{1,2}", r"\1", line)
        line = line.replace("|", " ").replace(" -> ", " becomes ").strip()
        if not line or set(line) <= set("-: "):
            continue
        # A sentence ending in ':' only introduces a list; it says nothing alone.
        out.extend(s.strip() for s in _SPLIT.split(line)
                   if len(s.split()) >= MIN_SENTENCE_WORDS and not s.rstrip().endswith(":"))
    return out


def split_passage(text: str) -> tuple[str, str]:
    """(the note's "In short" answer or "", the passage body without its heading line)."""
    body = text.split("\n", 1)[1] if "\n" in text else text
    if body.startswith(IN_SHORT_LABEL):
        first, _, rest = body.partition("\n")
        return first[len(IN_SHORT_LABEL):].strip(), rest.strip()
    return "", body


def quotable(sentence: str) -> bool:
    """A sentence we may quote: whole, not too long, and free of internal names."""
    return (len(sentence) <= MAX_SENTENCE_CHARS and not INTERNAL_NAME.search(sentence)
            and sentence.count('"') % 2 == 0 and sentence.count("(") == sentence.count(")"))


def is_follow_up(question: str, context: str) -> bool:
    """Whether a question leans on the earlier one: it opens like a follow-up ("and for...", "what about..."),
    or it is short and does not open as a question of its own ("B2B?", "in fintech")."""
    if not context.strip():
        return False
    words = len(tokenize(question))
    return bool(_FOLLOW_UP_CUE.match(question)) \
            or (words <= FOLLOW_UP_WORDS and not _SELF_CONTAINED.match(question))


def resolve(question: str, context: str = "") -> tuple[str, str]:
    """(the query to search with, the earlier question it follows or "")."""
    if is_follow_up(question, context):
        return f"{context.strip()} {question.strip()}", context.strip()
    return question, ""


def _unwrap(kb: Any, name: str) -> Any:
    """An attribute of the searcher, or of the knowledge base it wraps (a caching or grounding wrapper)."""
    for obj in (kb, getattr(kb, "kb", None)):
        value = getattr(obj, name, None) if obj is not None else None
        if callable(value):
            return value
    return None


def _candidates(weights: dict[str, float], passages: list[Passage]) -> list[_Candidate]:
    found: list[_Candidate] = []
    norm = math.sqrt(sum(weights.values()) or 1.0)
    for rank, passage in enumerate(passages):
        for position, sentence in enumerate(sentences(passage.text)):
            if not quotable(sentence) or not stands_alone(sentence):
                continue
            terms = set(tokenize(sentence))
            matched = [t for t in weights if t in terms]
            if not matched:
                continue
            overlap = sum(weights[t] for t in matched)
            # Word overlap (rare words weigh more) dominates; an earlier passage and sentence break ties.
            score = overlap / norm + 0.3 / (1 + rank) + 0.05 / (1 + position)
            found.append(_Candidate(score, len(matched), overlap, rank, position, sentence, passage.id))
    return sorted(found, key=lambda c: -c.score)


def stands_alone(sentence: str) -> bool:
    """A sentence that reads on its own: it does not open by pointing back ("This...", "Both...")
    and does not end on an ellipsis of the sentence before ("...does not.")."""
    return (not _LEANS_BACK.match(sentence) and not _ELLIPTIC_END.search(sentence)
            and len(sentence.split()) >= 8
            and sentence.lstrip("\"'(")[:1].isupper() and sentence.rstrip()[-1:] in ".!\"'")


def _weights(kb: Any, query: str, own: str = "") -> dict[str, float]:
    """Weight of each query word: its rarity in the library when the searcher can tell, else 1; the
    follow-up's own words (`own`) weigh double, so "and for a B2B team?" finds the B2B sentences."""
    rarity = _unwrap(kb, "term_weights")
    weights = rarity(query) if rarity is not None else {t: 1.0 for t in tokenize(query)}
    weights = weights or {t: 1.0 for t in tokenize(query)}
    mine = set(tokenize(own))
    return {t: w * (2.0 if t in mine else 1.0) for t, w in weights.items()}


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= 0.6


def _overlap(weights: dict[str, float], text: str) -> float:
    terms = set(tokenize(text))
    return sum(w for t, w in weights.items() if t in terms)


def _lead(passages: list[Passage], weights: dict[str, float]) -> list[str]:
    """The direct answer, first sentence first: the top note's curated "In short"; but when one sentence
    of that note matches the question far better ("how are OKRs scored?"), that sentence, then the "In
    short"."""
    top = passages[0]
    in_short, _ = split_passage(top.text)
    best = _candidates(weights, [top])
    if in_short and not INTERNAL_NAME.search(in_short):
        sharper = best[0] if best else None
        if sharper and sharper.matched >= 2 and sharper.overlap >= 2 * _overlap(weights, in_short) \
                and sharper.overlap >= SHARPER_SHARE * sum(weights.values()):
            return [sharper.sentence, in_short]
        return [in_short]
    if best:
        return [best[0].sentence]
    first = next((s for s in sentences(top.text) if quotable(s)), "")
    return [first] if first else []


def not_covered(nearest: list[Passage]) -> Answer:
    """Say plainly that the library does not answer, offering the nearest notes (by title and id)."""
    if not nearest:
        return Answer(answer=NOTHING_FOUND, sources=[], covered=False)
    names = [f"\u201c{p.title}\u201d [{p.id}]" for p in nearest]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    text = (f"{NOT_COVERED} The nearest notes are {listed}; they may help if your question touches on them. "
            "The library is about turning outputs into outcomes: metrics, guardrails, OKRs and discovery.")
    return Answer(answer=text, sources=[], covered=False, nearest=nearest)


def asked_parts(query: str) -> list[str]:
    """The query, and each sentence of it that asks something when it has context around the question."""
    parts = [s.strip() for s in re.split(r"(?<=[.!?])\s+", query or "") if s.strip()]
    asks = [s for s in parts if s.endswith("?") and tokenize(s)]
    return [query] + (asks if len(parts) > 1 else [])


def coverage_score(kb: Any, query: str) -> float | None:
    """How close the library comes to a query: the best cosine similarity of its nearest chunk to the whole
    query or to one of its asking sentences ("We're a B2B team. How do we ...?"); None when the searcher
    cannot measure meaning."""
    similarity = _unwrap(kb, "top_similarity")
    if similarity is None:
        return None
    return max(similarity(part) for part in asked_parts(query))


def coverage(kb: Any, query: str, passages: list[Passage] | None = None,
             min_similarity: float | None = None) -> bool:
    """Whether the library answers a query. With a calibrated embedder (`coverage_threshold`), its coverage
    score must reach the threshold; otherwise (or with `min_similarity=0`) the query must share a word with
    the passages found for it."""
    terms = set(tokenize(query or ""))
    if not terms:
        return False
    threshold = min_similarity
    if threshold is None:
        calibrated = _unwrap(kb, "coverage_threshold")
        threshold = calibrated() if calibrated is not None else None
    if threshold:
        score = coverage_score(kb, query)
        return score is None or score >= threshold
    found = passages if passages is not None else kb.search(query, k=3)
    return any(terms & set(tokenize(p.text)) for p in found)


def answer_offline(kb: Searcher, question: str, k: int = 3, context: str = "",
                   min_similarity: float | None = None) -> Answer:
    """A direct, cited answer from the top `k` passages, or "not covered" with the nearest notes.

    `context` is the earlier question of a conversation; a follow-up is searched together with it.
    `min_similarity` overrides the knowledge base's calibrated threshold (0: decide by shared words)."""
    query, follows = resolve(question or "", context)
    passages = lead_first(kb, query, kb.search(query, k=max(k, POOL)), k) if tokenize(query) else []
    if not passages or not coverage(kb, query, passages, min_similarity):
        answer = not_covered(passages)
        answer.follow_up_of = follows
        return answer
    if follows:
        passages = _with_own_words(kb, question, follows, passages)
    weights = _weights(kb, query,
                       " ".join(set(tokenize(question)) - set(tokenize(follows))) if follows else "")
    leads, lead_id = _lead(passages, weights), passages[0].id
    picked: list[_Candidate] = []
    total = sum(weights.values()) or 1.0
    for cand in _candidates(weights, passages):
        if any(_similar(cand.sentence, s) for s in leads) \
                or any(_similar(cand.sentence, c.sentence) for c in picked):
            continue
        # Up to two facts from the answering note; one more from another note if it matches the question well.
        own = cand.note_id == lead_id
        if own and sum(c.note_id == lead_id for c in picked) >= MAX_SUPPORT_PER_NOTE:
            continue
        if not own and (cand.matched < 2 or cand.overlap < OTHER_NOTE_SHARE * total
                        or any(c.note_id != lead_id for c in picked)):
            continue
        picked.append(cand)
        if len(picked) == MAX_SUPPORT:
            break
    if not any(c.note_id == lead_id for c in picked):
        extra = next((s for s in sentences(passages[0].text)
                      if quotable(s) and stands_alone(s) and not any(_similar(s, x) for x in leads)), None)
        if extra:
            picked.append(_Candidate(0.0, 0, 0.0, 0, 0, extra, passages[0].id))
    picked.sort(key=lambda c: (c.rank, c.position))
    parts = [f"{s} [{lead_id}]" for s in leads] + [f"{c.sentence} [{c.note_id}]" for c in picked]
    return Answer(answer=" ".join(parts), sources=passages, covered=True, follow_up_of=follows)


def _with_own_words(kb: Any, question: str, context: str, passages: list[Passage]) -> list[Passage]:
    """For a follow-up ("and for a B2B team?"): bring in the passage on the same topic that holds the
    follow-up's new words, in place of that note's other passage, or of the last one."""
    new_words = set(tokenize(question)) - set(tokenize(context))
    if not new_words or not passages:
        return passages
    for found in kb.search(f"{question} {passages[0].title}", k=POOL):
        if not any(new_words & set(tokenize(s)) for s in sentences(found.text) if quotable(s)
                   and stands_alone(s)):
            continue
        if any(p.chunk_id == found.chunk_id for p in passages):
            return passages
        ids = [p.id for p in passages]
        at = ids.index(found.id) if found.id in ids else len(passages) - 1
        return passages[:at] + [found] + passages[at + 1:]
    return passages


def lead_first(kb: Any, query: str, passages: list[Passage], k: int) -> list[Passage]:
    """The top `k` passages, led by the note whose listed questions match the query very closely (at or
    above `LEAD_SIMILARITY`) when the fused ranking put another note first."""
    best = _unwrap(kb, "best_answer")
    matches = [m for m in (best(part) for part in asked_parts(query)) if m] if best is not None else []
    found = max(matches, key=lambda m: m[1], default=None)
    if found and found[1] >= LEAD_SIMILARITY:
        chosen = [p for p in passages if p.id == found[0]]
        passages = chosen[:1] + [p for p in passages if p.id != found[0]]
    return passages[:k]


def cited_ids(text: str) -> list[str]:
    """Note ids cited as [note-id] in an answer, in order of first citation."""
    return list(dict.fromkeys(re.findall(r"\[([A-Za-z0-9][\w.-]*)\]", text or "")))


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `coach ask --json` object: answer, sources (the contract), covered, citations and nearest notes."""
    titles = {p.id: p.title for p in answer.sources}
    data: dict[str, Any] = {
        "answer": answer.answer,
        "sources": [{"id": p.id, "title": p.title, "text": p.text} for p in answer.sources],
        "covered": answer.covered,
        "citations": [{"id": i, "title": titles[i]} for i in cited_ids(answer.answer) if i in titles],
        "nearest": [{"id": p.id, "title": p.title} for p in answer.nearest],
    }
    if answer.follow_up_of:
        data["follow_up_of"] = answer.follow_up_of
    return data
