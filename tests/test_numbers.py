"""Baselines, targets and time frames as PMs say them (coach.engine.numbers)."""

from __future__ import annotations

import pytest

from coach.engine.numbers import parse_numbers

PHRASINGS = [
    # (what the PM said, baseline, target, time frame); "" means nothing should be read
    ("about 41% now, want 48% by end of Q3", "41%", "48%", "by end of Q3"),
    ("roughly 14 days today, under 7 by year end", "14 days", "under 7 days", "by year end"),
    ("we're at 1.2k a week", "1.2k", "", ""),
    ("from 22% to 35% this quarter", "22%", "35%", "this quarter"),
    ("from 18% -> 30% by Q4", "18%", "30%", "by Q4"),
    ("currently 12%, target 20% by June", "12%", "20%", "by June"),
    ("baseline is 3.1, goal is 4 by the end of the year", "3.1", "4", "by the end of the year"),
    ("it's at 60% right now and we'd like 75% by H2", "60%", "75%", "by H2"),
    ("sits at 9% today; aim for 5% by March 2027", "9%", "5%", "by March 2027"),
    ("we want 500 a week by next quarter", "", "500", "by next quarter"),
    ("get it to 70% in six months", "", "70%", "in six months"),
    ("target of 25% by end of FY26", "", "25%", ""),
    ("only 8% today", "8%", "", ""),
    ("reach 1,200 by December", "", "1200", "by December"),
    ("grow it by 15% this year", "", "+15%", "this year"),
    ("no more than 2% by Q2", "", "no more than 2%", "by Q2"),
    ("at least 80% by the end of spring term", "", "at least 80%", ""),
    ("about 30% now", "30%", "", ""),
    ("we're around 18% and I'd want 30% by Q4", "18%", "30%", "by Q4"),
    ("31% now. I'd want 36% by end of Q3", "31%", "36%", "by end of Q3"),
    ("median 5 days now, down to 2 days by next March", "5 days", "2 days", "by next March"),
    ("Median days to first dashboard shared with at least 2 teammates. About 9 days now, want 4 by end of H2",
     "9 days",
     "4 days", "by end of H2"),
    ("hovers around 40% and we want 55% by the end of the quarter", "40%", "55%",
     "by the end of the quarter"),
    ("from 10% to 25%", "10%", "25%", ""),
    ("10% now, 25% is the target", "10%", "25%", ""),
    ("we were at 3.6 last quarter, want 4.3", "3.6", "4.3", ""),
    ("stuck at 20% for a year, want 30% by Q1 2027", "20%", "30%", "by Q1 2027"),
    ("from about 45% to 70% by end of Q4", "45%", "70%", "by end of Q4"),
    ("share who reorder within 45 days, baseline 22%", "22%", "", ""),
    ("it's 4 hours today and we want under 1 hour by year-end", "4 hours", "under 1 hour", "by year-end"),
    ("up to 35% by the end of the year, from 28%", "28%", "35%", "by the end of the year"),
    ("we'd like to hit 90% within two months", "", "90%", "within two months"),
    ("3 out of 10 today, want 5 out of 10", "3", "5", ""),
    ("about 14 days, we want it under 7 by year end", "14 days", "under 7 days", "by year end"),
    ("from 9% to 5% in Q3", "9%", "5%", "in Q3"),
    ("currently ~60%, aiming for 80% this half", "60%", "80%", "this half"),
    ("today 2,400 a month, target 3,000 by Q2", "2400", "3000", "by Q2"),
    ("it's 1.5% now, keep it below 1% by next year", "1.5%", "below 1%", "by next year"),
    ("at the moment 35%, want 50% by the end of March", "35%", "50%", "by the end of March"),
    ("week-4 retention is about 31% now", "31%", "", ""),
    ("p95 of 800ms today", "", "", ""),
    ("want 48% by end of Q3", "", "48%", "by end of Q3"),
    ("no numbers yet, we need to instrument first", "", "", ""),
]


@pytest.mark.parametrize(("said", "baseline", "target", "time_frame"), PHRASINGS)
def test_numbers_as_pms_say_them(said, baseline, target, time_frame):
    got = parse_numbers(said)
    if baseline:
        assert got.baseline.replace(",", "") == baseline, got
    if target:
        assert got.target.replace(",", "") == target, got
    if time_frame:
        assert got.time_frame.lower() == time_frame.lower(), got
    if not (baseline or target or time_frame):
        assert got.empty or not (got.baseline or got.target), got


def test_there_are_at_least_forty_phrasings():
    assert len(PHRASINGS) >= 40
