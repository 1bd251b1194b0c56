"""Opening a database that cannot be opened is one clear line that names it, never with its
password, and says what to do."""

import pytest

from newsletter.common.errors import StoreError
from newsletter.storage import db

from ..smtpserver import free_port


def test_a_postgresql_server_that_is_not_there_is_named_without_its_password():
    url = f"postgresql+psycopg://clinic:s3cret-pw@127.0.0.1:{free_port()}/newsletter"
    with pytest.raises(StoreError) as raised:
        db.connect(url)
    message = str(raised.value)
    assert message.startswith("cannot open the database 'postgresql+psycopg://clinic:***@")
    assert "\n" not in message  # the driver's own is two lines
    assert "s3cret-pw" not in message + raised.value.hint
    assert "database server is running" in raised.value.hint


def test_a_database_whose_driver_is_not_installed_says_so_and_names_the_extra():
    with pytest.raises(StoreError) as raised:  # pg8000: a driver this project never installs
        db.connect("postgresql+pg8000://clinic@127.0.0.1/newsletter")
    assert str(raised.value).endswith("its driver is not installed (pg8000)")
    assert "clinic-newsletter[postgres]" in raised.value.hint
