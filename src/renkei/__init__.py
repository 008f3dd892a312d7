"""renkei (連携): an open reference implementation of Japan's My Number information-linkage infrastructure."""

__version__ = "0.1.0"
