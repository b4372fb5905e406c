"""The eval harness: cases (YAML), tiny scorers, a text-only simulated user, card checks, a runner and
a report."""

from coach.evals.cardchecks import check_card, debris
from coach.evals.cases import case_type, load_cases
from coach.evals.report import write_report
from coach.evals.runner import EvalResult, below_thresholds, run_eval
from coach.evals.scorers import first_hit_rank, is_hit, prf, retrieval_hit, trap_counts
from coach.evals.simulate import SimulatedUser, simulate

__all__ = ["EvalResult", "SimulatedUser", "below_thresholds", "case_type", "check_card", "debris",
           "first_hit_rank",
           "is_hit", "load_cases", "prf", "retrieval_hit", "run_eval", "simulate", "trap_counts",
           "write_report"]
