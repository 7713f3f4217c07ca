"""Full-text search over certificates, behind a small interface (never imports `portal`).

The portal builds `CertificateDoc` values from its database rows, writes them through
`SearchIndex.batch()` / `rebuild()`, and reads keys back from `search()`; it shows details from
the database. `parse_query` turns anything a user types into plain terms, never query syntax.
"""

from search_index.model import (
    STATUSES,
    CertificateDoc,
    Facets,
    Filters,
    IndexBusyError,
    IndexEntry,
    IndexUnavailableError,
    SearchResults,
    SyncState,
)
from search_index.standards import Standard, normalise_standard, parse_standards, standard_terms
from search_index.text import MAX_QUERY_CHARS, ParsedQuery, highlight_spans, parse_query
from search_index.whoosh_backend import Batch, WhooshIndex

SearchIndex = WhooshIndex


def open_index(location: str, *, procs: int = 1) -> SearchIndex:
    """Open (creating if needed) the index in directory `location`; ":memory:" keeps it in RAM."""
    return WhooshIndex(location, procs=procs)


__all__ = [
    "MAX_QUERY_CHARS", "STATUSES", "Batch", "CertificateDoc", "Facets", "Filters",
    "IndexBusyError", "IndexEntry", "IndexUnavailableError", "ParsedQuery", "SearchIndex",
    "SearchResults", "Standard", "SyncState", "highlight_spans", "normalise_standard",
    "open_index", "parse_query", "parse_standards", "standard_terms",
]
