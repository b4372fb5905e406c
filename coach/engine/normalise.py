"""The canonical form of a statement that the learned classifier reads.

Surface noise that says nothing about what a statement measures (a "KR2:" prefix, an
emoji, trailing punctuation, British spelling, a "we want to" lead-in, a one-letter
typo) is removed here, before both the embedding and the rule features see the text,
so that such noise cannot flip a verdict. Case is left alone: the embedder lowercases
anyway, and the rule features read a lowercased copy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from coach.engine import lexicon as lx

# A label that only numbers or files the statement: "KR2:", "O1.3 -", "VP Eng KR:", "Web KR 4)".
_PREFIX = re.compile(
    r"^\s*(?:(?:[\w&/-]+\s+){0,3}?(?:kr|okr|key result|objective|goal|"
    r"o)\s*#?\d*(?:\.\d+)*\s*[:.)\-\u2013\u2014]\s+|(?:kr|o)\s*#?\d+(?:\.\d+)*\s+(?=[a-z]))",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25cf>]+|\d+[.)])\s+")
_EDGE_PUNCT = " \t\n.!?;,:\u2026"
_SPACES = re.compile(r"\s+")

# British spellings product people write, to the American form the bank mostly uses.
_STEMS_ISE = ("organ", "optim", "maxim", "minim", "priorit", "personal", "custom", "standard", "monet",
              "util", "real", "recogn", "categor", "emphas", "summar", "visual", "central", "normal",
              "special", "digit", "modern", "local", "global", "capital", "final", "initial", "synchron",
              "famil", "stabil", "mobil", "incentiv", "operational", "commercial", "productiv", "productis",
              "author", "character", "memor", "rational", "general", "gamif", "democrat", "revolution",
              "critic", "apolog", "energ")
_ISE = re.compile(r"\b(" + "|".join(_STEMS_ISE) + r")is(e|es|ed|er|ers|ing|ation|ations)\b", re.IGNORECASE)
_WORDS_UK_US = {
    "behaviour": "behavior", "behaviours": "behaviors", "behavioural": "behavioral", "colour": "color",
    "colours": "colors", "favourite": "favorite", "favourites": "favorites", "favour": "favor",
    "honour": "honor", "labour": "labor", "neighbour": "neighbor", "neighbours": "neighbors",
    "centre": "center", "centres": "centers", "programme": "program", "programmes": "programs",
    "catalogue": "catalog", "catalogues": "catalogs", "licence": "license", "licences": "licenses",
    "defence": "defense", "enrol": "enroll", "enrols": "enrolls", "enrolment": "enrollment",
    "enrolments": "enrollments", "travelled": "traveled", "traveller": "traveler", "travellers": "travelers",
    "travelling": "traveling", "cancelled": "canceled", "cancelling": "canceling", "modelling": "modeling",
    "labelled": "labeled", "labelling": "labeling", "fulfil": "fulfill", "fulfilment": "fulfillment",
    "analyse": "analyze", "analyses": "analyzes", "analysed": "analyzed", "analysing": "analyzing",
    "whilst": "while", "cheque": "check", "cheques": "checks", "tonne": "ton", "tonnes": "tons",
    "grey": "gray", "judgement": "judgment", "ageing": "aging", "paediatric": "pediatric",
    "orthopaedic": "orthopedic", "aluminium": "aluminum", "mum": "mom", "mums": "moms",
    "jewellery": "jewelry", "storey": "story", "tyre": "tire", "tyres": "tires", "practise": "practice",
    "learnt": "learned", "metre": "meter", "metres": "meters", "kilometre": "kilometer",
    "kilometres": "kilometers", "theatre": "theater",
}
_UK_WORD = re.compile(r"\b(" + "|".join(sorted(_WORDS_UK_US, key=len, reverse=True)) + r")\b", re.IGNORECASE)
# A closing guardrail clause ("..., without CSAT dropping", "while keeping refunds under 2%"). What it
# guards does not change the kind or traps, only that a guardrail exists; its words, though, read like a
# second goal to the embedding, so they are replaced by one fixed phrase.
_GUARD_TAIL = re.compile(
    r",?\s*\b(?:without|while keeping|while maintaining|while holding|while protecting|and keep(?:ing)?|but "
    r"not at the expense of|not at the expense of|as long as)\b(?=[^.;]*\b(?:drop\w*|fall\w*|ris\w*|"
    r"declin\w*|get(?:ting)? worse|go(?:ing)? (?:up|down)|increas\w*|decreas\w*|above|below|under|over|"
    r"steady|flat|stable|hurt\w*|harm\w*|lower\w*|reduc\w*)\b)[^.;]*$",
    re.IGNORECASE,
)
GUARD_PHRASE = ", without harming the guardrail metric"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[A-Za-z]+")


def _keep(ch: str) -> bool:
    """Drop emoji, pictographs and their joiners; keep letters, digits, punctuation, currency, arrows."""
    if ch in "\u200d\ufe0e\ufe0f\u20e3":
        return False
    category = unicodedata.category(ch)
    return not (category == "So" or category == "Sk" or category.startswith("C") and ch not in "\n\t")


def _americanise(text: str) -> str:
    text = _ISE.sub(lambda m: f"{m.group(1)}iz{m.group(2)}", text)
    return _UK_WORD.sub(lambda m: _WORDS_UK_US[m.group(1).lower()], text)


def _edits1(word: str) -> Iterable[str]:
    """Every string one deletion, transposition, substitution or insertion away (Norvig's speller)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if right:
            yield left + right[1:]
            yield from (left + c + right[1:] for c in _LETTERS if c != right[0])
        if len(right) > 1:
            yield left + right[1] + right[0] + right[2:]
        yield from (left + c + right for c in _LETTERS)


class Speller:
    """Mends one-letter typos towards words the labelled bank uses much more often.

    `known` holds words always left alone (the tokenizer's whole words); `counts` says how
    often the bank uses each word. A word is replaced by a neighbour one edit away only
    when that neighbour is used at least twice and ten times as often as the word itself,
    so a rare but real word is not "corrected", while a typo that the bank happens to
    contain ("increse") still is.
    """

    def __init__(self, known: set[str], counts: dict[str, int]):
        self.known = known
        self.counts = counts

    def fix_word(self, word: str) -> str:
        low = word.lower()
        if len(low) < 5 or low in self.known:
            return word
        floor = max(2, 10 * self.counts.get(low, 0))
        candidates = sorted(c for c in set(_edits1(low)) if self.counts.get(c, 0) >= floor)
        if not candidates:
            return word
        best = max(candidates, key=lambda c: self.counts[c])
        return best.upper() if word.isupper() else best.capitalize() if word[0].isupper() else best

    def __call__(self, text: str) -> str:
        return _WORD.sub(lambda m: self.fix_word(m.group(0)), text)


def canonical(statement: str, speller: Speller | None = None) -> str:
    """The statement without noise that carries no meaning for its kind or traps."""
    text = unicodedata.normalize("NFKC", statement)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = "".join(ch for ch in text if _keep(ch))
    text = _SPACES.sub(" ", text).strip(_EDGE_PUNCT)
    for _ in range(2):  # "- KR2: ..." has a bullet and a label
        text = _BULLET.sub("", _PREFIX.sub("", text, count=1), count=1).strip(_EDGE_PUNCT)
    text = _americanise(text)
    if speller is not None:
        text = speller(text)
    lead = lx.LEAD_IN.sub("", text, count=1).strip(_EDGE_PUNCT)
    text = lead if len(lead.split()) >= 2 else text  # keep "Goal: retention" whole rather than empty it
    guard = _GUARD_TAIL.search(text)
    if guard and len(text[:guard.start()].split()) >= 2:
        text = text[:guard.start()].rstrip(" ,") + GUARD_PHRASE
    return text[:1].upper() + text[1:] if text else statement.strip()
