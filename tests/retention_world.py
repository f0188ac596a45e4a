"""A world for the retention tests: a tenants file whose two tenants have different
retention numbers, an object store of either backend shared with `warren` subprocesses,
and helpers that create rows with explicit timestamps (and their objects)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import insert, select

from warren.accounts.models import SecurityEvent, User
from warren.billing.models import PointMovement
from warren.chat.models import ChatMessage
from warren.db.base import utcnow
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.moderation.models import Report
from warren.privacy.consent_models import ConsentRecord
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore

from conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]

# songly's numbers differ from vizardio's (the shipped ones) in every rule, so an age
# between the two decides which tenant deletes a row: only config can tell them apart.
SONGLY_RETENTION = {
    "upload_days": 3,
    "trash_days": 2,
    "content_deletable_after_days": 30,
    "content_deleted_by_days": 45,
    "chat_messages_per_assistant": 5,
    "chat_deletable_after_days": 20,
    "chat_deleted_by_days": 25,
    "inactive_account_days": 100,
    "inactive_warning_days": 10,
    "log_months": 3,
}


def write_tenants(path: Path) -> Path:
    data = tomllib.loads((ROOT / "tenants.toml").read_text())
    data["songly"]["retention"].update(SONGLY_RETENTION)
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


@dataclass
class World:
    runtime: Runtime
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def warren(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "warren.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.log.append(
            f"$ warren {' '.join(args)} → {done.returncode}\n{done.stdout}{done.stderr}"
        )
        return done

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "warren.cli", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def store(self, slug: str) -> TenantStore:
        return TenantStore(self.runtime.store, slug)

    # ------------------------------------------------------------------ making rows
    def user(
        self,
        slug: str,
        name: str,
        *,
        last_access: datetime | None = None,
        prime_until: datetime | None = None,
    ) -> User:
        with self.runtime.sessions() as db:
            user = User(
                tenant_id=slug,
                email=f"{name}@example.com",
                username=name,
                password_hash="not-a-real-hash",
                adult_confirmed_at=utcnow(),
                accepted_policy_version="test",
                last_access_at=last_access or utcnow(),
                prime_until=prime_until,
            )
            db.add(user)
            db.commit()
            db.refresh(user)
            db.expunge(user)
        return user

    def item(
        self, user: User, *, created: datetime, deleted: datetime | None = None, prime: bool = False
    ) -> ContentItem:
        item_id = uuid.uuid4()
        key = f"results/{user.id}/{item_id}.txt"
        self.store(user.tenant_id).put(key, b"generated " + key.encode(), "text/plain")
        with self.runtime.sessions() as db:
            item = ContentItem(
                id=item_id,
                tenant_id=user.tenant_id,
                user_id=user.id,
                category="poem",
                product_key="poem",
                title="A poem",
                content_type="text/plain",
                extension="txt",
                size_bytes=10,
                storage_key=key,
                is_demo=True,
                created_at=created,
                created_with_prime=prime,
                deleted_at=deleted,
            )
            db.add(item)
            db.commit()
            db.expunge(item)
        return item

    def upload(self, user: User, *, created: datetime, deleted: datetime | None = None) -> Upload:
        upload_id = uuid.uuid4()
        key = f"uploads/{user.id}/{upload_id}.jpg"
        self.store(user.tenant_id).put(key, b"\xff\xd8 not really a photo", "image/jpeg")
        with self.runtime.sessions() as db:
            upload = Upload(
                id=upload_id,
                tenant_id=user.tenant_id,
                user_id=user.id,
                kind="image",
                content_type="image/jpeg",
                size_bytes=20,
                display_name="photo",
                storage_key=key,
                created_at=created,
                expires_at=created + timedelta(days=365),
                deleted_at=deleted,
            )
            db.add(upload)
            db.commit()
            db.expunge(upload)
        return upload

    def message(self, user: User, *, created: datetime, assistant: str) -> ChatMessage:
        with self.runtime.sessions() as db:
            message = ChatMessage(
                tenant_id=user.tenant_id,
                user_id=user.id,
                assistant_key=assistant,
                role="user",
                content="hello",
                created_at=created,
            )
            db.add(message)
            db.commit()
            db.expunge(message)
        return message

    def event(
        self, slug: str, *, created: datetime, ip: str, user: User | None = None
    ) -> SecurityEvent:
        with self.runtime.sessions() as db:
            event = SecurityEvent(
                tenant_id=slug,
                kind="sign_in",
                user_id=user.id if user else None,
                ip_value=ip,
                created_at=created,
                detail={},
            )
            db.add(event)
            db.commit()
            db.expunge(event)
        return event

    def consent(
        self, slug: str, *, created: datetime, ip: str, user: User | None = None
    ) -> ConsentRecord:
        with self.runtime.sessions() as db:
            record = ConsentRecord(
                tenant_id=slug,
                visitor_id=uuid.uuid4(),
                user_id=user.id if user else None,
                category="analytics",
                granted=True,
                source="banner",
                policy_version="test",
                ip_value=ip,
                created_at=created,
            )
            db.add(record)
            db.commit()
            db.expunge(record)
        return record

    def report(self, item: ContentItem, *, created: datetime, ip: str) -> Report:
        """A visitor's report about ``item``, from the IP value ``ip``."""
        with self.runtime.sessions() as db:
            report = Report(
                tenant_id=item.tenant_id,
                content_item_id=item.id,
                source="report",
                reason="other",
                ip_value=ip,
                created_at=created,
            )
            db.add(report)
            db.commit()
            db.expunge(report)
        return report

    def points(self, user: User, amount: int) -> int:
        with self.runtime.sessions() as db:
            movement = PointMovement(
                tenant_id=user.tenant_id, user_id=user.id, kind="grant", amount=amount, note="test"
            )
            db.add(movement)
            db.commit()
            return movement.id

    # ------------------------------------------------------------------ looking
    def exists(self, table: Any, row_id: Any) -> bool:
        with self.runtime.sessions() as db:
            return db.scalar(select(table.id).where(table.id == row_id)) is not None

    def explain(self) -> str:
        return "\n".join(self.log)


def subprocess_env(
    database_url: str, data_dir: Path, tenants: Path, storage_url: str
) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(data_dir),
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_TENANTS_FILE": str(tenants),
        "WARREN_STORAGE_URL": storage_url,
    }
    # The PostgreSQL queue in this run's own database: nothing shared with other runs.
    for name in ("WARREN_BROKER_URL", "WARREN_QUEUE_PREFIX", "WARREN_MAIL_URL"):
        env.pop(name, None)
    return env


def seed_local_content(
    world: World, root: Path, user: User, count: int, age_days: float
) -> list[str]:
    """``count`` content items of ``user`` created ``age_days`` ago, with their objects
    written straight into the local store's folder ``root`` (no fsync per file: fast)."""
    created = days_ago(age_days)
    keys = [f"results/{user.id}/{uuid.uuid4()}.txt" for _ in range(count)]
    folder = root / user.tenant_id / "results" / str(user.id)
    folder.mkdir(parents=True, exist_ok=True)
    for key in keys:
        (root / user.tenant_id / key).write_bytes(b"x")
    with world.runtime.sessions() as db:
        db.execute(
            insert(ContentItem),
            [
                {
                    "id": uuid.UUID(key.rsplit("/", 1)[1].removesuffix(".txt")),
                    "tenant_id": user.tenant_id,
                    "user_id": user.id,
                    "category": "poem",
                    "product_key": "poem",
                    "title": "A poem",
                    "content_type": "text/plain",
                    "extension": "txt",
                    "size_bytes": 1,
                    "storage_key": key,
                    "is_demo": True,
                    "created_at": created,
                    "created_with_prime": False,
                    "source_upload_ids": [],
                }
                for key in keys
            ],
        )
        db.commit()
    return keys
