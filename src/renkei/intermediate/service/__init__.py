"""The intermediate server's public face (中間サーバー): node and keys, 符号, 副本, 照会, 提供, 記録, 自己情報.

Functions take the session first and the rest by keyword; they flush, never commit.
"""

from __future__ import annotations

from renkei.intermediate.service.bulk import (
    BulkLine,
    BulkSubmitted,
    bulk_outcomes,
    outcomes_of,
    poll_bulk,
    submit_bulk_batched,
)
from renkei.intermediate.service.copies import (
    DUPLICATE_RECORD_ID,
    copy_statistics,
    current_copies,
    register_copies,
    register_copy,
)
from renkei.intermediate.service.node import (
    NodeKeys,
    ensure_node,
    is_registered,
    node_keys,
    register_with_hub,
)
from renkei.intermediate.service.provide import provide_batch
from renkei.intermediate.service.queries import (
    Coalescer,
    Line,
    Submitted,
    accept_results,
    find_query,
    poll_pending,
    poll_query,
    recent_queries,
    submit,
    submit_each,
    submit_query,
)
from renkei.intermediate.service.records import inclusion_proof, list_records, verify_records
from renkei.intermediate.service.self_info import self_information
from renkei.intermediate.service.signs import (
    acquire_missing_signs,
    acquire_signs,
    remove_sign,
    sign_count,
    sign_not_acquired,
    sign_of,
    sync_signs,
)

__all__ = [
    "DUPLICATE_RECORD_ID",
    "BulkLine",
    "BulkSubmitted",
    "Coalescer",
    "Line",
    "NodeKeys",
    "Submitted",
    "accept_results",
    "acquire_missing_signs",
    "acquire_signs",
    "bulk_outcomes",
    "copy_statistics",
    "current_copies",
    "ensure_node",
    "find_query",
    "inclusion_proof",
    "is_registered",
    "list_records",
    "node_keys",
    "outcomes_of",
    "poll_bulk",
    "poll_pending",
    "poll_query",
    "provide_batch",
    "recent_queries",
    "register_copies",
    "register_copy",
    "register_with_hub",
    "remove_sign",
    "self_information",
    "sign_count",
    "sign_not_acquired",
    "sign_of",
    "submit",
    "submit_bulk_batched",
    "submit_each",
    "submit_query",
    "sync_signs",
    "verify_records",
]
