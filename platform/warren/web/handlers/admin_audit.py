"""The console's audit log: newest first, keyset-paged, and a streamed CSV export
(admins only)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Response, Stream
from sqlalchemy.orm import Session, sessionmaker

from warren.admin import audit
from warren.tenancy.tenant import Tenant
from warren.web.admin_context import AdminPrincipal
from warren.web.context import RequestContext
from warren.web.render import render

COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "before",
    "after",
    "ip_value",
    "prev_hash",
    "row_hash",
)


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_lines(sessions: sessionmaker[Session], tenant: Tenant) -> Iterator[bytes]:
    """The tenant's whole log as CSV, oldest first, a batch of rows at a time. Its own
    session: the response streams after the request's unit of work has ended."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    with sessions() as db:
        for n, entry in enumerate(audit.all_entries(db, tenant), 1):
            writer.writerow(
                (
                    entry.seq,
                    entry.at.isoformat(),
                    _cell(entry.actor),
                    _cell(entry.action),
                    _cell(entry.subject),
                    _json(entry.before),
                    _json(entry.after),
                    entry.ip_value,
                    entry.prev_hash,
                    entry.row_hash,
                )
            )
            if n % 200 == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


class AdminAuditController(Controller):
    path = "/admin/audit"

    @get("/", sync_to_thread=True)
    def log(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        before: FromQuery[int | None] = None,
    ) -> Response[str]:
        admin.require()
        page = audit.page(ctx.db, ctx.tenant, before)
        return render(
            ctx, "admin/audit.html", admin=admin, page=page, show_json=_json, first=before is None
        )

    @get("/export.csv", sync_to_thread=True)
    def export(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Stream:
        admin.require()
        audit.record(
            ctx.db,
            ctx.tenant,
            actor=admin.actor,
            action="audit_exported",
            subject="audit_log",
            before=None,
            after=None,
            ip_value=ctx.ip_value,
        )
        filename = f"{ctx.tenant.slug}-audit-log.csv"
        return Stream(
            csv_lines(ctx.runtime.sessions, ctx.tenant),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
            cookies=ctx.cookies,
        )
