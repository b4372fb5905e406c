"""The offline classifier: kinds, traps, the hard shapes of statements, and no false alarms."""

import pytest

from coach.engine import classify
from coach.models import Kind, Trap


@pytest.mark.parametrize(
    ("statement", "kind", "traps"),
    [
        ("Our goal is to deliver an Android app", Kind.output, []),
        ("Integrate with Salesforce", Kind.output, []),
        ("Increase the number of course reviews on our platform", Kind.output, [Trap.output_in_disguise]),
        ("Increase the number of course views that include reviews", Kind.product_outcome, []),
        ("Increase the percentage of customers who viewed the performance report", Kind.product_outcome,
         [Trap.traction_metric]),
        ("Increase job applications", Kind.product_outcome, [Trap.wrong_moment]),
        ("Increase NPS from 31 to 45", Kind.product_outcome, [Trap.sentiment_only]),
        ("Increase page views", Kind.product_outcome, [Trap.vanity_metric]),
        ("Maximise time in app", Kind.product_outcome, [Trap.no_guardrail]),
        ("Grow ARR by 20%", Kind.business_outcome, []),
        ("Reduce churn from 8% to 5%", Kind.business_outcome, []),
        ("Increase the share of new teams that invite a teammate in week one", Kind.product_outcome, []),
    ],
)
def test_seed_examples(statement, kind, traps):
    result = classify(statement)
    assert (result.kind, result.traps) == (kind, traps)


def test_guardrail_clause_removes_the_no_guardrail_trap():
    assert Trap.no_guardrail in classify("Increase engagement").traps
    assert classify("Increase engagement without hurting satisfaction").traps == []


def test_mixed_statement_is_judged_by_its_outcome_not_its_bet():
    result = classify("Improve weekly active teams by launching gamification")
    assert result.kind is Kind.product_outcome
    assert "gamification" in result.explanation


def test_negated_output_is_ignored():
    result = classify("Not just ship the redesign but increase the share of shoppers who complete checkout")
    assert result.kind is Kind.product_outcome and result.traps == []


def test_several_outcomes_are_flagged_once():
    result = classify("Increase activation, cut churn to 4% and improve NPS")
    assert result.traps == [Trap.multiple_outcomes]


def test_several_sentences_use_the_one_that_states_success():
    result = classify("We will ship a new onboarding flow. Success means more new teams invite a teammate in "
                      "week one.")
    assert result.kind is Kind.product_outcome


def test_explanation_and_sources_name_the_trap():
    result = classify("Grow followers on Instagram")
    assert "followers" in result.explanation
    assert result.sources[0] == "vanity-metrics"


def test_deterministic():
    text = "Raise the share of course views that include a review from 31% to 45% by Q3"
    assert classify(text) == classify(text)
