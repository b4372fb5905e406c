"""The `coach` command: classify, ask, reframe, eval, index, ingest and app.

The `--json` shapes of classify, ask and eval are a public interface
(../shared/coaching-model.md section 6). Bad input gets one line and exit 2,
never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from coach import __version__
from coach.settings import Settings, SettingsError, get_settings
from coach.textinput import InputError, clean_text

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Outcome Coach: turn outputs into outcomes.")


class EngineChoice(StrEnum):
    offline = "offline"
    llm = "llm"


EngineOpt = Annotated[EngineChoice | None, typer.Option(
    "--engine",
    help="offline (no network) or llm; default: COACH_ENGINE from the environment or .env, else offline.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"coach: {message}", err=True)
    return typer.Exit(code)


def emit(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def notice(text: str) -> None:
    if text:
        typer.echo(f"note: {text}", err=True)


def settings_for(engine: EngineChoice | None = None) -> Settings:
    """Settings from the environment and .env; a flag given on the command line wins."""
    try:
        return get_settings(engine=engine.value) if engine is not None else get_settings()
    except SettingsError as err:
        raise fail(str(err)) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version.")] = False,
) -> None:
    """Outcome Coach: turn a proposed feature (an output) into a customer outcome."""


@app.command()
def classify(text: str, json_out: JsonOpt = False, engine: EngineOpt = None) -> None:
    """Say what a statement is (output, product or business outcome) and which traps it falls into."""
    from coach.service import classify_statement

    try:
        statement = clean_text(text)
    except InputError as err:
        raise fail(str(err)) from None
    result, note = classify_statement(settings_for(engine), statement)
    notice(note)
    if json_out:
        emit(result.model_dump(mode="json"))
        return
    traps = ", ".join(t.value for t in result.traps) or "none"
    typer.echo(f"kind:  {result.kind.value}\ntraps: {traps}\n\n{result.explanation}\n\nsources: "
               f"{', '.join(result.sources)}")


@app.command()
def ask(question: str, json_out: JsonOpt = False, engine: EngineOpt = None,
        k: Annotated[int, typer.Option("-k", min=1, max=10, help="Passages to draw on.")] = 3,
        after: Annotated[str | None, typer.Option("--after", help="The earlier question, when this one "
                                                                  "follows it "
                                                   "(\"and for a B2B team?\").")] = None) -> None:
    """Answer a question from the knowledge library, with citations; says so when the library does not cover
    it."""
    from coach.knowledge.ask import answer_json
    from coach.service import ask_library

    try:
        text = clean_text(question, what="question")
        context = clean_text(after, what="earlier question") if after is not None else ""
    except InputError as err:
        raise fail(str(err)) from None
    answer, note = ask_library(settings_for(engine), text, k, context=context)
    notice(note)
    if json_out:
        emit(answer_json(answer))
        return
    typer.echo(answer.answer + "\n")
    if answer.follow_up_of:
        typer.echo(f"(read as a follow-up to: {answer.follow_up_of})")
    for p in answer.sources:
        typer.echo(f"[{p.id}] {p.title}" + (f" / {p.section}" if p.section else ""))
    for p in answer.nearest:
        typer.echo(f"nearest: [{p.id}] {p.title}")


@app.command()
def reframe(
    statement: str,
    answers: Annotated[Path | None,
                       typer.Option(help="A file with one answer per line (scripted mode).")] = None,
    persona: Annotated[Path | None, typer.Option(help="A dialogue case file; answers come from a case's "
                                                      "persona.")] = None,
    case: Annotated[str | None,
                    typer.Option(help="With --persona: the case id (default: the first case).")] = None,
    export: Annotated[Path | None, typer.Option(help="Write the card to this .md or .json file.")] = None,
    json_out: JsonOpt = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Machine protocol: one answer per stdin line in, "
                                        "one JSON object per coach message out.")] = False,
    engine: EngineOpt = None,
) -> None:
    """Coach a statement into an outcome card: interactively, scripted (--answers, --persona) or driven
    (--jsonl)."""
    from coach.service import run_dialogue, scripted_answers
    from coach.store import SessionStore, StoreError

    try:
        statement = clean_text(statement)
        script = scripted_answers(answers, persona, case)
    except (InputError, OSError, ValueError) as err:
        raise fail(str(err)) from None
    if jsonl:
        _reframe_jsonl(statement, settings_for(engine), export)
        return
    interactive = script is None and sys.stdin.isatty() and not json_out
    if script is None and not interactive:
        piped = not sys.stdin.isatty()
        script = [line for line in sys.stdin.read().splitlines() if line.strip()] if piped else []
    settings = settings_for(engine)
    try:
        store = SessionStore.from_settings(settings)
    except StoreError as err:
        raise fail(str(err)) from None
    session, note = run_dialogue(settings, statement, script, echo=None if json_out else typer.echo,
                                 prompt=ask_user if interactive else None,
                                 store=store)
    notice(note)
    if export:
        from coach.export import write_card

        try:
            write_card(session.card, export)
        except (OSError, ValueError) as err:
            raise fail(str(err)) from None
    if json_out:
        emit({"session": session.id, "card": session.card.model_dump(mode="json") if session.card else None,
              "transcript": [t.model_dump(mode="json", exclude={"evidence"}) for t in session.transcript],
              "usage": session.usage.model_dump()})


def ask_user() -> str:
    """One answer typed at the terminal."""
    return typer.prompt("you", default="", show_default=False)


def _reframe_jsonl(statement: str, settings: Settings, export: Path | None) -> None:
    """The machine protocol of coaching-model.md section 6: answers in as lines, coach messages out as
    JSON lines."""
    from coach.service import make_coach
    from coach.store import SessionStore, StoreError

    try:
        store = SessionStore.from_settings(settings)
    except StoreError as err:
        raise fail(str(err)) from None
    coach, note = make_coach(settings)
    notice(note)

    def send(turn, card) -> None:
        message = {"role": "coach", "text": turn.text, "slot": turn.slot.value if turn.slot else None,
                   "traps": [t.value for t in turn.traps], "sources": list(turn.sources),
                   "card": card.model_dump(mode="json") if card is not None else None}
        sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    session = coach.start(statement)
    store.save(session)
    send(session.transcript[-1], None)
    for line in iter(sys.stdin.readline, ""):
        answer = line.rstrip("\r\n")
        if not answer.strip():
            continue
        turn = coach.reply(session, answer)
        store.save(session)
        done = session.status == "done"
        send(turn, session.card if done else None)
        if done:
            break
    if export and session.card is not None:
        from coach.export import write_card

        try:
            write_card(session.card, export)
        except (OSError, ValueError) as err:
            raise fail(str(err)) from None


@app.command("eval")
def eval_cmd(
    cases: Annotated[Path, typer.Option("--cases", help="A case file or a folder of them.")],
    json_out: JsonOpt = False,
    engine: EngineOpt = None,
    gate: Annotated[bool,
                    typer.Option(help="Exit 1 if a summary figure is under evals/thresholds.yaml.")] = False,
    report: Annotated[Path, typer.Option(help="Folder for the Markdown report.")] = Path("reports"),
    baseline: Annotated[bool,
                        typer.Option(help="Also score the keyword baseline on the same cases.")] = False,
    judge: Annotated[bool,
                     typer.Option(help="Grade each dialogue on the rubric with the configured LLM.")] = False,
) -> None:
    """Run example cases and score the coach (kind, traps, dialogue cards, retrieval), with 95% intervals."""
    from coach.evals import below_thresholds, load_cases, run_eval, write_report

    try:
        loaded = load_cases(cases)
    except (OSError, ValueError) as err:
        raise fail(str(err)) from None
    settings = settings_for(engine)
    grader = None
    if judge:
        from coach.evals.judge import make_judge

        grader = make_judge(settings)
        if grader is None:
            raise fail("--judge needs a model: set OPENAI_API_KEY or COACH_BASE_URL")
    keyword = None
    if baseline:
        from coach.evals.baseline import keyword_classify

        keyword = keyword_classify
    result = run_eval(loaded, settings, baseline=keyword, judge=grader)
    path = write_report(result, report, name=cases.stem if cases.is_file() else cases.name)
    failures = below_thresholds(result.summary) if gate else []
    if json_out:
        emit(result.as_json())
    else:
        typer.echo(result.summary_table())
        typer.echo(f"report: {path}")
    for line in failures:
        typer.echo(f"below threshold: {line}", err=True)
    if failures:
        raise typer.Exit(1)


@app.command()
def index(force: Annotated[bool, typer.Option(help="Re-embed every note.")] = False) -> None:
    """Build or refresh the knowledge index (only changed notes are re-embedded)."""
    from coach.service import build_index

    settings = settings_for()
    try:
        typer.echo(build_index(settings, force=force))
    except Exception as err:  # noqa: BLE001 - one line for the user, whatever broke
        raise fail(f"could not build the index: {err}") from None


@app.command()
def ingest(path: Path) -> None:
    """Add your own .md/.txt documents to the library (kept apart from the shipped notes)."""
    from coach.service import ingest_documents

    if not path.exists():
        raise fail(f"{path} does not exist")
    typer.echo(ingest_documents(settings_for(), path))


@app.command("app")
def app_cmd(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    engine: EngineOpt = None,
) -> None:
    """Serve the Outcome Coach web app (the installed Streamlit app) until interrupted."""
    import os
    import subprocess

    from coach import app as shell

    env = dict(os.environ)
    if engine is not None:  # the flag wins over the environment and .env, in the app as in the CLI
        env["COACH_ENGINE"] = engine.value
    settings_for(engine)  # a bad COACH_ variable stops here with one line, not inside Streamlit
    command = [sys.executable, "-m", "streamlit", "run", str(Path(shell.__file__)),
               "--server.address", host, "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    typer.echo(f"Outcome Coach: http://{host}:{port}", err=True)
    try:
        code = subprocess.call(command, env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


@app.command()
def db() -> None:
    """Open the session store (COACH_DATABASE_URL, else SQLite in the data dir), bring its schema up to date
    and say where it is; a wrong or unreachable URL is one line on stderr and exit code 2."""
    from coach.store import SessionStore, StoreError, database_url, safe_url
    from coach.store.db import current_revision

    settings = get_settings()
    try:
        store = SessionStore.from_settings(settings)
        typer.echo(f"{safe_url(database_url(settings))}: schema {current_revision(store.engine)}, "
                   f"{len(store.list(limit=1_000_000))} sessions")
        store.close()
    except StoreError as err:
        raise fail(str(err)) from None


def run() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("\ninterrupted", err=True)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the last line of defence
        typer.echo(f"coach: unexpected error ({type(err).__name__}): {err}", err=True)
        sys.exit(1)
