from tests.portal.browsing import browser, page, screenshot
from tests.web.conftest import light_password_hashing

__all__ = ["browser", "light_password_hashing", "page", "screenshot"]
