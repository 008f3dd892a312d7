"""住民記録 use cases, the public face of `renkei.residents` (services flush, callers commit)."""

from renkei.residents.service.acquisition import issue_acquisition_numbers, mynumber_of
from renkei.residents.service.changes import change_address, change_name, move_in, move_out, record_death
from renkei.residents.service.disclosure import provision_disclosure
from renkei.residents.service.outbox import acknowledge, pending_events
from renkei.residents.service.queries import (
    changes_of,
    changes_per_month,
    changes_recorded,
    count_residents,
    counts,
    find_by_atena_number,
    get_resident,
    household_members,
    list_residents,
    residents_at,
)
from renkei.residents.service.registration import record_birth, register_residents
from renkei.residents.service.seals import SealView, abolish_seal, current_seal, register_seal
from renkei.residents.service.transfer import open_certificate, seal_certificate
from renkei.residents.service.window import identity_check

__all__ = [
    "SealView",
    "abolish_seal",
    "acknowledge",
    "change_address",
    "change_name",
    "changes_of",
    "changes_per_month",
    "changes_recorded",
    "count_residents",
    "counts",
    "current_seal",
    "find_by_atena_number",
    "get_resident",
    "household_members",
    "identity_check",
    "issue_acquisition_numbers",
    "list_residents",
    "move_in",
    "move_out",
    "mynumber_of",
    "open_certificate",
    "pending_events",
    "provision_disclosure",
    "record_birth",
    "record_death",
    "register_residents",
    "register_seal",
    "residents_at",
    "seal_certificate",
]
