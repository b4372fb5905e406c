"""Every card check fails on a card broken the way real sessions break them (../shared/rubric.md)."""

from __future__ import annotations

import pytest

from coach.evals.cardchecks import (
    behavior_clean,
    check_card,
    debris,
    guardrail_clean,
    guardrail_is_limit,
    metric_clean,
    no_trap_in_metric,
    no_trap_in_outcome,
    numbers_given,
    numbers_kept,
    outcome_clean,
    outcome_well_formed,
)
from coach.models import OKR, Metric, OutcomeCard


def good_card(**changes) -> OutcomeCard:
    card = OutcomeCard(
        output="Deliver an Android app",
        product_outcome="More phone-first field reps act on an account alert from their phone within a day, "
                        "without desktop satisfaction dropping.",
        who="phone-first field reps",
        behavior="act on an account alert from their phone within a day",
        value_moment="when they fix an account issue from an alert",
        metric=Metric(name="share of weekly active reps who act on an alert from their phone",
                      definition="reps acting on at least one alert from the phone each week, over weekly "
                                 "active reps",
                      baseline="18%", target="30%", time_frame="by end of Q3"),
        guardrail="desktop satisfaction does not drop below 4.2",
        business_outcome="higher renewal of accounts with active reps",
        okr=OKR(objective="Field reps act on accounts from anywhere", key_results=["x"]),
    )
    return card.model_copy(update=changes)


def test_a_good_card_passes_every_check():
    results = check_card(good_card(), {"outcome_mentions_any": ["alert"], "max_turns": 8},
                         ["about 18% now, want 30% by end of Q3"], coach_messages=6)
    assert all(ok for ok, _ in results.values()), results


@pytest.mark.parametrize("pasted", [
    "More I don't know exactly, all Pro customers? Finance just flagged that churn is up.",
    "More honestly sales asked for it field reps check accounts.",
    "More field reps check their accounts from the road...",
    "More field reps who I guess check accounts weekly.",
    "More field reps check accounts, like I said in the statement.",
    "More field reps check accounts when value_moment happens.",
    "More field reps we talked to check accounts weekly.",
    "More field reps check accounts with the.",
])
def test_outcome_debris_fails(pasted):
    ok, reason = outcome_clean(good_card(product_outcome=pasted))
    assert not ok and "outcome has" in reason


def test_behaviour_metric_and_guardrail_debris_fail():
    assert not behavior_clean(good_card(behavior="what's the catch? anyway they check it"))[0]
    broken_metric = Metric(name="sorry, what do you mean?",
                           definition="sorry, what do you mean?; counted weekly")
    assert not metric_clean(good_card(metric=broken_metric))[0]
    assert not guardrail_clean(good_card(guardrail="I already said that"))[0]


def test_outcome_form_fails_when_long_repeated_or_team_first():
    long = "More " + " ".join(["active"] * 20) + " reps " + " ".join(f"w{i}" for i in range(25)) + "."
    assert not outcome_well_formed(good_card(product_outcome=long))[0]
    assert not outcome_well_formed(good_card(product_outcome="We ship the app. Reps use it."))[0]
    assert not outcome_well_formed(
        good_card(product_outcome="More reps check accounts weekly check accounts weekly.")
    )[0]
    assert not outcome_well_formed(good_card(product_outcome=""))[0]


def test_lost_numbers_fail():
    lost = good_card(metric=Metric(name="share of reps acting on alerts",
                                   baseline="unknown: instrument first",
                                   target="set once two weeks of baseline are in", time_frame="by end"))
    ok, reason = numbers_kept(lost, ["about 41% now, want 48% by end of Q3"])
    assert not ok and "41" in reason and "48" in reason and "q3" in reason
    assert numbers_kept(good_card(), ["we're at 18% and want 30% by end of Q3"])[0]


def test_numbers_given_reads_thousands_percent_and_time_words():
    nums, times = numbers_given(["we're at 1,200 a week, want 1.5k by March 2027", "from 22% to 35% in Q4"])
    assert {"1200", "1.5", "22", "35"} <= nums and {"march", "2027", "q4"} <= times


def test_a_trap_in_the_outcome_or_the_metric_fails():
    downloads = good_card(product_outcome="More people download the app from the store.")
    assert not no_trap_in_outcome(downloads)[0]
    vanity = good_card(metric=Metric(name="page views per month"))
    ok, reason = no_trap_in_metric(vanity)
    assert not ok and "vanity" in reason


def test_a_guardrail_that_names_the_harm_is_not_a_limit():
    assert not guardrail_is_limit(good_card(guardrail="churn rises"))[0]
    assert not guardrail_is_limit(good_card(guardrail=""))[0]
    assert guardrail_is_limit(good_card(guardrail="refund rate stays under 2%"))[0]


def test_no_card_and_too_many_messages_fail():
    results = check_card(None, {}, [], coach_messages=13)
    assert results["card_reached"][0] is False and results["within_max_turns"][0] is False
    quick = check_card(good_card(), {"max_turns": 3}, [], coach_messages=4)
    assert quick["within_max_turns"][0] is False


def test_debris_is_none_for_clean_text():
    assert debris("share of new teams that invite a teammate in week one") is None
