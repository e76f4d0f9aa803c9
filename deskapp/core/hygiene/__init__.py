"""Customer hygiene: the keys that say two records are one person, the duplicate index and scans, likely
duplicates of one record, and merging two customers (plan, apply, undo, history).

May import the packages below it (`records`, `db`, `customers`, `activity`); never `io`, `history`,
`analytics` or `ops`, which sit above it and use it.
"""

from __future__ import annotations

from deskapp.core.hygiene.duplicates import (
    DuplicateIndex,
    DuplicatePair,
    DuplicateReport,
    PairSide,
    find_duplicates,
    gc_paused,
)
from deskapp.core.hygiene.likely import LikelyDuplicate, likely_duplicates_of, pair_score, profile_from_fields
from deskapp.core.hygiene.matching import (
    DEFAULT_MIN_SCORE,
    MAX_NAME_POINTS,
    Profile,
    blocking_keys,
    company_key,
    email_key,
    exact_evidence,
    make_profile,
    name_similarity,
    score_pair,
    soundex,
)
from deskapp.core.hygiene.merge import FieldChoice, MergePlan, MergeResult, merge_customers, plan_merge
from deskapp.core.hygiene.merge_history import forget_merges_of, list_merges
from deskapp.core.hygiene.merge_payload import MergeEntry, MergeSnapshot, UnmergeEntry
from deskapp.core.hygiene.merge_rows import decode
from deskapp.core.hygiene.merge_undo import UndoRefused, undo_merge
from deskapp.core.hygiene.pairs import MergePreview, default_survivor, merge_preview

__all__ = [
    "DEFAULT_MIN_SCORE",
    "MAX_NAME_POINTS",
    "DuplicateIndex",
    "DuplicatePair",
    "DuplicateReport",
    "FieldChoice",
    "LikelyDuplicate",
    "MergeEntry",
    "MergePlan",
    "MergePreview",
    "MergeResult",
    "MergeSnapshot",
    "PairSide",
    "Profile",
    "UndoRefused",
    "UnmergeEntry",
    "blocking_keys",
    "company_key",
    "decode",
    "default_survivor",
    "email_key",
    "exact_evidence",
    "find_duplicates",
    "forget_merges_of",
    "gc_paused",
    "likely_duplicates_of",
    "list_merges",
    "make_profile",
    "merge_customers",
    "merge_preview",
    "name_similarity",
    "pair_score",
    "plan_merge",
    "profile_from_fields",
    "score_pair",
    "soundex",
    "undo_merge",
]
