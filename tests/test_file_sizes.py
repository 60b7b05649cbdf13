"""One spelling of a file's size for every page and export (five formatters rounded each their own way: a
60-byte file read "0,0 kB" on the referral page and "1 KB" in the forum)."""
import pytest

from portal.i18n import format_size


@pytest.mark.parametrize("size, shown", [(None, "0 byte"), (60, "60 byte"), (1023, "1023 byte"), (1024, "1,0 kB"),
                                         (620_000, "605,5 kB"), (3_500_000, "3,3 MB")])
def test_sizes_read_as_people_read_them(app, size, shown):
    with app.test_request_context():
        assert format_size(size) == shown


def test_the_pages_use_it(app):
    with app.test_request_context():
        assert app.jinja_env.filters["filesize"](60) == "60 byte"
