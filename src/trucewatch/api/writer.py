"""The API's report writer: concurrent submissions filed together, one transaction for many.

Each request checks its signed submission on its own thread (signatures, statements,
every report: :func:`open_signed_reports`, no database), then hands it to the writer and
waits. The writer is one thread: it takes every submission waiting, up to
:data:`GROUP_STATEMENTS` statements, and files them in one transaction (one lock of the log,
one read of the registry, one commit) in the order they arrived. If that group fails (one
submission collides with another of the same group, or breaks a rule only the database can
see), each submission of the group is filed again on its own, so that each request gets its
own answer, exactly as if it had come alone. Nothing is acknowledged before its commit.

The log's order is the writer's order; several server processes on one PostgreSQL database
still append one transaction at a time (:func:`trucewatch.store.engine.lock_writes`).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from trucewatch.reports.service import SignedReports, Submitted, file_signed_reports
from trucewatch.store.engine import Database

GROUP_STATEMENTS = 5000
"""At most this many statements in one transaction (five full batches)."""


@dataclass
class _Job:
    submission: SignedReports
    done: Future[Submitted] = field(default_factory=Future)


class ReportWriter:
    """Files opened report submissions for every request of one server process."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, submission: SignedReports) -> Future[Submitted]:
        """Queue ``submission``: the future gives what filing it did, or raises its error."""
        job = _Job(submission)
        self._start()
        self._queue.put(job)
        return job.done

    async def file(self, submission: SignedReports) -> Submitted:
        """File ``submission`` (with whatever else is waiting) and return what it did, or raise its error."""
        return await asyncio.wrap_future(self.submit(submission))

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="trucewatch-report-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, size, stop = [first], len(first.submission.candidates), False
            while size < GROUP_STATEMENTS:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                group.append(job)
                size += len(job.submission.candidates)
            self._write(group)
            if stop:
                return

    def _write(self, group: list[_Job]) -> None:
        if len(group) > 1 and self._write_together(group):
            return
        for job in group:
            try:
                with self.database.begin() as session:
                    (outcome,) = file_signed_reports(session, [job.submission])
            except BaseException as exc:  # noqa: BLE001 - the request that sent it raises it
                job.done.set_exception(exc)
            else:
                job.done.set_result(outcome)

    def _write_together(self, group: list[_Job]) -> bool:
        """File the group in one transaction; False, with nothing written, if any of it fails."""
        try:
            with self.database.begin() as session:
                outcomes = file_signed_reports(session, [j.submission for j in group])
        except Exception:  # noqa: BLE001 - each one is then filed alone and gets its own answer
            return False
        for job, outcome in zip(group, outcomes, strict=True):
            job.done.set_result(outcome)
        return True
