"""One unit of work: commit once on success, roll back on any error.

Web requests and worker jobs both run inside one. Messages queued with
``enqueue_after_commit`` leave only after the commit (``warren.queue.port``), and work
done outside the database — an object written to storage before its row — registers an
undo with :func:`on_rollback`, run when the unit fails (including a failed commit), so a
failed unit leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from warren.logs import get_logger

_UNDO = "warren.undo_on_rollback"
log = get_logger("warren.db")


def on_rollback(db: Session, undo: Callable[[], None]) -> None:
    """Run ``undo`` if this unit of work does not commit."""
    db.info.setdefault(_UNDO, []).append(undo)


def idle(db: Session) -> bool:
    """True when the unit holds no transaction and no undo: committing, rolling back or
    closing it then does no I/O."""
    return not db.in_transaction() and not db.info.get(_UNDO)


def commit(db: Session) -> None:
    """Commit, or roll back (running the undos) and re-raise."""
    try:
        db.commit()
    except BaseException:
        rollback(db)
        raise
    db.info.pop(_UNDO, None)


def rollback(db: Session) -> None:
    db.rollback()
    for undo in reversed(db.info.pop(_UNDO, [])):
        try:
            undo()
        except Exception:
            # The original failure is what the caller must see; a failed undo leaves
            # an orphan that the retention sweep removes later.
            log.exception("undo after rollback failed")


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as db:
        try:
            yield db
        except BaseException:
            rollback(db)
            raise
        commit(db)
