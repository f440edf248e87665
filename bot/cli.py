"""The ``wegwijs`` command: database, processes, environment.

    wegwijs db upgrade|downgrade [REVISION]
    wegwijs seed --demo                 load the (fictional) demo data into an empty database
                                        (development only; never onto real data)
    wegwijs clients                     list clients: id, name, locale, casemanager
    wegwijs link-code --client ID       a one-time code for a client (last line of output)
    wegwijs staff add NAME --role R     a login for the inbox or content page; staff list
    wegwijs staff disable|enable|passwd|remove NAME
    wegwijs staff roles NAME [editor] [translator:LOCALE …] [reviewer]   content roles
    wegwijs import schools FILE.csv     load the city's list of language schools
    wegwijs content status [--format json]   per locale: translated, missing, needs review
    wegwijs content check               every rule the catalogs and answers must meet (warns: facts due for review)
    wegwijs content update              carry English changes into every catalog
    wegwijs nlu candidates [--export]   examples from unanswered questions (reviewed -> nlu/<locale>/candidates.yml)
    wegwijs content new-topic benefits/NAME   scaffold an FAQ topic
    wegwijs content import              the files into the database's content store (after the check)
    wegwijs content export              the store's live content back into the files (byte-stable)
    wegwijs serve app|rasa|actions      start one process with the settings' environment
    wegwijs env                         print the environment endpoints.yml needs

``staff``, ``link-code`` and ``clients`` are recorded in the staff audit log.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from bot.i18n.content import TOPIC_FORMS
from bot.privacy import install_log_redaction
from bot.roles import ROLE_NAMES
from bot.settings import ROOT, SettingsError, get_settings

MODEL = ROOT / "models" / "wegwijs.tar.gz"
# rasa-sdk's action server knows three levels, each by a flag.
ACTION_SERVER_LOG_FLAG = {"DEBUG": "--debug", "INFO": "-v"}


def _alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return cfg


def cmd_db(args: argparse.Namespace) -> int:
    from alembic import command

    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    cfg = _alembic_config()
    if args.action == "upgrade":
        command.upgrade(cfg, args.revision or "head")
    else:
        command.downgrade(cfg, args.revision or "base")
    return 0


def database():  # type: ignore[no-untyped-def]
    """The settings' database (the CLI's composition root)."""
    from bot.db.session import Database

    return Database(get_settings().database_url)


def cmd_seed(args: argparse.Namespace) -> int:
    from bot.db.seed import RealDataError, seed

    if not args.demo:
        print("wegwijs seed loads only the fictional demo data, and only on purpose: "
              "wegwijs seed --demo (development)", file=sys.stderr)
        return 2
    if get_settings().production:
        print("WEGWIJS_ENV=production: demo data is never loaded", file=sys.stderr)
        return 2
    try:
        loaded = database().call(seed)
    except RealDataError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("demo data loaded" if loaded else "demo data already loaded: nothing to do")
    return 0


def cmd_clients(args: argparse.Namespace) -> int:
    from bot.db.clients import get_casemanager, list_clients

    with database().session() as s:
        print(f"{'id':>4}  {'name':32} {'locale':6} casemanager")
        for c in list_clients(session=s):
            cm = get_casemanager(session=s, casemanager_id=c.casemanager_id)
            cm_name = f"{cm.first_name} {cm.last_name}" if cm else "(team queue)"
            print(f"{c.id:>4}  {c.first_name + ' ' + c.last_name:32} {c.locale:6} {cm_name}")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("Password (at least 10 characters): ")


def cmd_staff(args: argparse.Namespace) -> int:
    from bot.clock import utcnow
    from bot.db.staff import create_staff, list_staff, remove_staff, set_disabled, set_password

    if args.staff_command == "list":
        with database().session() as s:
            print(f"{'id':>4}  {'username':16} {'role':12} {'casemanager':>11}  {'state':8}  "
                  "name; content roles")
            for st in list_staff(session=s):
                state = "disabled" if st.disabled_at else "active"
                roles = " ".join(st.content_roles or []) or "-"
                print(f"{st.id:>4}  {st.username:16} {st.role:12} {st.casemanager_id or '-':>11}  "
                      f"{state:8}  {st.display_name}; {roles}")
        return 0
    if args.staff_command == "roles":
        from bot.content.editing import set_content_roles

        try:
            with database().session() as s:
                staff = set_content_roles(session=s, username=args.username, roles=args.roles,
                                          actor=_cli_actor())
                print(f"staff account {staff.username}: content roles "
                      f"{' '.join(staff.content_roles) or '(none)'}")
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        return 0
    if args.staff_command in ("disable", "enable", "passwd", "remove"):
        try:
            with database().session() as s:
                if args.staff_command == "remove":
                    found = remove_staff(session=s, username=args.username)
                elif args.staff_command == "passwd":
                    found = set_password(session=s, username=args.username,
                                         password=_read_password(args)) is not None
                else:
                    found = set_disabled(session=s, username=args.username,
                                         disabled=args.staff_command == "disable",
                                         now=utcnow()) is not None
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        if not found:
            print(f"no staff account {args.username}", file=sys.stderr)
            return 2
        done = {"disable": "disabled (open sessions ended)", "enable": "enabled",
                "passwd": "has a new password (open sessions ended)", "remove": "removed"}
        print(f"staff account {args.username} {done[args.staff_command]}")
        return 0
    password = _read_password(args)
    try:
        with database().session() as s:
            staff = create_staff(
                session=s, username=args.username, password=password,
                display_name=args.name or args.username, role=args.role,
                casemanager_id=args.casemanager_id, email=args.email, locale=args.locale,
            )
            print(f"staff account {staff.username} ({staff.role}) created")
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - e.g. the username exists
        print(f"could not create the account: {exc.__class__.__name__}", file=sys.stderr)
        return 2
    return 0


def cmd_link_code(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from bot.clock import utcnow
    from bot.db.clients import create_link_code
    from bot.deeplinks import telegram_start_link

    settings = get_settings()
    ttl = timedelta(hours=settings.link_code_ttl_hours)
    try:
        code = database().call(
            create_link_code, client_id=args.client, secret=settings.secret_key, ttl=ttl,
            now=utcnow(),
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"One-time code for client {args.client}, valid {settings.link_code_ttl_hours:g} hours.")
    link = telegram_start_link(settings.telegram_bot_username, code)
    print(f"The person types it in the chat, or opens {link} in Telegram.")
    print(code)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.db.schools import ImportError_, import_schools

    try:
        n = database().call(import_schools, path=Path(args.file))
    except ImportError_ as exc:
        print(f"nothing imported; fix these rows in {args.file}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"no such file: {args.file}", file=sys.stderr)
        return 1
    print(f"{n} schools imported")
    return 0


def cmd_nlu(args: argparse.Namespace) -> int:
    """``wegwijs nlu candidates``: the candidate training examples from unanswered
    questions (id, state, locale, intent, the redacted question); ``--export`` writes the
    reviewed ones into ``nlu/<locale>/candidates.yml``."""
    from bot.content.candidates import candidates, export

    with database().session() as s:
        rows = candidates(session=s)
        for r in rows:
            print(f"{r.id:>5}  {r.state:9} {r.locale:6} {r.intent:32} {r.text}")
        reviewed = sum(r.state == "reviewed" for r in rows)
        print(f"{len(rows)} candidate(s), {reviewed} reviewed")
        if args.export:
            for path in export(session=s, root=Path(args.root) if args.root else ROOT):
                print(f"wrote {path}")
    return 0


def cmd_content(args: argparse.Namespace) -> int:
    import json

    from bot.i18n.workflow import ContentRepo, status_json, status_table

    repo = ContentRepo(Path(args.root) if args.root else ROOT)
    if args.action in ("import", "export"):
        return _content_store(args, repo)
    if args.action == "status":
        statuses = repo.status()
        if args.format == "json":
            print(json.dumps(status_json(statuses), ensure_ascii=False, indent=2))
        else:
            print(status_table(statuses))
        return 0
    if args.action == "check":
        problems = repo.check()
        for problem in problems:
            print(problem)
        due = repo.due_for_review()
        for fact in due:
            print(fact)
        print(f"{len(problems)} problem(s)" if problems else "content check passed")
        if due:
            print(f"{len(due)} fact(s) due for review (a warning: the check does not fail for these)")
        return 1 if problems else 0
    if args.action == "update":
        for locale, counts in repo.update().items():
            print(f"{locale:6} new {counts['new']}, changed (needs review) {counts['changed']}, removed {counts['removed']}")
        return 0
    if not args.topic:
        print(f"new-topic needs a topic: {TOPIC_FORMS}", file=sys.stderr)
        return 2
    try:
        todo = repo.new_topic(args.topic)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Scaffolded {args.topic}. Still to do (the topic is live only when the check passes):")
    for item in todo:
        print(f"  - {item}")
    return 0


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in this environment
        return f"cli:{os.getuid()}"


def _content_store(args: argparse.Namespace, repo) -> int:  # type: ignore[no-untyped-def]
    from bot.content.store import ImportRefused, export_files, import_files

    try:
        get_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    db = database()
    if args.action == "export":
        try:
            changed = export_files(db, repo)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        for path in changed:
            print(f"wrote {repo.rel(path)}")
        print(f"{len(changed)} file(s) changed" if changed else "the files already say what the store says")
        return 0
    try:
        report = import_files(db, repo, actor=_cli_actor())
    except ImportRefused as exc:
        print("nothing imported; the content check found:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for locale, c in report.items():
        print(f"{locale:7} added {c.added}, changed {c.changed}, removed {c.removed}, unchanged {c.unchanged}")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from bot.clock import utcnow
    from bot.db import retention

    settings = get_settings()
    periods = retention.Periods.from_settings(settings)
    counts = database().call(retention.run, now=utcnow(), periods=periods, dry_run=args.dry_run)
    print(f"retention: transcripts {periods.transcripts.days} days, technical rows "
          f"{periods.technical.days} days, attachments {periods.attachments.days} days"
          + (" (dry run: nothing deleted)" if args.dry_run else ""))
    verb = "would go" if args.dry_run else "deleted"
    for name, count in counts.items():
        print(f"  {name:18} {count:>8} {verb}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    for key, value in get_settings().rasa_environment().items():
        print(f"{key}={value}")
    return 0


def cmd_log_id(args: argparse.Namespace) -> int:
    """What the logs show for a conversation (its keyed hash), to find it in them."""
    from bot.privacy import log_id, set_log_key

    set_log_key(get_settings().secret_key)
    for conversation_id in args.conversation_id:
        print(log_id(conversation_id))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    env = dict(os.environ, **settings.rasa_environment())
    # WEGWIJS_LOG_LEVEL for all three processes (Rasa reads LOG_LEVEL; rasa-sdk a flag).
    env.setdefault("LOG_LEVEL", settings.log_level)
    bin_dir = Path(sys.executable).parent
    rasa_port = settings.rasa_url.rsplit(":", 1)[-1].split("/")[0]
    action_port = settings.action_url.rsplit(":", 1)[-1].split("/")[0]
    if args.process == "app":
        argv = [
            str(bin_dir / "uvicorn"),
            "bot.web.app:create_app",
            "--factory",
            "--host", settings.app_host,
            "--port", str(settings.app_port),
            "--no-access-log",
            "--ws", "wsproto",
            # A larger WebSocket message is refused while it arrives (socket.io checks
            # polling bodies and frames against the same size).
            "--ws-max-size", str(settings.max_socketio_bytes),
        ]
    elif args.process == "rasa":
        if not MODEL.exists():
            print(f"No model at {MODEL}: run `make train` first.", file=sys.stderr)
            return 2
        # bot.rasa_main is rasa with cached response validators (see its docstring).
        argv = [
            str(bin_dir / "python"), "-m", "bot.rasa_main", "run",
            "--enable-api", "--auth-token", settings.internal_token,
            "-i", "127.0.0.1", "-p", rasa_port,
            "-m", str(MODEL),
            "--endpoints", str(ROOT / "endpoints.yml"),
            "--credentials", str(ROOT / "credentials.yml"),
        ]
    else:
        env["SANIC_HOST"] = "127.0.0.1"
        # bot.actions_main is rasa-sdk's action server with the log filter installed.
        argv = [str(bin_dir / "python"), "-m", "bot.actions_main", "--actions", "actions",
                "-p", action_port, ACTION_SERVER_LOG_FLAG.get(settings.log_level, "--quiet")]
    os.chdir(ROOT)
    exe = argv[0] if Path(argv[0]).exists() else shutil.which(Path(argv[0]).name) or argv[0]
    os.execvpe(exe, argv, env)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wegwijs", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("db", help="migrate the database (Alembic)")
    p.add_argument("action", choices=["upgrade", "downgrade"])
    p.add_argument("revision", nargs="?")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("seed", help="load the fictional demo data into an empty database")
    p.add_argument("--demo", action="store_true",
                   help="yes, the demo data with its demo logins (development only)")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("clients", help="list clients")
    p.set_defaults(func=cmd_clients)

    p = sub.add_parser("link-code", help="create a one-time link code for a client")
    p.add_argument("--client", type=int, required=True)
    p.set_defaults(func=cmd_link_code)

    p = sub.add_parser("staff", help="staff accounts for the inbox and the content page")
    staff_sub = p.add_subparsers(dest="staff_command", required=True)
    sp = staff_sub.add_parser("add", help="create an account (password asked, or --password-stdin)")
    sp.add_argument("username")
    sp.add_argument("--name", help="first name shown to status holders")
    sp.add_argument("--role", choices=ROLE_NAMES, required=True)
    sp.add_argument("--casemanager-id", type=int, help="the casemanager record (role casemanager)")
    sp.add_argument("--email")
    sp.add_argument("--locale", choices=["nl", "en"], default="nl", help="language of the inbox")
    sp.add_argument("--password-stdin", action="store_true")
    staff_sub.add_parser("list", help="list the accounts")
    sp = staff_sub.add_parser("roles", help="what the account may do to the content: editor, "
                              "translator:<locale>, reviewer (none: read only)")
    sp.add_argument("username")
    sp.add_argument("roles", nargs="*")
    for name, text in (("disable", "no login; open sessions end at once"),
                       ("enable", "allow logins again"),
                       ("passwd", "set a new password (asked, or --password-stdin)"),
                       ("remove", "delete the account")):
        sp = staff_sub.add_parser(name, help=text)
        sp.add_argument("username")
        if name == "passwd":
            sp.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd_staff)

    p = sub.add_parser("import", help="import data from a file")
    p.add_argument("what", choices=["schools"])
    p.add_argument("file")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("content", help="the communications team's content workflow")
    p.add_argument("action", choices=["status", "check", "update", "new-topic", "import", "export"])
    p.add_argument("topic", nargs="?")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--root", help="checkout to work on (default: this one)")
    p.set_defaults(func=cmd_content)

    p = sub.add_parser("nlu", help="training data from the content editor")
    p.add_argument("action", choices=["candidates"])
    p.add_argument("--export", action="store_true",
                   help="write the reviewed candidates into nlu/<locale>/candidates.yml")
    p.add_argument("--root", help="checkout to write into (default: this one)")
    p.set_defaults(func=cmd_nlu)

    p = sub.add_parser("retention", help="delete what is older than the retention periods")
    p.add_argument("action", choices=["run"])
    p.add_argument("--dry-run", action="store_true",
                   help="only count what would be deleted (numbers, no personal data)")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("env", help="print the environment Rasa's endpoints.yml needs")
    p.set_defaults(func=cmd_env)

    p = sub.add_parser("log-id", help="what the logs show for a conversation id (webchat:…, telegram:…)")
    p.add_argument("conversation_id", nargs="+")
    p.set_defaults(func=cmd_log_id)

    p = sub.add_parser("serve", help="start one process: app, rasa or actions")
    p.add_argument("process", choices=["app", "rasa", "actions"])
    p.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    install_log_redaction()
    if args.command != "content":  # the content workflow works on files only
        try:
            get_settings()
        except SettingsError as exc:
            print(exc, file=sys.stderr)
            return 2
    status = int(args.func(args) or 0)
    if args.command in AUDITED:
        _audit(args, status)
    return status


# Commands that act on staff accounts or read or act on clients: each run is in the
# staff audit log (bot/db/audit.py), as "cli:<os user>", with its exit status.
AUDITED = ("staff", "link-code", "clients", "content")


def _audit(args: argparse.Namespace, status: int) -> None:
    import getpass

    from bot.db.audit import record

    words = [args.command]
    if args.command == "staff":
        words += [args.staff_command, getattr(args, "username", None) or ""]
    if args.command == "content":
        if args.action not in ("import", "export"):
            return  # reading or changing files only: not an act on the store
        words.append(args.action)
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        user = str(os.getuid())
    try:
        database().call(record, action="cli", actor=f"cli:{user}",
                        client_id=getattr(args, "client", None),
                        detail=f"{' '.join(w for w in words if w)} (exit {status})")
    except Exception as exc:  # noqa: BLE001 - e.g. a database that is not migrated yet
        print(f"could not write the audit log: {exc.__class__.__name__}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
