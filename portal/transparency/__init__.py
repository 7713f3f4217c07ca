"""`/transparency`: the docs/contract.md §6 statistics (table, chart, CSV), complaint figures, commitments."""

from flask import Blueprint

bp = Blueprint("transparency", __name__)

from portal.transparency import services, views  # noqa: F401  (routes register on bp)
