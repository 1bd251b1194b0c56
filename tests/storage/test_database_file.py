"""A database file that is there is never replaced: an empty, cut-short or foreign file is
one clear error naming it, and stays byte for byte as it was. Only a missing file is made.
SQLite only, by nature: these are faults of a database file, and PostgreSQL keeps none of ours."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from newsletter.common.errors import StoreError
from newsletter.storage import db

from ..sending_setup import now


def connect(path):
    return db.connect(f"sqlite:///{path}")


def a_database_with_someone_who_left(path) -> bytes:
    engine = connect(path)
    with engine.begin() as conn:
        conn.execute(insert(db.subscribers), [dict(
            email=f"left{n}@mail.example", name="", tags=[], status="unsubscribed",
            source="web", created_at=now(), updated_at=now()) for n in range(2000)])
    engine.dispose()
    return path.read_bytes()


@pytest.mark.parametrize("content, why", [
    (b"", "it is empty (0 bytes)"),
    (b"email,name\nana@mail.example,Ana\n" * 10, "it is not a SQLite database"),
    (b"SQLite format 3\x00", "it is not a SQLite database"),  # the header alone
])
def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_is(tmp_path, content, why):
    path = tmp_path / "newsletter.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as refused:
        connect(path)
    assert str(refused.value) == f"{path} is not a usable database: {why}; it was left as it is"
    assert "restore it from a backup" in refused.value.hint
    assert "folder" not in refused.value.hint
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newsletter.db"]


def test_a_cut_short_database_is_refused_and_left_as_it_is(tmp_path):
    path = tmp_path / "newsletter.db"
    whole = a_database_with_someone_who_left(path)
    path.write_bytes(whole[:8192])
    with pytest.raises(StoreError, match=rf"is not a usable database: it is cut short "
                                         rf"\(8,192 of its {len(whole):,} bytes\)"):
        connect(path)
    assert path.read_bytes() == whole[:8192]


def test_a_missing_file_is_created_and_a_good_one_opens_with_its_rows(tmp_path):
    path = tmp_path / "newsletter.db"
    a_database_with_someone_who_left(path)
    with connect(path).connect() as conn:
        assert len(conn.execute(select(db.subscribers.c.id)).all()) == 2000
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))
                  ) == ["newsletter.db"], "nothing is left over from creating it"


def test_only_a_missing_folder_is_called_a_missing_folder(tmp_path):
    path = tmp_path / "no such folder" / "newsletter.db"
    with pytest.raises(StoreError, match="the folder .*no such folder does not exist"):
        connect(path)
    assert not path.parent.exists()
