"""The eval harness: cases (YAML), tiny scorers, a simulated user, a runner and a report."""

from coach.evals.cases import case_type, load_cases
from coach.evals.report import write_report
from coach.evals.runner import EvalResult, below_thresholds, run_eval
from coach.evals.scorers import card_checks, first_hit_rank, is_hit, prf, retrieval_hit, trap_counts
from coach.evals.simulate import simulate

__all__ = ["EvalResult", "below_thresholds", "card_checks", "case_type", "first_hit_rank", "is_hit",
           "load_cases", "prf", "retrieval_hit", "run_eval", "simulate", "trap_counts", "write_report"]
