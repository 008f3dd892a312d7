"""Operator actions at the hub: enrolled operators, and their signed changes to the registry and permission table.

Each action checks the operator's signature against the key the hub enrolled for that person, then changes the
registry (`registry`) or the table (`table`) and appends one entry to the hub's records log — the same witnessed
`RECORDS` as the exchanges — holding who, what, the state before and after, the reason and the signed request, in
the same transaction (`log`); `hub_operator_action` indexes the entry by the request's action id, so a retry
answers the recorded action and never acts twice (decision 0037). Services flush, never commit.
"""

from renkei.hub.operators.log import enrol_operator, list_actions, list_operators, retire_operator
from renkei.hub.operators.registry import change_agency, register_agency, retire_agency, rotate_agency_keys
from renkei.hub.operators.table import add_permissions, end_permission, remove_permission

__all__ = [
    "add_permissions",
    "change_agency",
    "end_permission",
    "enrol_operator",
    "list_actions",
    "list_operators",
    "register_agency",
    "remove_permission",
    "retire_agency",
    "retire_operator",
    "rotate_agency_keys",
]
