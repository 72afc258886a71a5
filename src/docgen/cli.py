"""The ``docgen`` command line.

Each command imports what it needs when it runs: ``docgen init`` needs the key code, not
FastAPI, pyHanko and docxtpl (a second of imports), and ``docgen verify`` runs offline
without the server's modules.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from typing import TYPE_CHECKING

from .catalogue import Catalogue
from .config import Settings
from .database.contract import DatabaseError
from .errors import DocgenError, Issue, ValidationFailed, VerificationError, problem_body

if TYPE_CHECKING:
    from .tlog import inclusion, note
    from .trust import TrustBundle


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _fail(exc: DocgenError) -> int:
    """Report an error as the API would (RFC 9457 fields) on stderr."""
    extensions, _ = problem_body(exc)
    body: dict[str, Any] = {"type": f"/problems/{exc.type}", "title": exc.title, "status": exc.status,
                            "detail": exc.detail, **extensions}
    print(json.dumps(body, ensure_ascii=False, indent=2), file=sys.stderr)
    return 1


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until SIGTERM or Ctrl-C, then drain the requests in flight (``http/serve.py``)."""
    import logging.config

    from .api import create_app
    from .http.serve import serve
    from .logs import log_config

    logging.config.dictConfig(log_config())  # the start-up's own lines are JSON too
    return serve(create_app(settings), args.host, args.port, settings.shutdown_grace)


def cmd_templates(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "lint":
        from .lint import lint_command

        return lint_command(settings.catalogue_dir, settings.agency, args.json)
    catalogue = Catalogue(settings.catalogue_dir)
    rows = [{"id": t.template_id, "title": t.title, "kind": t.kind, "numbered": t.numbered,
             "current_version": t.current.version,
             "versions": [{"version": v.version, "status": v.status} for v in t.versions]}
            for t in catalogue.templates.values()]
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            print(f"{row['id']:<28} {row['current_version']:>4}  {row['kind']:<7} {row['title']}")
    return 0


def cmd_example(args: argparse.Namespace, settings: Settings) -> int:
    _print_json(Catalogue(settings.catalogue_dir).get(args.template, args.version).example)
    return 0


def _read_payload(path: str) -> Any:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed([Issue("", f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")]) from exc


def cmd_render(args: argparse.Namespace, settings: Settings) -> int:
    """Render a payload without storing it (no 文书编号 is allocated): a preview or offline copy."""
    from .converters import converter_for
    from .images import place_images
    from .rendering import RenderContext, render_docx

    catalogue = Catalogue(settings.catalogue_dir, settings.calendar, settings.choices)
    release = catalogue.get(args.template, args.version)
    data = _read_payload(args.payload)
    catalogue.validator(release).validate(data)
    docx = render_docx(release.template_bytes, RenderContext(data=data, agency=settings.agency))
    docx = place_images(docx, None)  # no blob store offline: a photo prints as a line naming it
    if args.docx:
        Path(args.output).write_bytes(docx)
        return 0
    with tempfile.TemporaryDirectory(prefix="docgen-render-") as work:
        converter = converter_for(settings, Path(work), size=1)
        converter.start()
        try:
            Path(args.output).write_bytes(converter.convert(docx))
        finally:
            converter.close()
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    """Create the agency root key and certificate; refuses to replace an existing one."""
    from .pki import Authority, certificate_sha256

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    created = Authority.create(settings.data_dir / "pki", settings.agency["name"],
                               settings.master_key())
    _print_json({"installation_id": created.installation_id,
                 "root_certificate_sha256": certificate_sha256(created.root_certificate)})
    return 0


def cmd_principals_add(args: argparse.Namespace, settings: Settings) -> int:
    from .service import Service, authority

    service = Service(settings, authority(settings))
    principal, signer, token = service.principals.add(args.name, args.role)
    result = {"id": principal.id, "token": token, "certificate_sha256": signer.certificate_sha256}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{principal.id}  {args.name}  {','.join(args.role)}\n令牌（只显示这一次）：{token}")
    return 0


def cmd_trust_export(args: argparse.Namespace, settings: Settings) -> int:
    from .service import Service, authority

    bundle = Service(settings, authority(settings)).trust_bundle().to_json()
    if args.output:
        Path(args.output).write_bytes(bundle)
    else:
        sys.stdout.write(bundle.decode("utf-8") + "\n")
    return 0


def _vkey(value: str) -> note.VerifierKey:
    """A verifier key given as text or as the path of a file holding it."""
    from .tlog import note
    path = Path(value)
    return note.VerifierKey.parse(path.read_text(encoding="utf-8") if "+" not in value and path.exists() else value)


def _log_check(args: argparse.Namespace, trust: TrustBundle,
               files: list[tuple[str, bytes]]) -> inclusion.LogReport | None:
    """``--checkpoint``: each file's inclusion in the log at that checkpoint, from a copy of the tiles."""
    from .tlog import inclusion, note
    if not args.checkpoint:
        return None
    checkpoint = Path(args.checkpoint)
    location = args.log or str(checkpoint.parent)  # an export keeps its tiles beside its checkpoint
    return inclusion.check(files, checkpoint.read_bytes(), [note.VerifierKey.parse(k) for k in trust.log_keys],
                           [_vkey(k) for k in args.witness_key], inclusion.source(location))


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Offline: needs the PDFs and the trust bundle, nothing else. 0 verified, 1 failed, 2 unusable input.

    Any set of genuine stage files of one document verifies (the latest file's links vouch
    for the earlier stages); ``--complete`` also requires every stage's file and a finished
    workflow. ``--checkpoint`` adds whether each file is in the transparency log at that
    checkpoint (and, with ``--witness-key``, that those witnesses cosigned it)."""
    from .tlog import note
    from .tlog.tiles import TileError
    from .trust import TrustBundle
    from .verify import verify
    from .verify.public import is_public, verify_public
    from .verify.volume import is_volume, verify_volume

    if args.witness_key and not args.checkpoint:
        print("docgen verify: --witness-key 需要与 --checkpoint 一起使用", file=sys.stderr)
        return 2
    try:
        trust = TrustBundle.from_json(Path(args.trust).read_bytes())
        files = [(path, Path(path).read_bytes()) for path in args.files]
        logged = _log_check(args, trust, files)
        original = (args.original, Path(args.original).read_bytes()) if args.original else None
    except (OSError, VerificationError, note.NoteError, TileError) as exc:
        print(f"docgen verify: {exc}", file=sys.stderr)
        return 2
    public = [(name, data) for name, data in files if is_public(data)]  # public renditions (公示文本)
    files = [(name, data) for name, data in files if not is_public(data)]
    if original is not None and not public:
        print("docgen verify: --original 只用于公示文本：请同时给出公示文本 PDF", file=sys.stderr)
        return 2
    ok = True
    if logged is not None:  # the log's answer first (one JSON document of its own), then the signatures'
        print(json.dumps({"log": logged.to_dict()}, ensure_ascii=False, indent=2) if args.json else logged.describe())
        ok = logged.ok
    volumes = [(name, data) for name, data in files if is_volume(data)]  # archive volumes verify on their own
    files = [(name, data) for name, data in files if not is_volume(data)]
    for name, data in public:
        checked = verify_public(name, data, trust, original)
        ok = ok and checked.ok
        print(json.dumps(checked.to_dict(), ensure_ascii=False, indent=2) if args.json else checked.describe())
    for name, data in volumes:
        bound = verify_volume(name, data, trust)
        ok = ok and bound.ok
        print(json.dumps(bound.to_dict(), ensure_ascii=False, indent=2) if args.json else bound.describe())
    if not files:
        return 0 if ok else 1
    report = verify(files, trust, require_complete=args.complete)
    if args.json:
        _print_json({**report.to_dict(), "status": report.status()})
    else:
        print(report.describe())
    return 0 if report.ok and ok else 1


def cmd_witness(args: argparse.Namespace, settings: Settings) -> int:
    """0 cosigned (or nothing new), 1 refused (a fork or a shrink: loudly, on stderr), 2 unusable input."""
    from .durable import write_atomically
    from .tlog import note
    from .tlog.witness import Witness, WitnessError, WitnessRefused, http_fetch
    if args.action == "keygen":
        if not args.name:
            print("docgen witness keygen: 需要 --name", file=sys.stderr)
            return 2
        try:
            key = note.SignerKey.generate(args.name, note.COSIGNATURE_V1)
        except note.NoteError as exc:
            print(f"docgen witness keygen: {exc}", file=sys.stderr)
            return 2
        write_atomically(args.key, (key.encode() + "\n").encode(), 0o600)
        print(key.verifier().encode())
        return 0
    if not (args.log and args.state and args.log_key):
        print("docgen witness: 需要 --log、--log-key、--state 和 --key", file=sys.stderr)
        return 2
    try:
        key = note.SignerKey.parse(args.key.read_text(encoding="utf-8"))
        if key.kind != note.COSIGNATURE_V1:
            raise note.NoteError("见证方私钥应为联署类型（0x04）")
        runner = Witness(args.state, key, _vkey(args.log_key), http_fetch(args.log))
        outcome = runner.run()
    except WitnessRefused as exc:
        print(f"docgen witness: 拒绝联署！{exc}（证据已存入 {args.state / 'refused'}）", file=sys.stderr)
        return 1
    except (OSError, note.NoteError, WitnessError) as exc:
        print(f"docgen witness: {exc}", file=sys.stderr)
        return 2
    if outcome.cosigned:
        print(f"已联署大小为 {outcome.size} 的检查点（上次 {outcome.previous}）"
              + ("" if outcome.delivered else "；日志未接收联署，下次再交"))
    else:
        print(f"日志自上次联署（大小 {outcome.size}）以来没有增长")
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from .service import Service, authority
    from .tlog.audit import audit
    service = Service(settings, authority(settings))
    report = audit(service.log, service.storage)
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.describe())
    return 0 if report.ok else 1


def cmd_log_export(args: argparse.Namespace, settings: Settings) -> int:
    """The latest cosigned checkpoint (else the latest) and every tile and entry bundle it needs."""
    from .durable import write_atomically
    from .service import Service, authority
    from .tlog import note, tiles
    log = Service(settings, authority(settings)).log
    try:
        checkpoint = log.checkpoint(cosigned=True)
    except DocgenError:
        checkpoint = log.checkpoint()
    size = note.Checkpoint.parse_text(note.Note.parse(checkpoint).text).size
    for path in tiles.paths_for(size):
        write_atomically(args.directory / str(path), log.tile(path))
    write_atomically(args.directory / "checkpoint", checkpoint.encode("utf-8"))
    print(json.dumps({"directory": str(args.directory), "size": size, "vkey": log.vkey.encode()}, ensure_ascii=False))
    return 0


def cmd_log_publish(args: argparse.Namespace, settings: Settings) -> int:
    from .service import Service, authority
    log = Service(settings, authority(settings)).log
    signed = log.publish()
    sys.stdout.write(signed if signed else log.checkpoint())
    return 0


def cmd_statistics(args: argparse.Namespace, settings: Settings) -> int:
    """The year's 行政执法统计年报 from the signed record: JSON, XLSX or PDF/A by the output's suffix."""
    from .converters import converter_for
    from .service import Service, authority
    from .statistics.annual import annual

    suffix = Path(args.output).suffix.lower()
    if suffix not in (".json", ".xlsx", ".pdf"):
        print("docgen statistics: -o 的扩展名应为 .json、.xlsx 或 .pdf", file=sys.stderr)
        return 2
    result = annual(Service(settings, authority(settings)), args.year, args.department)
    if suffix == ".json":
        data = (json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    elif suffix == ".xlsx":
        from .statistics.workbook import workbook
        data = workbook(result)
    else:
        from .statistics.report import report_docx
        docx = report_docx(result, settings.agency["name"])
        with tempfile.TemporaryDirectory(prefix="docgen-statistics-") as work:
            converter = converter_for(settings, Path(work), size=1)
            converter.start()
            try:
                data = converter.convert(docx)
            finally:
                converter.close()
    Path(args.output).write_bytes(data)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the schema migrations the database lacks (forward only); safe while servers run."""
    from .storage import connect, migrate
    db = connect(settings.store.database_url, upgrade=False)
    try:
        done = migrate(db)
    finally:
        db.close()
    print(f"数据库架构：第 {done.before} 版 → 第 {done.after} 版" if done.after != done.before
          else f"数据库架构已是第 {done.after} 版，无需迁移")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Every record and blob of this installation into a new directory (stop the servers first)."""
    from . import transfer
    from .service import Service, authority
    service = Service(settings, authority(settings))
    moved = transfer.export(service.storage, Path(args.directory))
    _print_json({"rows": moved.rows, "blobs": moved.blobs})
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Load an export into this (empty) installation's database, then re-verify every chain."""
    from . import transfer
    from .service import Service, authority
    service = Service(settings, authority(settings))
    from .recheck import recheck

    moved = transfer.import_(service.storage, Path(args.directory))
    checked = recheck(service.storage, service.trust_bundle())  # the same check as after a restore
    _print_json({"rows": moved.rows, "blobs": moved.blobs, "verified_documents": checked.documents,
                 "verified_volumes": checked.volumes, "failures": list(checked.failures)})
    return 0 if checked.ok else 1


def _sqlite_installation(settings: Settings) -> tuple[Path, Path, Path]:
    """Data directory, SQLite database and blob directory: what ``backup`` and ``restore`` copy
    (a PostgreSQL installation is backed up with pg_dump, docs/deployment.md)."""
    store = settings.store
    if store.sqlite_path is None:
        raise ValidationFailed([Issue("/DOCGEN_DATABASE_URL", "backup/restore 只用于 SQLite 安装；PostgreSQL 用 pg_dump/pg_restore"
                                      "，共享的文件目录另行备份（见 docs/deployment.md）")])
    return settings.data_dir, store.sqlite_path, store.blob_dir


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy of the SQLite installation, also while the server runs (``backup.py``)."""
    from .backup import backup

    manifest = backup(*_sqlite_installation(settings), Path(args.destination).resolve())
    size = sum(entry.size for entry in manifest.files.values())
    _print_json({"backup": str(Path(args.destination).resolve()), "files": len(manifest.files), "bytes": size,
                 "database": manifest.database, "master_key_included": manifest.master_key})
    if not manifest.master_key:
        print("注意：主密钥来自 DOCGEN_MASTER_KEY，不在备份中；恢复时需要同一个主密钥，请另行妥善保管",
              file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Put a backup back (refusing a non-empty data directory unless ``--force``, and any data
    directory a server holds), then verify every document chain and volume again."""
    from .restore import restore

    manifest = restore(Path(args.source).resolve(), *_sqlite_installation(settings), force=args.force)
    checked = _recheck(settings)
    _print_json({"restored": str(settings.data_dir), "backup_created_at": manifest.created_at,
                 "files": len(manifest.files), "verification": checked.to_dict()})
    return 0 if checked.ok else 1


def cmd_recheck(args: argparse.Namespace, settings: Settings) -> int:
    """Verify every document chain and volume the installation holds (as ``restore`` does after
    copying): after a PostgreSQL restore, a move, or to audit. Reads only."""
    checked = _recheck(settings)
    _print_json(checked.to_dict())
    return 0 if checked.ok else 1


def _recheck(settings: Settings) -> Any:
    """Every chain and volume of the installation, verified with its own trust bundle (``recheck.py``)."""
    from .service import Service, authority
    from .recheck import recheck

    service = Service(settings, authority(settings))
    return recheck(service.storage, service.trust_bundle())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="docgen", description="执法文书生成服务")
    root.add_argument("--data-dir", type=Path, help="数据目录（默认 $DOCGEN_DATA_DIR 或 ./var）")
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="启动 HTTP 服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    serve.set_defaults(run=cmd_serve)

    templates = sub.add_parser("templates", help="列出模板；templates lint 检查全部已发布版本")
    templates.add_argument("action", nargs="?", choices=["lint"], help="lint：检查模板（退出码 0 表示没有错误）")
    templates.add_argument("--json", action="store_true")
    templates.set_defaults(run=cmd_templates)

    example = sub.add_parser("example", help="打印模板的示例数据")
    example.add_argument("template")
    example.add_argument("--version")
    example.set_defaults(run=cmd_example)

    render = sub.add_parser("render", help="校验数据并生成 PDF（或 DOCX），不存档")
    render.add_argument("template")
    render.add_argument("payload", help="JSON 数据文件，- 表示标准输入")
    render.add_argument("-o", "--output", required=True)
    render.add_argument("--version")
    render.add_argument("--docx", action="store_true", help="输出 DOCX 而非 PDF")
    render.set_defaults(run=cmd_render)

    init = sub.add_parser("init", help="创建本机关的根密钥与根证书")
    init.set_defaults(run=cmd_init)

    principals = sub.add_parser("principals", help="管理调用方与签名人").add_subparsers(dest="action", required=True)
    add = principals.add_parser("add", help="新增主体：令牌与签名证书")
    add.add_argument("--name", required=True)
    add.add_argument("--role", action="append", required=True, help="角色，可重复")
    add.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=cmd_principals_add)

    trust = sub.add_parser("trust", help="信任包").add_subparsers(dest="action", required=True)
    export = trust.add_parser("export", help="导出信任包（根证书、全部签名证书、审批流程）")
    export.add_argument("-o", "--output")
    export.set_defaults(run=cmd_trust_export)

    save = sub.add_parser("backup", help="备份 SQLite 安装（服务运行时也可以）：数据库、文件存储、密钥与清单")
    save.add_argument("destination", help="备份目录（不存在或为空）")
    save.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    save.set_defaults(run=cmd_backup)

    back = sub.add_parser("restore", help="从备份恢复到数据目录，并重新验证每份文书的签名链")
    back.add_argument("source", help="docgen backup 写出的备份目录")
    back.add_argument("--force", action="store_true",
                      help="数据目录不为空时也恢复：现有内容移到 replaced-<时间> 目录（不删除）")
    back.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    back.set_defaults(run=cmd_restore)

    audit = sub.add_parser("recheck", help="重新验证本安装中每份文书的签名链与每个案卷（只读）")
    audit.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    audit.set_defaults(run=cmd_recheck)

    check = sub.add_parser("verify", help="离线验证环节 PDF 的签名链")
    check.add_argument("files", nargs="+")
    check.add_argument("--trust", required=True, help="信任包 JSON")
    check.add_argument("--complete", action="store_true",
                       help="同时检查完整性：每个环节都提供了文件，且审批流程已完成")
    check.add_argument("--original", help="公示文本的原件（送达当事人的决定书 PDF）：证明公示文本由它而来，只有清单列明之处不同")
    check.add_argument("--json", action="store_true")
    check.add_argument("--checkpoint", help="透明日志检查点（最好是经见证方联署的）：同时验证每个文件都在日志中")
    check.add_argument("--log", help="日志瓦片的副本：目录（docgen log export）或 URL（…/log）；缺省为检查点所在目录")
    check.add_argument("--witness-key", action="append", default=[],
                       help="要求该见证方联署检查点（验证公钥或其文件），可重复")
    check.set_defaults(run=cmd_verify)

    witness = sub.add_parser("witness", help="见证方：联署日志的检查点，拒绝分叉或缩短的历史")
    witness.add_argument("action", nargs="?", choices=["run", "keygen"], default="run",
                         help="run（缺省）：联署一次；keygen：生成见证方私钥")
    witness.add_argument("--log", help="日志服务的地址，如 https://docgen.example")
    witness.add_argument("--log-key", help="日志检查点公钥（验证公钥或其文件，见 GET /v1/log 或信任包 log_keys）")
    witness.add_argument("--state", type=Path, help="见证状态目录（只用于这一个日志）")
    witness.add_argument("--key", type=Path, required=True, help="见证方私钥文件（keygen 时写入）")
    witness.add_argument("--name", help="keygen：见证方名称，如 sfj.zhuzhou.example/witness")
    witness.set_defaults(run=cmd_witness)

    check_log = sub.add_parser("audit", help="审计透明日志与存储：双向核对，有任何不一致即退出码 1")
    check_log.add_argument("--json", action="store_true")
    check_log.set_defaults(run=cmd_audit)

    log = sub.add_parser("log", help="透明日志").add_subparsers(dest="action", required=True)
    export_log = log.add_parser("export", help="导出检查点与瓦片，供档案离线验证")
    export_log.add_argument("directory", type=Path)
    export_log.set_defaults(run=cmd_log_export)
    publish = log.add_parser("publish", help="立即签署检查点（服务运行时会定期签署）")
    publish.set_defaults(run=cmd_log_publish)

    statistics = sub.add_parser("statistics", help="行政执法统计年报：JSON、XLSX 或 PDF/A（按 -o 的扩展名）")
    statistics.add_argument("--year", required=True, help="年度，四位数字，不晚于本年")
    statistics.add_argument("--department", help="只统计该承办部门")
    statistics.add_argument("-o", "--output", required=True, help="report.json、report.xlsx 或 report.pdf")
    statistics.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    statistics.set_defaults(run=cmd_statistics)
    sub.add_parser("migrate", help="迁移数据库架构到当前版本（只进不退）").set_defaults(run=cmd_migrate)
    dump = sub.add_parser("export", help="把全部记录与文件导出到一个新目录（先停止服务）")
    dump.add_argument("directory")
    dump.set_defaults(run=cmd_export)
    load = sub.add_parser("import", help="把导出载入空数据库（DOCGEN_DATABASE_URL），再逐一验证签名链")
    load.add_argument("directory")
    load.set_defaults(run=cmd_import)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env(args.data_dir)
    try:
        return args.run(args, settings)
    except DocgenError as exc:
        return _fail(exc)
    except DatabaseError as exc:  # unreachable server, missing database, refused login
        print(f"docgen: 数据库不可用（DOCGEN_DATABASE_URL）：{str(exc).strip()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
