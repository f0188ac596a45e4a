"""The job engine's round trips to the database, counted per step with a SQLAlchemy event
listener on the runtime's engine: submitting an order, and running it on a worker
(claim, provider call, finish with the content item and the capture). The budgets are
the issue's goals; a change that adds a statement or a commit to the happy path fails
here and has to say why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from test_generation_runner import make_user, movements

from warren.db.unit_of_work import unit_of_work
from warren.generation.models import Job
from warren.generation.runner import Outcome, run_job
from warren.generation.submit import submit_generation
from warren.library.models import ContentItem
from warren.runtime import Runtime

# Statements per step on the happy path, as the engine sends them (the pool's pre-ping
# on each checkout is not a cursor statement and is not counted). Submit: the debit, the
# reserve, the job, the outbox row; after the commit, the outbox row is taken back once
# the message is sent (its own transaction). Run: claim (with the user's identifiers),
# count the provider call, finish, the content item, the capture — 9 and 3 commits before.
SUBMIT_STATEMENTS = 5
SUBMIT_COMMITS = 2
RUN_STATEMENTS = 5
RUN_COMMITS = 3


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting(runtime: Runtime) -> Iterator[Counted]:
    counted = Counted()

    def on_statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counted.statements.append(statement.split(None, 1)[0] + " " + statement[:120])

    def on_commit(conn: Any) -> None:
        counted.commits += 1

    engine = runtime.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


def test_a_job_stays_within_its_statement_budget(runtime: Runtime, clean_db: None) -> None:
    songly, vizardio = runtime.registry.get("songly"), runtime.registry.get("vizardio")
    user = make_user(runtime, songly, "counted", 50)
    # Another tenant's user and job in the same tables: the counts are per job, not per
    # table size, and the job is run under its own tenant.
    other = make_user(runtime, vizardio, "counted", 50)
    with unit_of_work(runtime.sessions) as db:
        submit_generation(db, vizardio, other, "poem", "About the hills", [])

    with counting(runtime) as submitted, unit_of_work(runtime.sessions) as db:
        job_id = submit_generation(db, songly, user, "poem", "About the sea", []).id
    with counting(runtime) as ran:
        assert run_job(runtime, songly, job_id) is Outcome.DONE

    report = "\n".join(["submit:", *submitted.statements, "run:", *ran.statements])
    assert len(submitted.statements) <= SUBMIT_STATEMENTS, report
    assert submitted.commits <= SUBMIT_COMMITS, report
    assert len(ran.statements) <= RUN_STATEMENTS, report
    assert ran.commits <= RUN_COMMITS, report
    # Fewer statements, same outcome: the item stored once, the hold captured once.
    assert movements(runtime, job_id) == ["reserve", "capture"]
    with runtime.sessions() as db:
        assert db.scalar(select(Job.status).where(Job.id == job_id)) == "done"
        items = db.scalars(select(ContentItem).where(ContentItem.job_id == job_id)).all()
        assert [item.tenant_id for item in items] == ["songly"]
    assert run_job(runtime, vizardio, job_id) is Outcome.SKIPPED
