"""Which files `mlgate validate` checks, against which schema, read as which format.

No pandas here: pre-commit calls `mlgate validate` with every staged file, and when none of
them matches a configured glob the hook must finish without importing the data stack.

DVC: a `.dvc` pointer or `dvc.lock` among the paths stands for the outputs it records.
They are read with PyYAML, not with DVC, so the hook's environment needs no DVC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlgate.config import Config, DataEntry, is_import_path
from mlgate.core import yamlio
from mlgate.core.errors import InputError
from mlgate.core.outbound import redact
from mlgate.core.paths import confined
from mlgate.data import dataformats, dvcfiles


@dataclass(frozen=True)
class Target:
    """One data file to validate."""

    path: Path  # absolute
    display: str  # as shown to the user and in annotations: relative to the working directory
    schema: str  # a schema file path (absolute) or `package.module:Name`
    schema_root: Path  # where `package.module` imports from
    data_format: str
    uri: str | None = None  # a data lake URI (only Spark reads it); `path` is then the root


class NotPulled(InputError):
    """Data that DVC tracks but the workspace lacks: the file is reported, the others run."""


@dataclass(frozen=True)
class Unavailable:
    """A data file that cannot be validated here (tracked by DVC, not pulled)."""

    path: str
    schema: str
    error: str


@dataclass(frozen=True)
class Plan:
    targets: tuple[Target, ...]
    skipped: tuple[str, ...]  # paths given that match no configured glob
    unavailable: tuple[Unavailable, ...] = ()


def data_format(path: Path, override: str | None) -> str:
    names = dataformats.NAMES
    if override is not None:
        if override not in names:
            raise InputError(f"unknown data format {override!r}; expected {', '.join(names)}")
        return override
    found = dataformats.from_suffix(path)
    if found is not None:
        return found.name
    raise InputError(
        f"{display_path(path)}: cannot tell the data format from the extension; "
        f"name it {dataformats.SUFFIX_HINT}, or set `format:` ({', '.join(names)})"
    )


def has_data_suffix(path: Path) -> bool:
    return dataformats.from_suffix(path) is not None


def display_path(path: Path, root: Path | None = None) -> str:
    """How a path is shown and stored: relative to the repository (mlgate.core.paths)."""
    from mlgate.core.paths import repo_relative

    return repo_relative(path, root)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob as `Path.glob` reads it: `*` stays in one folder, `**/` spans folders."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def is_dvc_file(path: Path) -> bool:
    return path.name == dvcfiles.DVC_LOCK or path.suffix == ".dvc"


def dvc_outputs(pointer: Path) -> list[Path]:
    """The outputs a `.dvc` file or `dvc.lock` records, as absolute paths."""
    return dvcfiles.recorded_outputs(pointer, display_path(pointer))


def plan_from_config(config: Config, paths: tuple[Path, ...], *, folders: bool = False) -> Plan:
    """With no paths, every configured glob; with paths, those that match one (the rest skip).
    `folders`: a folder a glob matches is one dataset (Spark reads its part files), not
    nothing."""
    root = config.root.resolve()
    if not config.data:
        raise InputError(f"{config.path}: no `data:` entries, so there is nothing to validate")
    unavailable: list[Unavailable] = []
    if not paths:
        expanded = _expand_entries(config, root, unavailable, folders=folders)
        return Plan(tuple(expanded), (), tuple(unavailable))
    targets: dict[Path, Target] = {}
    skipped = []
    for given in paths:
        if is_dvc_file(given) and given.is_file():
            for out in dvc_outputs(given):
                try:
                    for target in _match_output(config, root, out):
                        targets.setdefault(target.path, target)
                except NotPulled as exc:
                    entry = _matching_entry(config, root, out)
                    unavailable.append(_unavailable(out, entry.schema if entry else "", exc))
            continue
        matched = _matching_entry(config, root, given.resolve())
        if matched is None:
            linked = _matching_entry(config, config.root.absolute(), given.absolute())
            if linked is not None:  # a link inside the folder to a file outside it
                confined(given, root, _where(config, linked))
            skipped.append(str(given))
            continue
        try:
            require_present(given.resolve(), given)
        except NotPulled as exc:
            unavailable.append(_unavailable(given, matched.schema, exc))
            continue
        targets.setdefault(given.resolve(), _target(given.resolve(), matched, config, root))
    return Plan(tuple(targets.values()), tuple(skipped), tuple(unavailable))


def _unavailable(path: Path, schema: str, exc: NotPulled) -> Unavailable:
    return Unavailable(display_path(path), schema, str(exc))


def plan_ad_hoc(schema: str, paths: tuple[Path, ...], override: str | None) -> Plan:
    """`--schema SCHEMA PATH...`: every path against one schema, no config needed."""
    if not paths:
        raise InputError("--schema needs at least one data PATH")
    cwd = Path.cwd().resolve()
    schema_ref = schema if is_import_path(schema) else str((cwd / schema).resolve())
    targets: dict[Path, Target] = {}
    unavailable: list[Unavailable] = []
    for given in paths:
        files = [given.resolve()]
        if is_dvc_file(given) and given.is_file():
            files = [out for out in dvc_outputs(given) if has_data_suffix(out) or out.is_dir()]
            files = [f for out in files for f in (_files_under(out) if out.is_dir() else [out])]
        for path in files:
            try:
                require_present(path, given)
            except NotPulled as exc:
                unavailable.append(_unavailable(path, schema, exc))
                continue
            targets.setdefault(
                path,
                Target(path, display_path(path), schema_ref, cwd, data_format(path, override)),
            )
    return Plan(tuple(targets.values()), (), tuple(unavailable))


def _expand_entries(
    config: Config, root: Path, unavailable: list[Unavailable], *, folders: bool = False
) -> list[Target]:
    targets: dict[Path, Target] = {}
    for entry in config.data:
        for pattern in entry.paths:
            where = _where(config, entry)
            found = sorted(
                confined(path, root, where)
                for path in root.glob(pattern)
                if path.is_file() or (folders and path.is_dir())
            )
            # what DVC tracks but the workspace lacks is reported, even beside files found
            absent = [t for t in _dvc_tracked(root, pattern) if not (root / t).exists()]
            for tracked in absent:
                if all(u.path != tracked for u in unavailable):
                    error = str(_not_pulled(tracked, config, entry))
                    unavailable.append(Unavailable(tracked, entry.schema, error))
            if not found and not absent:
                raise InputError(
                    f"{config.path}:{entry.line}: data path {yamlio.excerpt(pattern)} matches "
                    "no file (a pipeline output not produced yet? run `dvc repro`)"
                )
            for path in found:
                targets.setdefault(path, _target(path, entry, config, root))
    return list(targets.values()) + [
        _uri_target(uri, entry, root) for entry in config.data for uri in entry.uris
    ]


def _uri_target(uri: str, entry: DataEntry, root: Path) -> Target:
    return Target(root, redact(uri), _schema_ref(entry, root), root, entry.format or "", uri=uri)


def require_data_inside(config: Config) -> None:
    """Every file the data globs match resolves inside the config's folder (a link that leads
    out of it would have mlgate read, and report values of, a file outside the repository)."""
    root = config.root.resolve()
    for entry in config.data:
        for pattern in entry.paths:
            for path in root.glob(pattern):
                confined(path, root, _where(config, entry))


def require_schemas_exist(config: Config) -> None:
    """Every `schema:` names a file, or a module file under the config's folder, that exists.

    Nothing is imported: `config check` runs on every commit and must stay light, and
    importing a package would run its code. A module not under the folder may be installed;
    only its top-level package is looked up, which imports nothing."""
    root = config.root.resolve()
    for entry in config.data:
        where = f"{config.path}:{entry.schema_line}"
        if is_import_path(entry.schema):
            module = entry.schema.partition(":")[0]
            if not _module_file(root, module) and not _installed(module.split(".")[0]):
                raise InputError(
                    f"{where}: schema {yamlio.excerpt(entry.schema)}: no module "
                    f"{yamlio.excerpt(module)} under {display_path(root)} (looked for "
                    f"{module.replace('.', '/')}.py) nor installed"
                )
        elif not (root / entry.schema).is_file():
            raise InputError(
                f"{where}: schema file {yamlio.excerpt(entry.schema)} not found (schema "
                "paths are relative to the folder that holds the config)"
            )


def _module_file(root: Path, module: str) -> bool:
    base = root.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _installed(package: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(package) is not None  # top level: imports nothing
    except (ImportError, ValueError):
        return False


def _where(config: Config, entry: DataEntry) -> str:
    """The config's file, line and key of a data entry, for an error about a file it matched."""
    return f"{config.path}:{entry.line}: data[{config.data.index(entry)}].path"


def _target(path: Path, entry: DataEntry, config: Config, root: Path) -> Target:
    # a folder's format comes from its part files (Spark's reader tells), unless named
    shape = (entry.format or "") if path.is_dir() else data_format(path, entry.format)
    return Target(path, display_path(path, root), _schema_ref(entry, root), root, shape)


def _schema_ref(entry: DataEntry, root: Path) -> str:
    return entry.schema if is_import_path(entry.schema) else str(root / entry.schema)


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def _matching_entry(config: Config, root: Path, path: Path) -> DataEntry | None:
    relative = _relative(path, root)
    if relative is None:
        return None
    for entry in config.data:
        if any(glob_regex(pattern).match(relative) for pattern in entry.paths):
            return entry
    return None


def _match_output(config: Config, root: Path, out: Path) -> list[Target]:
    """The configured data files an output stands for: itself, or files under a folder output."""
    relative = _relative(out, root)
    if relative is None:
        return []
    if out.is_dir():
        files = _files_under(out)
        return [
            _target(f, entry, config, root)
            for f in files
            if (entry := _matching_entry(config, root, f)) is not None
        ]
    entry = _matching_entry(config, root, out)
    if entry is None:
        prefixes = [p for e in config.data for p in e.paths if _could_be_under(p, relative)]
        if prefixes and not out.exists():
            raise NotPulled(
                f"{display_path(out)}: tracked by DVC but not in the workspace; "
                "run `dvc pull` (or `dvc repro`) first"
            )
        return []
    if not out.exists():
        raise _not_pulled(relative, config, entry)
    return [_target(out, entry, config, root)]


def _could_be_under(pattern: str, folder: str) -> bool:
    """Whether files inside the output folder `folder` could match `pattern`."""
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    folder = folder.rstrip("/") + "/"
    return literal.startswith(folder) or ("**" in pattern and folder.startswith(literal))


def _files_under(folder: Path) -> list[Path]:
    return sorted(p.resolve() for p in folder.rglob("*") if p.is_file() and has_data_suffix(p))


def _dvc_tracked(root: Path, pattern: str) -> list[str]:
    """The outputs of `.dvc` pointers and `dvc.lock` that `pattern` would match (or could
    match files under), relative to `root`."""
    regex = glob_regex(pattern)
    pointers = [p for p in root.glob(pattern + ".dvc") if p.is_file()]
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    folder = Path(literal).parent if not literal.endswith("/") else Path(literal)
    for ancestor in [folder, *folder.parents]:
        if ancestor.name:
            pointer = root / ancestor.parent / f"{ancestor.name}.dvc"
            if pointer.is_file():
                pointers.append(pointer)
    if (root / dvcfiles.DVC_LOCK).is_file():
        pointers.append(root / dvcfiles.DVC_LOCK)
    tracked: list[str] = []
    for pointer in pointers:
        try:
            outs = dvc_outputs(pointer)
        except InputError:
            continue
        for out in outs:
            relative = _relative(out, root)
            if relative is not None and (
                regex.match(relative) or _could_be_under(pattern, relative)
            ):
                tracked.append(relative)
    return tracked


def require_present(path: Path, given: Path) -> None:
    """Nothing when `path` is a file; else why not, with `dvc pull` where DVC tracks it."""
    if path.is_file():
        return
    if path.exists():
        raise InputError(f"{display_path(path)}: not a file")
    if is_dvc_file(given) or _tracked_by_dvc(path):
        raise NotPulled(
            f"{display_path(path)}: tracked by DVC but not in the workspace; "
            "run `dvc pull` (or `dvc repro`) first"
        )
    raise InputError(f"{display_path(path)}: no such file")


def _tracked_by_dvc(path: Path) -> bool:
    """Whether a `.dvc` pointer or a `dvc.lock` of the DVC project around `path` records it
    (itself, or a folder that holds it)."""
    project = next((p for p in path.parents if (p / ".dvc").is_dir()), None)
    if project is None:
        return path.with_name(path.name + ".dvc").is_file()
    relative = path.relative_to(project).as_posix()
    return bool(_dvc_tracked(project, _glob_escape(relative)))


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _not_pulled(relative: str, config: Config, entry: DataEntry) -> NotPulled:
    return NotPulled(
        f"{relative}: tracked by DVC but not in the workspace (data entry at "
        f"{config.path}:{entry.line}); run `dvc pull` (or `dvc repro`) first"
    )
