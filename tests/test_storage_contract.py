"""Object storage: one contract suite run against both backends, plus what only one has.

The S3 backend runs against a real S3-protocol server (moto in server mode) started here;
each test gets its own bucket, the local backend its own tmp_path.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from minio import Minio
from minio.deleteobjects import DeleteError, DeleteObject
from moto.server import ThreadedMotoServer

from warren.storage.base import ObjectNotFound, ObjectStore, ObjectStoreError
from warren.storage.factory import open_object_store, parse_s3_url
from warren.storage.local import LocalObjectStore
from warren.storage.s3 import S3ObjectStore
from warren.storage.tenant_store import TenantStore

ACCESS, SECRET = "warren-test", "warren-test-secret"
REGION = "us-east-1"

BAD_KEYS = [
    "",
    "/abs",
    "a/../b",
    "a..b",
    "..",
    "../b/x",
    "a//b",
    "a/",
    "a\\b",
    "a/./b",
    ".hidden",
    "a/.tmp",
    "a\x00b",
    "a\nb",
    "x" * 256,
]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


def _client(endpoint: str, cls: type[Minio] = Minio) -> Minio:
    return cls(endpoint, access_key=ACCESS, secret_key=SECRET, secure=False, region=REGION)


def _bucket() -> str:
    return f"warren-test-{uuid.uuid4().hex[:16]}"


def _s3_store(endpoint: str, cls: type[Minio] = Minio) -> S3ObjectStore:
    store = S3ObjectStore(_client(endpoint, cls), _bucket())
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    # Looked up only here, so the local half of the suite does not start the S3 server.
    return _s3_store(request.getfixturevalue("s3_endpoint"))


# --- the contract ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [bytes(range(256)) * 40, b"", b"\x00\r\n\xff"])
def test_put_then_get_returns_the_same_bytes(store: ObjectStore, data: bytes) -> None:
    store.put("uploads/2026/photo.bin", data, "application/octet-stream")

    assert store.get("uploads/2026/photo.bin") == data
    assert store.exists("uploads/2026/photo.bin")


def test_put_file_stores_a_file_larger_than_one_part(store: ObjectStore, tmp_path: Path) -> None:
    # Past minio's 5 MiB minimum part, so the S3 backend really uploads in parts.
    data = os.urandom(1024) * (6 * 1024 + 7)
    source = tmp_path / "export.zip"
    source.write_bytes(data)
    store.put("exports/u/export.zip", b"an older one", "application/zip")
    store.put_file("exports/u/export.zip", source, "application/zip")

    assert store.size("exports/u/export.zip") == len(data)
    assert store.get("exports/u/export.zip") == data
    assert list(store.list("")) == ["exports/u/export.zip"]


def test_put_replaces_the_previous_object(store: ObjectStore) -> None:
    store.put("doc.txt", b"first version, longer", "text/plain")
    store.put("doc.txt", b"second", "text/plain")

    assert store.get("doc.txt") == b"second"
    assert list(store.list("")) == ["doc.txt"]


def test_get_of_a_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    store.put("present", b"x", "text/plain")

    with pytest.raises(ObjectNotFound) as caught:
        store.get("absent")
    assert caught.value.key == "absent"
    assert not store.exists("absent")


def test_a_prefix_of_a_key_is_not_an_object(store: ObjectStore) -> None:
    store.put("folder/file", b"x", "text/plain")

    assert not store.exists("folder")
    with pytest.raises(ObjectNotFound):
        store.get("folder")


def test_delete_many_deletes_the_keys_and_skips_missing_ones(store: ObjectStore) -> None:
    for key in ("a", "b", "c/d"):
        store.put(key, key.encode(), "text/plain")

    store.delete_many(["a", "never-stored", "c/d", "c/never/stored"])

    assert sorted(store.list("")) == ["b"]
    assert store.get("b") == b"b"
    store.delete_many(["a", "c/d"])  # rerunning a finished sweep is harmless


def test_delete_many_handles_more_than_one_batch(store: ObjectStore) -> None:
    keys = [f"bulk/{i:04d}" for i in range(1001)]
    for key in keys:
        store.put(key, b"", "application/octet-stream")
    store.put("keep/me", b"kept", "text/plain")

    store.delete_many(iter(keys))

    assert list(store.list("bulk/")) == []
    assert store.get("keep/me") == b"kept"


def test_a_large_delete_skips_missing_keys_and_folders(store: ObjectStore) -> None:
    # Enough keys that the local store spreads the unlinks over its threads: an error
    # in one share must neither stop the others nor escape.
    keys = [f"many/{i:04d}" for i in range(300)]
    for key in keys[::2]:
        store.put(key, b"x", "text/plain")
    store.put("many/folder/inside", b"x", "text/plain")

    store.delete_many([*keys, "many/folder", "many/0000/below-a-file"])

    assert list(store.list("many/")) == ["many/folder/inside"]


def test_a_bad_key_refuses_a_large_delete(store: ObjectStore) -> None:
    keys = [f"many/{i:04d}" for i in range(300)]
    for key in keys:
        store.put(key, b"x", "text/plain")

    with pytest.raises(ValueError, match="object key"):
        store.delete_many([*keys, "../etc/passwd"])

    assert sorted(store.list("many/")) == keys


def test_list_is_a_plain_string_prefix(store: ObjectStore) -> None:
    for key in ("a/1", "a/2", "a/sub/3", "ab/4", "b/5"):
        store.put(key, b"x", "text/plain")

    assert sorted(store.list("a/")) == ["a/1", "a/2", "a/sub/3"]
    assert sorted(store.list("a")) == ["a/1", "a/2", "a/sub/3", "ab/4"]
    assert sorted(store.list("a/s")) == ["a/sub/3"]
    assert sorted(store.list("")) == ["a/1", "a/2", "a/sub/3", "ab/4", "b/5"]
    assert list(store.list("c/")) == []


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused_by_every_operation(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError, match="object key"):
        store.put(key, b"x", "text/plain")
    with pytest.raises(ValueError, match="object key"):
        store.get(key)
    with pytest.raises(ValueError, match="object key"):
        store.exists(key)
    with pytest.raises(ValueError, match="object key"):
        store.delete_many([key])
    assert list(store.list("")) == []


def test_a_bad_key_refuses_the_whole_delete(store: ObjectStore) -> None:
    store.put("a", b"x", "text/plain")

    with pytest.raises(ValueError, match="object key"):
        store.delete_many(["a", "../etc/passwd"])

    assert store.exists("a")


@pytest.mark.parametrize("prefix", ["/", "/a", "../", "a/../", "a//", "a\\"])
def test_bad_list_prefixes_are_refused_when_passed(store: ObjectStore, prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        store.list(prefix)


# --- tenants --------------------------------------------------------------------------


def test_a_tenant_sees_only_its_own_objects(store: ObjectStore) -> None:
    alpha, beta = TenantStore(store, "alpha"), TenantStore(store, "beta")
    alpha.put("avatars/1.png", b"alpha's", "image/png")
    beta.put("avatars/1.png", b"beta's", "image/png")

    assert alpha.get("avatars/1.png") == b"alpha's"
    assert beta.get("avatars/1.png") == b"beta's"
    assert list(alpha.list("")) == ["avatars/1.png"]
    assert list(alpha.list("avatars/")) == ["avatars/1.png"]
    assert sorted(store.list("")) == ["alpha/avatars/1.png", "beta/avatars/1.png"]


def test_a_tenant_cannot_reach_another_tenants_keys(store: ObjectStore) -> None:
    alpha, beta = TenantStore(store, "alpha"), TenantStore(store, "beta")
    beta.put("x", b"beta's", "text/plain")

    with pytest.raises(ValueError, match=r"\.\."):
        alpha.get("../beta/x")
    with pytest.raises(ValueError, match="'/'"):
        alpha.get("/beta/x")
    with pytest.raises(ValueError, match=r"\.\."):
        alpha.delete_many(["../beta/x"])
    with pytest.raises(ValueError, match=r"\.\."):
        alpha.list("../beta/")
    # Without '..' the key stays inside alpha's prefix: alpha/beta/x, which is not there.
    with pytest.raises(ObjectNotFound) as caught:
        alpha.get("beta/x")
    assert caught.value.key == "beta/x"
    assert not alpha.exists("x")

    alpha.delete_many(["x", "beta/x"])

    assert beta.get("x") == b"beta's"


def test_a_tenant_whose_slug_prefixes_another_sees_nothing_of_it(store: ObjectStore) -> None:
    TenantStore(store, "songs-plus").put("x", b"other brand", "text/plain")

    assert list(TenantStore(store, "songs").list("")) == []
    assert not TenantStore(store, "songs").exists("-plus/x")


@pytest.mark.parametrize("slug", ["", "a/b", "..", "/a", ".a"])
def test_a_bad_tenant_slug_is_refused(store: ObjectStore, slug: str) -> None:
    with pytest.raises(ValueError, match=r"object key|tenant slug"):
        TenantStore(store, slug)


# --- local backend --------------------------------------------------------------------


def _all_names(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")

    store.put("a/b/c", b"1", "text/plain")
    store.put("a/b/c", b"2", "text/plain")
    store.put("d", b"3", "text/plain")

    assert _all_names(tmp_path / "objects") == ["a", "a/b", "a/b/c", "d"]


def test_local_failed_write_keeps_the_old_object_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put("a/doc", b"old", "text/plain")

    def disk_gone(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", disk_gone)
    with pytest.raises(OSError, match="disk gone"):
        store.put("a/doc", b"new", "text/plain")
    monkeypatch.undo()

    assert store.get("a/doc") == b"old"
    assert _all_names(tmp_path / "objects") == ["a", "a/doc"]


def test_local_folders_and_files_are_private(tmp_path: Path) -> None:
    root = tmp_path / "data" / "objects"
    store = LocalObjectStore(root)

    store.put("tenant/uploads/1", b"x", "text/plain")

    for folder in (root, root / "tenant", root / "tenant" / "uploads"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((root / "tenant" / "uploads" / "1").stat().st_mode) == 0o600


def test_local_list_skips_files_it_did_not_write_as_objects(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    store = LocalObjectStore(root)
    store.put("a/x", b"x", "text/plain")
    # What a crash between mkstemp and os.replace would leave behind.
    (root / "a" / ".abc123.tmp").write_bytes(b"partial")

    assert list(store.list("")) == ["a/x"]


# --- S3 backend -----------------------------------------------------------------------


class _RecordingMinio(Minio):
    """A real client that also records how many keys each remove_objects call carried."""

    batches: list[int]

    def remove_objects(
        self,
        bucket_name: str,
        delete_object_list: Iterable[DeleteObject],
        bypass_governance_mode: bool = False,
    ) -> Iterator[DeleteError]:
        batch = list(delete_object_list)
        self.batches.append(len(batch))
        return super().remove_objects(bucket_name, batch, bypass_governance_mode)


def test_s3_deletes_in_batches_of_1000_and_sends_every_batch(s3_endpoint: str) -> None:
    store = _s3_store(s3_endpoint, _RecordingMinio)
    assert isinstance(store.client, _RecordingMinio)
    store.client.batches = []
    stored = ["k0000", "k1500", "k2000"]  # one in each batch
    for key in stored:
        store.put(key, b"x", "text/plain")

    store.delete_many(f"k{i:04d}" for i in range(2001))

    assert store.client.batches == [1000, 1000, 1]
    assert list(store.list("")) == []


class _RefusingMinio(Minio):
    """A real client whose server refuses to delete one key, as a locked object would be."""

    def remove_objects(
        self,
        bucket_name: str,
        delete_object_list: Iterable[DeleteObject],
        bypass_governance_mode: bool = False,
    ) -> Iterator[DeleteError]:
        yield from super().remove_objects(bucket_name, delete_object_list, bypass_governance_mode)
        yield DeleteError("AccessDenied", "Access Denied", "locked", None)


def test_s3_delete_errors_are_raised(s3_endpoint: str) -> None:
    store = _s3_store(s3_endpoint, _RefusingMinio)
    store.put("gone", b"x", "text/plain")

    with pytest.raises(ObjectStoreError, match=r"'locked': AccessDenied"):
        store.delete_many(["gone", "locked"])

    assert not store.exists("gone")


def test_s3_delete_request_failure_is_raised(s3_endpoint: str) -> None:
    # The request fails only once remove_objects' iterator is consumed: proof that it is.
    store = S3ObjectStore(_client(s3_endpoint), _bucket())  # bucket never created

    # Surfaced as the store's own error (the web answers 503), naming the S3 code.
    with pytest.raises(ObjectStoreError, match="NoSuchBucket"):
        store.delete_many(["x"])


def test_s3_ensure_bucket_is_idempotent(s3_endpoint: str) -> None:
    store = _s3_store(s3_endpoint)
    store.put("x", b"kept", "text/plain")

    store.ensure_bucket()

    assert store.get("x") == b"kept"


def test_s3_keeps_the_content_type(s3_endpoint: str) -> None:
    store = _s3_store(s3_endpoint)

    store.put("a.png", b"\x89PNG", "image/png")

    assert store.client.stat_object(store.bucket, "a.png").content_type == "image/png"


# --- factory --------------------------------------------------------------------------


def test_factory_defaults_to_a_folder_in_the_data_dir(tmp_path: Path) -> None:
    store = open_object_store(None, tmp_path)

    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "objects"


def test_factory_opens_a_file_url(tmp_path: Path) -> None:
    store = open_object_store(f"file://{tmp_path}/my%20objects", Path("/unused"))

    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "my objects"


def test_factory_opens_a_working_s3_store(s3_endpoint: str, tmp_path: Path) -> None:
    bucket = _bucket()
    url = f"s3://{ACCESS}:{SECRET}@{s3_endpoint}/{bucket}?secure=false&region={REGION}"

    store = open_object_store(url, tmp_path)
    assert isinstance(store, S3ObjectStore)
    store.ensure_bucket()
    store.put("x", b"through the URL", "text/plain")

    assert _client(s3_endpoint).bucket_exists(bucket)
    assert store.get("x") == b"through the URL"


def test_s3_url_defaults_and_decoding() -> None:
    location = parse_s3_url("s3://AKIA%2Fx:se%2Fc%40ret@minio.internal:9000/media")

    assert location.endpoint == "minio.internal:9000"
    assert location.access_key == "AKIA/x"
    assert location.secret_key == "se/c@ret"
    assert location.bucket == "media"
    assert location.secure is True
    assert location.region is None
    assert "se/c@ret" not in repr(location)


def test_s3_url_without_port_and_with_ipv6_host() -> None:
    assert parse_s3_url("s3://a:b@s3.amazonaws.com/media").endpoint == "s3.amazonaws.com"
    assert parse_s3_url("s3://a:b@[::1]:9000/media").endpoint == "[::1]:9000"


SECRET_IN_URL = "hunter2secret"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "scheme"),
        ("ftp://host/bucket", "scheme"),
        ("/var/objects", "scheme"),
        ("file://relative/objects", "absolute path"),
        ("file://", "absolute path"),
        ("file:///var/objects?x=1", "no query"),
        ("s3://minio:9000/media", "ACCESS:SECRET"),
        (f"s3://access@minio:9000/media?x={SECRET_IN_URL}", "ACCESS:SECRET"),
        (f"s3://access:{SECRET_IN_URL}@:9000/media", "host"),
        (f"s3://access:{SECRET_IN_URL}@minio:port/media", "port"),
        (f"s3://access:{SECRET_IN_URL}@[minio:9000/media", "IPv6"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000", "bucket"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/", "bucket"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/media/sub", "bucket"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/Bad_Bucket", "bucket name"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/media#x", "fragment"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/media?secure=maybe", "secure"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/media?secure=false&secure=true", "twice"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/media?colour=red", "colour"),
        (f"s3://access:{SECRET_IN_URL}@minio:9000/media?secure", "name=value"),
    ],
)
def test_factory_rejects_malformed_urls_without_echoing_them(
    tmp_path: Path, url: str, reason: str
) -> None:
    with pytest.raises(ValueError, match="WARREN_STORAGE_URL") as caught:
        open_object_store(url, tmp_path)

    assert reason in str(caught.value)
    assert SECRET_IN_URL not in str(caught.value)
