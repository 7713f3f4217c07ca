"""Flask extensions, created unbound and bound in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from portal.security import exempt_from_default_limit, public_rate_limit


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage comes from RATELIMIT_STORAGE_URI (REDIS_URL when set), see config.py. Every route
# without its own limit shares the public default (portal/security.py).
limiter = Limiter(key_func=get_remote_address, default_limits=[public_rate_limit],
                  default_limits_exempt_when=exempt_from_default_limit)
