"""Configuration: defaults here, then ``instance/config.py``, then environment variables, then the caller's mapping."""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any, Mapping

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # None: a SQLite file in the instance folder
    # A read replica of the PostgreSQL database, for the report pages (ledgers, bulletins); None: the primary.
    "DATABASE_REPLICA_URL": None,
    "SQL_ECHO": False,
    # Cookies
    "SESSION_COOKIE_NAME": "worklog_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # set WORKLOG_HTTPS=1 behind HTTPS
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # The cookie is sent again only when it changes: the server ends a sign-in PERMANENT_SESSION_LIFETIME after it
    # began whatever the cookie says, so renewing the cookie's expiry meant a signed cookie on every response.
    "SESSION_REFRESH_EACH_REQUEST": False,
    # A sign-in ends after this long without a request, and in any case after PERMANENT_SESSION_LIFETIME.
    "SESSION_IDLE_MINUTES": 120,
    # A form left open through a shift must still submit.
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    "WTF_CSRF_SSL_STRICT": True,
    # Languages and time
    "LANGUAGES": ["zh_CN", "en"],
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    # Sign-in limits (and those of every password typed to confirm an act), see worklog/auth/services.py.
    # Per badge and address: after this many failures the pair waits the window, twice as long after each
    # further failure, up to LOGIN_MAX_DELAY_MINUTES.
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_MAX_FAILURES_PER_PAIR": 5,
    "LOGIN_MAX_DELAY_MINUTES": 240,
    # Per badge from every address within the window, except addresses its owner signed in from lately.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 100,
    "LOGIN_KNOWN_ADDRESS_DAYS": 30,
    # Per address, whatever the badge, within the window.
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    "PASSWORD_MIN_LENGTH": 8,
    "PASSWORD_MAX_LENGTH": 128,
    # The fewest guesses (as a power of ten) that zxcvbn must reckon a chosen password takes, knowing the words
    # below, the unit names, the person's badge, name and its pinyin. 8 is zxcvbn's own line between "somewhat"
    # and "safely" unguessable (score 3), less the last step, so that 8 random characters still pass.
    "PASSWORD_MIN_GUESSES_LOG10": 8,
    "PASSWORD_SITE_WORDS": ["警务", "jingwu", "警察", "jingcha", "公安", "gongan", "police", "worklog", "政法",
                            "绩效", "jixiao", "考核", "kaohe"],
    # argon2id parameters (RFC 9106 second recommended option by default).
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "ARGON2_PARALLELISM": 4,
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted (0: none), and the addresses
    # (or CIDR networks) they connect from: the headers are read only on connections from one of these.
    "PROXY_COUNT": 0,
    "TRUSTED_PROXIES": ["127.0.0.1", "::1"],
    "HTTPS": False,
    # Bounds on what a request may send, checked before its body is read (a 413 page otherwise). A form's body:
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # … one text field of a multipart form held in memory, and the number of fields and files in one:
    "MAX_FORM_MEMORY_SIZE": 256 * 1024,
    "MAX_FORM_PARTS": 1000,
    # An import's file (the only requests allowed past MAX_CONTENT_LENGTH), and what it may hold: data rows (all
    # sheets together), columns, and bytes once unpacked (an XLSX is a zip: all its parts together).
    "IMPORT_MAX_BYTES": 16 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 50_000,
    # SQLite: an import writes this many rows per transaction, then pauses so that waiting writers get the lock.
    "IMPORT_CHUNK_ROWS": 500,
    "IMPORT_CHUNK_PAUSE_SECONDS": 0.05,
    "IMPORT_MAX_COLUMNS": 100,
    "IMPORT_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
    # Inspection's evidence files (PDF, JPEG, PNG): where they are kept, outside the web root (None:
    # <instance>/attachments), the most one file may be, and the most one form may send with its files.
    "ATTACHMENT_DIR": None,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "ATTACHMENT_REQUEST_MAX_BYTES": 32 * 1024 * 1024,
    "PAGE_SIZE": 50,
    # The day (日清): how far back an officer may still log, and when a day's log is due
    # (local time on the next working day).
    "BACKFILL_DAYS": 7,
    "DAY_DEADLINE": "09:00",
    # The police-service survey: the key that encrypts phone numbers (a Fernet key, or any secret to derive one
    # from; None: derived from SECRET_KEY), and how many days after the contact a number and name are erased.
    "PHONE_KEY": None,
    # Tamper evidence (worklog/integrity.py): the HMAC key of seals and of the audit trail, kept out of the
    # database (None: derived from SECRET_KEY; set it in instance/config.py to keep it apart), and how often at
    # most each process chains new audit events after a request, in seconds (0: after every such request).
    "INTEGRITY_KEY": None,
    "AUDIT_CHECKPOINT_SECONDS": 5,
    "CONTACT_RETENTION_DAYS": 365,
    # Long work (month close of a city or the province, large exports) runs as background jobs: on RQ when
    # REDIS_URL is set (workers: `flask --app app jobs worker`), else inline, in the process that starts it.
    "REDIS_URL": None,
    # The JSON API (/api/v1/): the HMAC key of clients' tokens (None: derived from SECRET_KEY; changing it stops
    # every token), and the rate limit of requests without a known token, per address. Each client's own limit is
    # set on its page; counts are kept on REDIS_URL when set (RATELIMIT_STORAGE_URI overrides), else in memory.
    "API_TOKEN_KEY": None,
    "API_ANONYMOUS_RATE_LIMIT": "60 per minute",
    # The events feed shows an event once it is this many seconds old: an event's id is taken before its
    # transaction commits, so a slower transaction may commit one below a cursor a client has already read past.
    "API_EVENTS_SETTLE_SECONDS": 10,
    "RATELIMIT_STORAGE_URI": None,
    "JOBS_QUEUE": "worklog",
    # Longest one part (one unit's close, one export) may run on a worker before RQ stops it, in seconds.
    "JOB_PART_TIMEOUT": 3600,
    "JOB_BATCH_OFFICERS": 10000,
    # Notifications by mail (worklog/notifications): the SMTP server (None: no mail is sent; the outbox waits and
    # `flask mail send` says so), its port, account, and either TLS from the start (MAIL_USE_TLS, usually port 465)
    # or STARTTLS after connecting (MAIL_USE_STARTTLS, usually port 587); the sender's address; how long to wait for
    # the server, in seconds; how many tries a mail gets before it is marked failed.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_STARTTLS": False,
    "MAIL_FROM": "Worklog <worklog@localhost>",
    "MAIL_TIMEOUT": 30,
    "MAIL_MAX_ATTEMPTS": 5,
    # The site's address as people reach it (https://worklog.example.gov.cn), for the links in mails; None: mails
    # carry no link.
    "SITE_URL": None,
    # Reminders (`flask notifications remind`): a day not yet submitted is reminded from this local time on the day
    # itself until its deadline; an appeal window and a follow-up's or rectification's deadline this many days
    # before they end (the last day included).
    "DAY_REMINDER_AT": "17:00",
    "APPEAL_REMINDER_DAYS": 1,
    "DUE_REMINDER_DAYS": 1,
    # Tests pin the clock with an aware datetime (or its ISO text, for a worker started with
    # WORKLOG_FIXED_NOW); None means the real time.
    "FIXED_NOW": None,
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("WORKLOG")
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name) and not os.environ.get(f"WORKLOG_{name}"):
            app.config[name] = os.environ[name]
    if overrides:
        app.config.update(overrides)

    if isinstance(app.config.get("FIXED_NOW"), str):
        fixed = datetime.fromisoformat(app.config["FIXED_NOW"])
        if fixed.tzinfo is None:
            raise RuntimeError("FIXED_NOW needs a time zone, e.g. 2026-11-25T04:00:00+00:00")
        app.config["FIXED_NOW"] = fixed
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "worklog.db")
    app.config["DATABASE_URL"] = normalise_database_url(app.config["DATABASE_URL"])
    if app.config.get("DATABASE_REPLICA_URL"):
        app.config["DATABASE_REPLICA_URL"] = normalise_database_url(app.config["DATABASE_REPLICA_URL"])
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable or put SECRET_KEY = '...' in "
            f"{os.path.join(app.instance_path, 'config.py')} (make run writes one for you).")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
