"""Score `coach ask` on a file of onboarding questions: hit@3 and covered / not-covered accuracy.

    .venv/bin/python evals/tools/ask_table.py evals/cases/dev/library_questions.yaml
    .venv/bin/python evals/tools/ask_table.py QUESTIONS.yaml --answers answers.jsonl   # answers for judges

QUESTIONS.yaml is a YAML list of `{id, question, covered: true|false, expect_ids_any: [...]}`;
`expect_ids_any` is optional (hit@3 is scored over the covered questions that state it).
Each question is answered exactly as `coach ask QUESTION --json` answers it (same settings,
same engine). A question counts as a hit when one of the three notes the answer offers (its
sources, or the nearest notes when it says "not covered") is an expected note.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def answer_record(settings: Any, question: str, k: int = 3) -> dict[str, Any]:
    """The `coach ask --json` object for a question."""
    from coach.service import ask_library

    answer, _ = ask_library(settings, question, k)
    try:
        from coach.knowledge.ask import answer_json
    except ImportError:  # an older build: derive the same fields from the plain answer
        return {"answer": answer.answer, "covered": "found nothing" not in answer.answer,
                "sources": [{"id": p.id, "title": p.title, "text": p.text} for p in answer.sources],
                "nearest": []}
    return answer_json(answer)


def offered(record: dict[str, Any], k: int = 3) -> list[str]:
    """The note ids an answer offers: what it cites and draws on, else the nearest notes."""
    ids = [s["id"] for s in record.get("sources") or []] or [n["id"] for n in record.get("nearest") or []]
    return list(dict.fromkeys(ids))[:k]


def score(cases: list[dict[str, Any]], records: list[dict[str, Any]]) -> dict[str, Any]:
    """hit@3 over labelled covered questions; covered accuracy over all, and per side."""
    labelled = [(c, r) for c, r in zip(cases, records, strict=True) if c.get("covered", True)
                and c.get("expect_ids_any")]
    hits = [any(i in c["expect_ids_any"] for i in offered(r)) for c, r in labelled]
    firsts = [offered(r, 1)[:1] != [] and offered(r, 1)[0] in c["expect_ids_any"] for c, r in labelled]
    right = [bool(r["covered"]) == bool(c.get("covered", True)) for c, r in zip(cases, records, strict=True)]
    on = [ok for c, ok in zip(cases, right, strict=True) if c.get("covered", True)]
    off = [ok for c, ok in zip(cases, right, strict=True) if not c.get("covered", True)]

    def rate(xs: list[bool]) -> float | None:
        return round(sum(xs) / len(xs), 3) if xs else None

    return {"questions": len(cases), "hit_at_3": rate(hits), "hit_at_1": rate(firsts), "hit_cases": len(hits),
            "covered_accuracy": rate(right), "covered_said_covered": rate(on),
            "off_library_said_not_covered": rate(off)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--answers", type=Path,
                        help="Write one JSON answer per line (with id and question) here.")
    parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    parser.add_argument("--scores", action="store_true", help="Also print each question's coverage score, "
                        "the number the covered / not-covered rule compares with its threshold.")
    args = parser.parse_args(argv)
    try:
        cases = yaml.safe_load(args.questions.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as err:
        print(f"ask_table: cannot read {args.questions}: {err}", file=sys.stderr)
        return 2
    if not isinstance(cases, list) or not all(isinstance(c, dict) and c.get("question") for c in cases):
        print(f"ask_table: {args.questions} must be a YAML list of items with a question", file=sys.stderr)
        return 2
    from coach.settings import get_settings

    settings = get_settings()
    records = [answer_record(settings, str(c["question"])) for c in cases]
    if args.scores:
        from coach.knowledge.ask import COVERED_SIMILARITY, coverage_score
        from coach.service import GroundedLibrary, knowledge_base

        kb = GroundedLibrary(knowledge_base(settings))
        for case, record in zip(cases, records, strict=True):
            record["coverage_score"] = round(coverage_score(kb, str(case["question"])) or 0.0, 3)
        print(f"threshold {COVERED_SIMILARITY}")
    summary = score(cases, records)
    if args.answers:
        with args.answers.open("w", encoding="utf-8") as out:
            for case, record in zip(cases, records, strict=True):
                out.write(json.dumps({"id": case.get("id"), "question": case["question"], **record},
                                     ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print("| id | expected | said | offered notes | hit |" + (" score |" if args.scores else ""))
    print("| --- | --- | --- | --- | --- |" + (" --- |" if args.scores else ""))
    for case, record in zip(cases, records, strict=True):
        want = "covered" if case.get("covered", True) else "not covered"
        said = "covered" if record["covered"] else "not covered"
        expect = case.get("expect_ids_any") or []
        hit = "" if not expect or not case.get("covered", True) \
                                                   else ("yes" if set(offered(record)) & set(expect)
                                                         else "NO")
        flag = "" if want == said else " (wrong)"
        score_cell = f" {record['coverage_score']} |" if args.scores else ""
        print(f"| {case.get('id', '')} | {want} | {said}{flag} | {', '.join(offered(record))} | {hit} |"
              f"{score_cell}")
    print()
    print(f"hit@3 {summary['hit_at_3']} (hit@1 {summary['hit_at_1']}) over {summary['hit_cases']} labelled "
          f"questions; "
          f"covered accuracy {summary['covered_accuracy']} (covered said covered "
          f"{summary['covered_said_covered']}, "
          f"off-library said not covered {summary['off_library_said_not_covered']}), {summary['questions']} "
          f"questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
