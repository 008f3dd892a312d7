from tests.portal.browsing import browser, page, screenshot

__all__ = ["browser", "page", "screenshot"]
