"""The bench's database: a scratch one (or a named one kept for reuse) filled by the synthetic province generator,
the people and units the figures act as and on (the cast), and putting back what the bench changed.

SQLite in a temporary file by default; PostgreSQL when BENCH_DATABASE_URL is set, in a database created beside that
one and dropped after the run. With BENCH_REUSE=1 the database is named after the scale and seed, kept, and found
again by the next run, because generating the whole province takes minutes.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, make_url, text

from bench.figures import info

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The secret key of every process of the bench: the generator protects phone numbers under it, the server reads them.
SECRET_KEY = "bench-secret-key-not-for-production"
#: The generator's own default password (the demo's), unless BENCH_PASSWORD says otherwise.
DEFAULT_PASSWORD = "Jingwu-2026"
META_TABLE = "bench_meta"
#: A table of the bench's own, for the one-INSERT floors (never one of the product's).
FLOOR_TABLE = "bench_floor"


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass
class Settings:
    """Everything ``make bench`` can be told, from the environment."""
    scale: float = 0.01
    seed: int = 1
    database_url: str | None = None      # the PostgreSQL server to work beside; None: SQLite
    reuse: bool = False
    database_name: str | None = None     # the reused database's (or SQLite file's) name
    password: str = DEFAULT_PASSWORD
    repeats: int = 3
    requests: int = 30                   # timed requests per page, after the warm-up
    page_budget: float = 20.0            # seconds per page at most (at least 5 requests)
    load_seconds: float = 30.0
    load_clients: int = 40
    workers: int = 2
    startup_runs: int = 5
    only: set[str] | None = None         # sections to run (None: all)
    keep: bool = False                   # keep a scratch database after the run

    @classmethod
    def from_environment(cls) -> Settings:
        only = os.environ.get("BENCH_ONLY")
        return cls(
            scale=_env_float("BENCH_SCALE", 0.01), seed=_env_int("BENCH_SEED", 1),
            database_url=os.environ.get("BENCH_DATABASE_URL") or None,
            reuse=os.environ.get("BENCH_REUSE", "") not in ("", "0", "false", "no"),
            database_name=os.environ.get("BENCH_DB_NAME") or None,
            password=os.environ.get("BENCH_PASSWORD") or DEFAULT_PASSWORD,
            repeats=max(1, _env_int("BENCH_REPEATS", 3)), requests=max(1, _env_int("BENCH_REQUESTS", 30)),
            page_budget=_env_float("BENCH_PAGE_SECONDS", 20.0),
            load_seconds=_env_float("BENCH_LOAD_SECONDS", 30.0),
            load_clients=max(1, _env_int("BENCH_LOAD_CLIENTS", 40)),
            workers=max(1, _env_int("BENCH_WORKERS", 2)), startup_runs=max(1, _env_int("BENCH_STARTUP_RUNS", 5)),
            only={s.strip() for s in only.split(",") if s.strip()} if only else None,
            keep=os.environ.get("BENCH_KEEP", "") not in ("", "0", "false", "no"))

    @property
    def kind(self) -> str:
        """The suffix of every database figure's name."""
        return "pg" if self.database_url else "sqlite"

    @property
    def tag(self) -> str:
        return f"s{self.scale:g}".replace(".", "_") + f"_seed{self.seed}"

    def wants(self, section: str) -> bool:
        return self.only is None or section in self.only


def child_environment(url: str) -> dict[str, str]:
    """The environment of every process the bench starts: its database and key, nothing of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKLOG_")}
    env.pop("DATABASE_URL", None)
    env.update(WORKLOG_DATABASE_URL=url, SECRET_KEY=SECRET_KEY, WORKLOG_INSTANCE_PATH=instance_folder(),
               PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""))
    return env


_instance: list[str] = []


def instance_folder() -> str:
    """An empty instance folder: the bench reads neither instance/config.py nor the developer's settings."""
    if not _instance:
        import atexit
        import shutil
        _instance.append(tempfile.mkdtemp(prefix="worklog-bench-instance-"))
        atexit.register(shutil.rmtree, _instance[0], True)
    return _instance[0]


# --- The database -----------------------------------------------------------------------------------------------


class Database:
    """Where the province lives for this run; ``url`` is ready once entered."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.url = ""
        self.kept = False
        self._folder: tempfile.TemporaryDirectory | None = None
        self._admin = None
        self._name = ""

    def __enter__(self) -> Database:
        s = self.settings
        if s.database_url:
            from worklog.config import normalise_database_url
            base = make_url(normalise_database_url(s.database_url))
            if s.reuse:
                self._name = s.database_name or f"{base.database}_bench_{s.tag}"
            else:
                self._name = f"{base.database}_bench_{os.getpid()}_{secrets.token_hex(3)}"
            self._admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with self._admin.connect() as conn:
                exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self._name})
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{self._name}"'))
            self.url = base.set(database=self._name).render_as_string(hide_password=False)
            self.kept = s.reuse or s.keep
        else:
            if s.reuse:
                folder = os.path.join(ROOT, "instance", "bench")
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, s.database_name or f"{s.tag}.db")
            else:
                self._folder = tempfile.TemporaryDirectory(prefix="worklog-bench-")
                path = os.path.join(self._folder.name, "bench.db")
            self.url = f"sqlite:///{path}"
            self.kept = s.reuse
        info(f"database: {make_url(self.url).render_as_string(hide_password=True)}"
             + (" (kept for reuse)" if self.kept else " (dropped after the run)"))
        return self

    def __exit__(self, *exc) -> None:
        if self._admin is not None:
            if not self.kept:
                with self._admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            self._admin.dispose()
        if self._folder is not None:
            self._folder.cleanup()


def last_complete_month(today: date | None = None) -> date:
    today = today or date.today()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def prepare(settings: Settings, url: str) -> None:
    """Migrate the database and, when it holds no province yet, generate one (the generator's own command, run as
    ``flask --app app synthetic province`` would be). Then the bench's two small tables."""
    from worklog import migrate
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            units = conn.scalar(text("SELECT count(*) FROM unit"))
        if units:
            meta = read_meta(engine)
            info(f"reusing the province already in the database ({units} units"
                 + (f", scale {meta.get('scale')}, seed {meta.get('seed')})" if meta else ")"))
            if meta and (meta.get("scale") != f"{settings.scale:g}" or meta.get("seed") != str(settings.seed)):
                info(f"warning: the database was generated at scale {meta.get('scale')} seed {meta.get('seed')}, "
                     f"not scale {settings.scale:g} seed {settings.seed}")
        else:
            generate(settings, url)
            _write_meta(engine, {"scale": f"{settings.scale:g}", "seed": str(settings.seed),
                                 "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        with engine.begin() as conn:
            serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
            conn.execute(text(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id {serial} PRIMARY KEY, "
                              "person_id INTEGER NOT NULL, work_date DATE NOT NULL, quantity NUMERIC(10, 2) NOT NULL, "
                              "description VARCHAR(500) NOT NULL, created_at TIMESTAMP NOT NULL)"))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def generate(settings: Settings, url: str) -> None:
    month = last_complete_month()
    command = [sys.executable, "-m", "flask", "--app", "app", "synthetic", "province", "--scale", f"{settings.scale:g}",
               "--seed", str(settings.seed), "--month", f"{month:%Y-%m}", "--password", settings.password]
    info(f"generating the province: {' '.join(command[2:-2])} --password …")
    started = datetime.now()
    # The generator's progress bars go to standard error with the bench's own progress.
    done = subprocess.run(command, cwd=ROOT, env=child_environment(url), stdout=sys.stderr, stderr=sys.stderr)
    if done.returncode != 0:
        raise SystemExit("generating the province failed (its messages are above)")
    info(f"generated in {(datetime.now() - started).total_seconds():.0f} s")


def read_meta(engine) -> dict[str, str]:
    with engine.connect() as conn:
        try:
            return dict(conn.execute(text(f"SELECT key, value FROM {META_TABLE}")).all())
        except Exception:
            return {}


def _write_meta(engine, values: dict[str, str]) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR(64) PRIMARY KEY, value TEXT)"))
        conn.execute(text(f"DELETE FROM {META_TABLE}"))
        conn.execute(text(f"INSERT INTO {META_TABLE} (key, value) VALUES (:k, :v)"),
                     [{"k": k, "v": v} for k, v in values.items()])


# --- The cast ---------------------------------------------------------------------------------------------------


@dataclass
class UnitRef:
    id: int
    code: str
    path: str
    officers: int


@dataclass
class PersonRef:
    id: int
    badge: str


@dataclass
class Cast:
    """Who and what the figures act as and on, found in the generated province."""
    month: date                       # the month of work
    now: datetime                     # the pinned clock: the tenth of the month after, 20:00 in Shanghai
    province: UnitRef
    city: UnitRef                     # the city whose subtree has the most officers
    county: UnitRef                   # the county bureau with the most officers
    department_id: int                # the county's biggest department
    officer: PersonRef                # an officer of the county (no one reports to them)
    supervisor: PersonRef             # who signs the officer's weeks
    panel: PersonRef                  # the county's panel
    hr: PersonRef                     # HR over the province
    admin: PersonRef                  # administrator over the province
    survey: PersonRef                 # survey staff
    week: date                        # the Monday of the month's last week (its review waits)
    officers: int = 0
    entries: int = 0
    #: (officer, their supervisor) pairs for the evening load: officers save entries, supervisors open weeks.
    team: list[tuple[PersonRef, PersonRef]] = field(default_factory=list)
    round_city: int = 0
    round_province: int = 0

    @property
    def month_last(self) -> date:
        return (self.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    @property
    def today(self) -> date:
        from zoneinfo import ZoneInfo
        return self.now.astimezone(ZoneInfo("Asia/Shanghai")).date()

    @property
    def month_key(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def last_working_day(self) -> date:
        day = self.month_last
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day


def pinned_now(month: date) -> datetime:
    """The tenth of the month after the month of work, 20:00 in Shanghai: the month is over, every day of it due,
    and the seven days an officer may still log all lie after it (the bench's own entries never touch it)."""
    after = (month + timedelta(days=32)).replace(day=1)
    return datetime(after.year, after.month, 10, 12, 0, tzinfo=timezone.utc)


def find_cast(session) -> Cast:
    """Read the cast out of the province (plain SQL: nothing here is what is being measured)."""
    one = lambda sql, **p: session.execute(text(sql), p).first()  # noqa: E731
    month = one("SELECT max(month) FROM unit_month")[0]
    if isinstance(month, str):
        month = date.fromisoformat(month)
    now = pinned_now(month)
    province = UnitRef(*one("SELECT id, code, path, 0 FROM unit WHERE parent_id IS NULL ORDER BY id"))
    province.officers = one("SELECT coalesce(sum(officers), 0) FROM unit_month WHERE month = :m", m=month)[0]
    county = UnitRef(*one(
        "SELECT u.id, u.code, u.path, m.officers FROM unit u JOIN unit_month m ON m.unit_id = u.id "
        "WHERE u.level = 'county' AND m.month = :m ORDER BY m.officers DESC, u.id", m=month))
    city = UnitRef(*one(
        "SELECT c.id, c.code, c.path, sum(m.officers) FROM unit c JOIN unit u ON u.path LIKE c.path || '%' "
        "JOIN unit_month m ON m.unit_id = u.id AND m.month = :m WHERE c.level = 'city' "
        "GROUP BY c.id, c.code, c.path ORDER BY sum(m.officers) DESC, c.id", m=month))
    department_id = one(
        "SELECT d.id FROM department d JOIN department_month m ON m.department_id = d.id AND m.month = :m "
        "WHERE d.unit_id = :u ORDER BY m.officers DESC, d.id", m=month, u=county.id)[0]

    def person(sql: str, **params) -> PersonRef:
        row = one(sql, **params)
        if row is None:
            raise SystemExit(f"the province has nobody for: {sql} {params}")
        return PersonRef(*row)

    def granted(role: str, unit_id: int) -> PersonRef:
        return person("SELECT p.id, p.badge FROM role_grant g JOIN person p ON p.id = g.person_id "
                      "WHERE g.role = :r AND g.unit_id = :u ORDER BY p.id", r=role, u=unit_id)

    # Officers nobody reports to, with a supervisor, the county's first, then the rest of the province.
    leaves = session.execute(text(
        "SELECT a.person_id, p.badge, a.supervisor_id, s.badge FROM assignment a "
        "JOIN person p ON p.id = a.person_id JOIN person s ON s.id = a.supervisor_id "
        "JOIN department d ON d.id = a.department_id "
        "WHERE a.valid_to IS NULL AND p.active AND NOT EXISTS "
        "(SELECT 1 FROM assignment b WHERE b.supervisor_id = a.person_id AND b.valid_to IS NULL) "
        "AND NOT EXISTS (SELECT 1 FROM role_grant g WHERE g.person_id = a.person_id AND g.role <> 'officer') "
        "ORDER BY CASE WHEN d.unit_id = :u THEN 0 ELSE 1 END, a.person_id LIMIT 400"), {"u": county.id}).all()
    if not leaves:
        raise SystemExit("the province has no officer with a supervisor")
    team = [(PersonRef(pid, badge), PersonRef(sid, sbadge)) for pid, badge, sid, sbadge in leaves]
    officer, supervisor = team[0]
    last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    cast = Cast(
        month=month, now=now, province=province, city=city, county=county, department_id=department_id,
        officer=officer, supervisor=supervisor, panel=granted("panel", county.id), hr=granted("hr", province.id),
        admin=granted("admin", province.id), survey=granted("survey", province.id),
        week=last - timedelta(days=last.weekday()), team=team)
    cast.officers = one("SELECT count(*) FROM person")[0]
    cast.entries = one("SELECT count(*) FROM entry WHERE work_date >= :a AND work_date <= :b", a=month, b=last)[0]
    return cast


def ensure_rounds(app, cast: Cast) -> None:
    """HR's promotion rounds over the city and over the province (draft), made once; their lists judged (as the
    round's job does when HR makes one) if they never were."""
    from sqlalchemy import select
    from models import Person, PromotionRound, Unit
    from worklog.annual import rounds
    from worklog.extensions import db
    from worklog.jobs.queue import dispatch
    with app.app_context():
        hr = db.session.get(Person, cast.hr.id)
        jobs = []
        for attribute, unit in (("round_city", cast.city), ("round_province", cast.province)):
            name = f"bench {unit.code}"
            found = db.session.scalar(select(PromotionRound).where(PromotionRound.name == name,
                                                                   PromotionRound.unit_id == unit.id))
            if found is None:
                found = rounds.create_round(db.session.get(Unit, unit.id), name, cast.today, "competitive_promotion",
                                            hr)
                jobs.append(found.job_id)
            elif found.computed_at is None and not rounds.being_computed(found):
                jobs.append(rounds.compute_again(found, hr).id)
            setattr(cast, attribute, found.id)
        db.session.commit()
        for job_id in jobs:
            info(f"judging a round's list (job {job_id}) …")
            dispatch(job_id)


def ensure_month_computed(app, cast: Cast) -> None:
    """The county's month computed once (the panel's month page shows its results), if no close has run yet."""
    from models import Unit
    from worklog.extensions import db
    from worklog.monthly import services as monthly
    with app.app_context():
        review = monthly.month_review(cast.county.id, cast.month)
        if review is None or review.computed_at is None:
            review = monthly.open_month(db.session.get(Unit, cast.county.id), cast.month, None)
            monthly.compute(review, None)
            db.session.commit()


def put_back(url: str, cast: Cast, app=None) -> None:
    """Remove what the bench wrote after the month of work (entries saved by the figures and the load, their days,
    roll-ups and week rows) and the floors' rows, so that a reused database gives the next run the same figures.
    With the app, the weekly roll-up of leadership's view (``unit_week``) is recomputed for the weeks touched."""
    after = cast.month_last
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            last = conn.scalar(text("SELECT max(work_date) FROM day_log"))
        with engine.begin() as conn:
            for table in ("entry", "person_day_total", "day_log", "work_fact"):
                conn.execute(text(f"DELETE FROM {table} WHERE work_date > :d"), {"d": after})
            conn.execute(text("DELETE FROM week_review WHERE week_start > :d"), {"d": after})
            # Rows the bench's saves created in the month's last week: open and empty, as good as absent.
            conn.execute(text("DELETE FROM week_review WHERE week_start = :w AND status = 'open' AND entries = 0 "
                              "AND signed_by_id IS NULL"), {"w": cast.week})
            conn.execute(text(f"DELETE FROM {FLOOR_TABLE}"))
    finally:
        engine.dispose()
    if app is not None and last is not None:
        from worklog.extensions import db
        from worklog.ledgers import services as ledgers
        if isinstance(last, str):
            last = date.fromisoformat(last)
        with app.app_context():
            ledgers.refresh_weeks(None, ledgers.mondays_of(cast.week, max(last, cast.week)))
            db.session.commit()
