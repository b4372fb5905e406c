"""The application services the CLI and the app share: one place that wires settings,
the knowledge base, the engines and the LLM fallback together."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

from coach.engine.classifier import classify
from coach.engine.protocol import Coach, Retriever
from coach.engine.session import Session
from coach.models import Answer, Classification, Passage
from coach.settings import Settings


@cache
def _knowledge_base(data_dir: str, knowledge_dir: str, chroma_host: str | None, chroma_port: int):
    from coach.knowledge import KnowledgeBase

    return KnowledgeBase(Settings(data_dir=Path(data_dir), knowledge_dir=Path(knowledge_dir),
                                  chroma_host=chroma_host, chroma_port=chroma_port))


def knowledge_base(settings: Settings):
    """The knowledge base for these settings, opened once per process."""
    return _knowledge_base(str(settings.data_dir), str(settings.knowledge_dir), settings.chroma_host,
                           settings.chroma_port)


def classifier_prior(question: str) -> list[str]:
    """Notes on the traps the classifier finds in a question ('we count applications...'), else none."""
    from coach.engine.classifier import TRAP_NOTES

    verdict = classify(question)
    return [TRAP_NOTES[t] for t in verdict.traps][:2]


def library_search(kb, question: str, k: int = 3) -> list[Passage]:
    """Hybrid search with the classifier's verdict on the question fused in as a prior."""
    return kb.search(question, k=k, prior=classifier_prior(question))


class GroundedLibrary:
    """A knowledge base whose hybrid searches carry the classifier prior; otherwise the same object."""

    def __init__(self, kb):
        self.kb = kb

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]:
        prior = classifier_prior(query) if mode == "hybrid" else []
        return self.kb.search(query, k=k, mode=mode, prior=prior)

    def __getattr__(self, name: str):
        return getattr(self.kb, name)


def make_retriever(kb) -> Retriever:
    """A retriever for the engine: the best passage of the notes a move cites, else the best overall."""

    def retrieve(query: str, note_ids: list[str]) -> list[Passage]:
        hits = kb.search(query, k=12)
        preferred = [p for p in hits if p.id in note_ids]
        if preferred:
            return preferred
        for note_id in note_ids:
            hits = kb.search(f"{note_id.replace('-', ' ')} {query}", k=12)
            own = [p for p in hits if p.id == note_id]
            if own:
                return own
        return hits[:1]

    return retrieve


@cache
def _breaker(base_url: str | None, model: str):
    """One circuit breaker per provider, so a dead provider costs one timeout, not one per turn."""
    from coach.llm import Breaker

    return Breaker()


def _llm():
    """The LLM layer, or None when it is not installed in this build."""
    try:
        import coach.llm as llm
    except ImportError:
        return None
    return llm


def classify_statement(settings: Settings, statement: str) -> tuple[Classification, str]:
    llm = _llm()
    if settings.engine == "llm" and llm is not None:
        return llm.classify_with(settings, statement, breaker=_breaker(settings.base_url, settings.model))
    return classify(statement), ""


def ask_library(settings: Settings, question: str, k: int = 3, context: str = "") -> tuple[Answer, str]:
    """A cited answer from the library (offline or LLM), or "not covered" with the nearest notes.

    `context` is the earlier question of a conversation; a follow-up is read together with it."""
    from coach.knowledge.ask import answer_offline, coverage, not_covered, resolve

    kb = GroundedLibrary(knowledge_base(settings))
    llm = _llm()
    if settings.engine == "llm" and llm is not None:
        query, follows = resolve(question, context)
        if not coverage(kb,
                        query):  # the same rule as offline: no model call for what the library does not cover
            answer = not_covered(kb.search(query, k=k))
        else:
            asked = f'{question} (a follow-up to the earlier question "{follows}")' if follows else question
            answer, note = llm.ask_with(settings, kb, asked, k=k,
                                        breaker=_breaker(settings.base_url, settings.model))
            answer.follow_up_of = follows
            return answer, note
        answer.follow_up_of = follows
        return answer, ""
    from coach.llm.guard import strip_links

    answer = answer_offline(kb, question, k=k, context=context)
    # Ingested documents are data: an outside link or image inside one is never passed on.
    answer.answer = strip_links(answer.answer)
    return answer, ""


def make_coach(settings: Settings, grounded: bool = True) -> tuple[Coach, str]:
    """The coach for these settings (offline or LLM with fallback), grounded in the library."""
    retriever = make_retriever(knowledge_base(settings)) if grounded else None
    llm = _llm()
    if settings.engine == "llm" and llm is not None:
        return llm.build_coach(settings, retriever=retriever,
                               breaker=_breaker(settings.base_url, settings.model))
    return Coach(retriever=retriever), ""


def scripted_answers(answers: Path | None, persona: Path | None, case: str | None) -> list[str] | dict | None:
    """Answers for a scripted dialogue: a list from a file, or a persona (slot -> answer) from a case file."""
    if answers is not None:
        return [line.strip() for line in answers.read_text(encoding="utf-8").splitlines() if line.strip()]
    if persona is not None:
        cases = yaml.safe_load(persona.read_text(encoding="utf-8")) or []
        if not isinstance(cases, list) or not cases:
            raise ValueError(f"{persona} holds no cases")
        chosen = next((c for c in cases if c.get("id") == case), None) if case else cases[0]
        if chosen is None:
            raise ValueError(f"no case {case!r} in {persona}")
        return dict(chosen.get("persona") or {})
    return None


def run_dialogue(settings: Settings, statement: str, script: list[str] | dict | None,
                 echo: Callable[[str], None] | None = None, prompt: Callable[[], str] | None = None,
                 store=None) -> tuple[Session, str]:
    """Coach a statement to a card, answering from a script, a persona, or a prompt; every turn is
    saved to the store (when given) before it is shown."""
    coach, note = make_coach(settings)
    session = coach.start(statement)
    save = store.save if store is not None else (lambda _s: None)
    save(session)
    if echo:
        echo(f"coach: {session.transcript[-1].text}")
    queue = list(script) if isinstance(script, list) else None
    while session.status != "done":
        slot = session.transcript[-1].slot
        if isinstance(script, dict):
            answer = str(script.get(slot.value if slot else "", "") or "not sure")
        elif queue is not None:
            answer = queue.pop(0) if queue else "just give me a draft"
        elif prompt is not None:
            answer = prompt() or "not sure"
        else:
            answer = "just give me a draft"
        if echo:
            echo(f"you:   {answer}")
        turn = coach.reply(session, answer)
        save(session)
        if echo:
            echo(f"coach: {turn.text}")
    return session, note


def build_index(settings: Settings, force: bool = False) -> str:
    kb = knowledge_base(settings)
    report = kb.build(force=force)
    lines = [report.line()] + list(kb.notices)
    return "\n".join(lines)


def ingest_documents(settings: Settings, path: Path) -> str:
    report = knowledge_base(settings).ingest(path)
    return "\n".join(report.lines())
