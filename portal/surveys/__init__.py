"""Blueprint `surveys`: /survey/<token>, the customer-satisfaction form after an audit (#16)."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)
