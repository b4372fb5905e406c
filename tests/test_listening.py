"""A coach that listens: non-answers get a fitting reply, parts land in their slots, nothing is pasted."""

from __future__ import annotations

import pytest

from coach.engine.compose import guard_limit, outcome_sentence
from coach.engine.protocol import Coach
from coach.engine.understand import segment, understand, verb_phrase
from coach.evals.cardchecks import debris
from coach.models import Role, Slot


@pytest.mark.parametrize(("answer", "act"), [
    ("Look, we have to ship it anyway, leadership decided", "pushback"),
    ("the CEO wants it, we're building it regardless", "pushback"),
    ("What's the catch?", "question"),
    ("sorry, what do you mean?", "question"),
    ("hm, but more applications is good for employers, no?", "question"),
    ("I already said that.", "already"),
    ("it's in the statement", "already"),
    ("oh also, unrelated, but can we talk about the search ranking algorithm?", "off_topic"),
    ("wait, go back", "undo"),
    ("honestly sales asked for it", "vague"),
    ("it's what customers asked for", "vague"),
])
def test_each_kind_of_non_answer_is_recognised(answer, act):
    heard = understand(answer, Slot.value)
    assert act in heard.acts and not heard.has_content


def test_a_question_back_and_an_answer_in_one_message_keep_the_answer():
    heard = understand("What's the catch? Anyway, it matters most for self-directed investors", Slot.who)
    assert "question" in heard.acts and segment(heard.parts[Slot.who]) == "self-directed investors"


def test_one_answer_fills_several_slots():
    heard = understand("ops managers mostly, they'd approve invoices from their phone, when the payment run goes out "
                       "on time", Slot.who)
    assert segment(heard.parts[Slot.who]) == "ops managers"
    assert heard.parts[Slot.value_moment].startswith("when the payment run")
    heard = understand("OK. New runners, first 60 days. If sharing works, they'd keep logging runs", Slot.behavior)
    assert verb_phrase(heard.parts[Slot.behavior]) == "keep logging runs"
    assert heard.parts[Slot.who].startswith("New runners")


@pytest.mark.parametrize(("said", "limit"), [
    ("desktop satisfaction shouldn't tank", "desktop satisfaction does not drop"),
    ("return rate shouldn't go up because we made it too easy", "return rate does not rise"),
    ("turn off notifications or uninstall", "the share who turn off notifications or uninstall does not rise"),
    ("refund rate stays under 2%", "refund rate stays under 2%"),
])
def test_a_guardrail_is_written_as_a_limit(said, limit):
    assert guard_limit(said) == limit


def test_the_outcome_is_composed_not_pasted():
    sentence = outcome_sentence("field reps", "act on account alerts from their phone", "when they fix an issue on the road",
                                "desktop satisfaction does not drop")
    assert sentence == ("More field reps act on account alerts from their phone when they fix an issue on the road, "
                        "without desktop satisfaction dropping.")
    assert debris(sentence) is None and len(sentence.split()) <= 40


def answers(coach, session, *texts):
    return [coach.reply(session, t) for t in texts]


def test_pushback_gets_fine_it_ships_and_the_success_question():
    coach = Coach()
    session = coach.start("Deliver an Android app")
    turn = coach.reply(session, "Look, leadership decided, we ship it anyway.")
    assert turn.text.startswith("Fine, it ships.") and "know" in turn.text
    assert Slot.value not in session.slots  # pushback is not a value claim


def test_whats_the_catch_is_explained_once_then_exemplified():
    coach = Coach()
    session = coach.start("Increase job applications by 30%")
    first = coach.reply(session, "what's the catch?")
    assert "For example" in first.text  # the opening already named the catch
    session = coach.start("Deliver an Android app")
    turn = coach.reply(session, "what's the catch?")
    assert "catch with an output" in turn.text


def test_no_answer_text_is_quoted_back_in_a_question():
    coach = Coach()
    session = coach.start("Deliver an Android app")
    for text in ("honestly I think field reps could check accounts between visits, not sure",
                 "What's the catch? Anyway, it matters most for self-directed investors"):
        turn = coach.reply(session, text)
        assert "not sure" not in turn.text and "catch? anyway" not in turn.text.lower()


def test_undo_forgets_the_last_answer_and_asks_again():
    coach = Coach()
    session = coach.start("Deliver an Android app")
    coach.reply(session, "field reps could check accounts between visits")
    filled = [s for s, f in session.slots.items() if f.origin == "user"]
    turn = coach.reply(session, "wait, go back")
    assert filled[-1] not in session.slots and turn.slot is filled[-1]


def test_an_already_good_outcome_is_confirmed_in_at_most_three_messages():
    coach = Coach()
    statement = ("Increase the share of newly diagnosed type 2 patients who log glucose 4 days a week from 30% to 45% "
                 "by end of Q3, without app uninstalls rising")
    session = coach.start(statement)
    assert "already a product outcome" in session.transcript[-1].text
    coach.reply(session, "yes keep it")
    assert session.status == "done" and session.coach_turns <= 3
    card = session.card
    assert card.product_outcome.startswith("Increase the share of newly diagnosed type 2 patients")
    assert card.metric.baseline == "30%" and card.metric.target == "45%" and "Q3" in card.metric.time_frame


def test_a_rewrite_after_the_card_replaces_the_outcome_and_a_complaint_does_not():
    coach = Coach()
    session = coach.start("Deliver an Android app")
    coach.reply(session, "just give me a draft")
    before = session.card.product_outcome
    coach.reply(session, "That's garbled.")
    assert session.card.product_outcome == before
    coach.reply(session, "Let me rewrite: More field reps act on account alerts from their phone within a day.")
    assert session.card.product_outcome == "More field reps act on account alerts from their phone within a day."
    assert session.transcript[-1].role is Role.coach and "your words" in session.transcript[-1].text


def test_an_unsure_diagnosis_asks_instead_of_asserting():
    coach = Coach()
    session = coach.start("onboarding and NPS and revenue")
    assert session.classification.confidence < 0.35
    assert "not sure how to read" in session.transcript[-1].text and "build" in session.transcript[-1].text
    turn = coach.reply(session, "it's a thing our team will build")
    assert session.classification.kind.value == "output" and turn.text.startswith("Then it's an output")
