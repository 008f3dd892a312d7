"""団体内統合宛名 use cases, the public face of `renkei.addressee` (services flush, callers commit)."""

from renkei.addressee.service.audit import access_log, duplicate_candidates, reveal_mynumber
from renkei.addressee.service.basis import (
    basis_for,
    define_local_jimu,
    ensure_default_bases,
    list_bases,
    list_ordinances,
    local_jimu,
    plan,
    record_notification,
    register_ordinance,
)
from renkei.addressee.service.events import CONSUMER, consume_resident_events
from renkei.addressee.service.people import (
    counts,
    find_by_atena,
    find_by_mynumber,
    get,
    integrated_number_of_resident,
    integrated_numbers,
    link_system,
    register_non_resident,
    register_residents,
    search,
)

__all__ = [
    "CONSUMER",
    "access_log",
    "basis_for",
    "consume_resident_events",
    "counts",
    "define_local_jimu",
    "duplicate_candidates",
    "ensure_default_bases",
    "find_by_atena",
    "find_by_mynumber",
    "get",
    "integrated_number_of_resident",
    "integrated_numbers",
    "link_system",
    "list_bases",
    "list_ordinances",
    "local_jimu",
    "plan",
    "record_notification",
    "register_non_resident",
    "register_ordinance",
    "register_residents",
    "reveal_mynumber",
    "search",
]
