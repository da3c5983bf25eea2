"""A study as it was at a commit: its study file, codebook, transcripts and annotation files, read from git objects.

Nothing is checked out and nothing is written: the files are read from the
commit in memory. Transcript texts are never read (only which files the
study file's patterns name, from the commit's list of files). Links and
submodules in the commit are left out, so nothing read points outside the
study. Each annotation file version (blob) is read and parsed once, however
many commits hold it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from purer_tui.core.annotation_parsing import MAX_ANNOTATION_BYTES, parse_annotations
from purer_tui.core.annotation_paths import UNPLACED_SUFFIX, split_annotation_name
from purer_tui.core.codebook import Codebook, build_codebook
from purer_tui.core.coded_units import CodedUnits, SettledCodes, settled_codes, units_from
from purer_tui.core.consensus import (
    CONSENSUS_FILE,
    MAX_CONSENSUS_FILE_BYTES,
    consensus_among,
    parse_consensus_sources,
)
from purer_tui.core.errors import InvalidFileError, Problem, PurerError
from purer_tui.core.study import Study, build_study, find_study_file, transcripts_among
from purer_tui.core.study_coders import known_agreement_coders, require_coders
from purer_tui.core.toml_files import MAX_TOML_BYTES, parse_toml
from purer_tui.gitwork.repository import (
    Commit,
    iter_blobs,
    literal,
    read_blobs,
    resolve_commit,
    tree_files,
    work_tree_of,
)


@dataclass
class StudyRevision:
    """The study at one commit. Paths are where the files would be in the work tree (never read from there)."""

    commit: Commit
    study: Study
    codebook: Codebook
    transcripts: list[Path]  # the files the study file's patterns named at the commit, in natural order
    annotations: dict[Path, dict[str, str]]  # transcript -> coder -> blob id of the annotation file
    consensus_blob: str | None  # the consensus file's blob, if the commit has one
    codebook_name: str = ""  # the codebook's path in the study folder (with /)

    @property
    def root(self) -> Path:
        return self.study.root


class StudyHistory:
    """Reads one study at any of its repository's commits, caching what each file version parses to."""

    def __init__(self, start: Path) -> None:
        self.study_file = find_study_file(start)
        top = work_tree_of(self.study_file.parent)
        if top is None:
            raise PurerError(
                f"{self.study_file.parent} is not in a git repository; --at and --history read the study's "
                "commits (run `purer-tui git init` or `git init` there, and commit)"
            )
        self.top = top
        self.root = self.study_file.parent
        self._prefix = self.root.absolute().relative_to(top.absolute()).as_posix()
        self._prefix = "" if self._prefix == "." else self._prefix + "/"
        self._settled: dict[str, SettledCodes | InvalidFileError] = {}  # blob id -> its settled codes
        self._toml: dict[tuple[str, ...], object] = {}  # (kind, blob id, ...) -> parsed, or the error

    @property
    def study_path(self) -> str:
        """The study file's path in the repository (as git names it)."""
        return self._prefix + self.study_file.name

    @property
    def folder(self) -> str:
        """The study folder's path in the repository, "" at the top."""
        return self._prefix.rstrip("/")

    def in_repository(self, name: str) -> str:
        """A path in the study folder (with /) as a path in the repository."""
        return self._prefix + name

    def resolve(self, revision: str) -> Commit:
        return resolve_commit(self.top, revision)

    def files(self, commit: Commit) -> dict[str, str]:
        """The study folder's regular files at `commit`: path in the study folder (with /) -> blob id."""
        listed = tree_files(self.top, commit.sha, [literal(self.folder)] if self.folder else [])
        return {path[len(self._prefix) :]: blob for path, blob in listed.items() if path.startswith(self._prefix)}

    def fingerprint(self, files: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """What agreement reads of a commit's files, by version: the study file, TOML files (the codebook,
        the consensus file) and annotation files. Two commits with one fingerprint agree alike."""
        return tuple(
            sorted(
                (name, blob)
                for name, blob in files.items()
                if name == self.study_file.name
                or name.endswith(".toml")
                or (not name.endswith(UNPLACED_SUFFIX) and split_annotation_name(name.rpartition("/")[2]) is not None)
            )
        )

    def at(self, commit: Commit, files: Mapping[str, str] | None = None) -> StudyRevision:
        """The study at `commit`; a one-line error when its study file or codebook is missing or invalid there."""
        files = self.files(commit) if files is None else files
        name = self.study_file.name
        if name not in files:
            raise PurerError(
                f"no {name} in {self._where()} at commit {commit.short} ({commit.day}); "
                "the study was added later, or moved: name a later commit"
            )
        study = self._parse(commit, ("study", files[name]), lambda data: self._study(data), MAX_TOML_BYTES)
        assert isinstance(study, Study)
        codebook_name = PurePosixPath(study.settings.codebook.replace("\\", "/")).as_posix()
        if codebook_name not in files:
            raise PurerError(
                f"{self.study_path}@{commit.short}: study.codebook: no file {codebook_name} at that commit "
                "(or it is a link); name a commit that has the codebook"
            )
        codebook = self._parse(
            commit,
            ("codebook", files[codebook_name], files[name]),
            lambda data: self._codebook(data, study, codebook_name),
            MAX_TOML_BYTES,
        )
        assert isinstance(codebook, Codebook)
        transcripts = transcripts_among(self.root, study.settings.transcripts, files)
        return StudyRevision(
            commit=commit,
            study=study,
            codebook=codebook,
            transcripts=transcripts,
            annotations=self._annotation_index(files, transcripts),
            consensus_blob=files.get(CONSENSUS_FILE),
            codebook_name=codebook_name,
        )

    def coders_of(self, revision: StudyRevision, transcripts: Sequence[Path]) -> list[str]:
        """Every coder with an annotation file of one of these transcripts at the commit, sorted."""
        return sorted({coder for path in transcripts for coder in revision.annotations.get(path, {})})

    def agreement_coders(
        self, revision: StudyRevision, transcripts: Sequence[Path], requested: Sequence[str] | None
    ) -> list[str]:
        """`agreement_coders` at the commit: the coders named (each with files there), else every coder of these
        transcripts but a consensus (as the commit's consensus file records it)."""
        if requested:
            require_coders(requested, self.coders_of(revision, revision.transcripts))
            return list(requested)
        known = self.coders_of(revision, transcripts)
        recorded: dict[str, tuple[str, ...]] = {}
        if revision.consensus_blob is not None:
            parsed = self._parse(
                revision.commit,
                ("consensus", revision.consensus_blob),
                lambda data: parse_consensus_sources(data, self.root / CONSENSUS_FILE),
                MAX_CONSENSUS_FILE_BYTES,
            )
            assert isinstance(parsed, dict)
            recorded = parsed
        return known_agreement_coders(known, consensus_among(recorded, known))

    def units(self, revision: StudyRevision, transcripts: Sequence[Path], coders: Sequence[str]) -> CodedUnits:
        """The settled units of these coders' files at the commit (`collect_units`, from git objects)."""
        wanted = [
            (path, coder, revision.annotations[path][coder])
            for path in transcripts
            for coder in coders
            if coder in revision.annotations.get(path, {})
        ]
        missing = [blob for _, _, blob in wanted if blob not in self._settled]
        if missing:
            paths = {blob: self._annotation_path(path, coder) for path, coder, blob in wanted}
            for blob, data in iter_blobs(self.top, missing, MAX_ANNOTATION_BYTES):  # each parsed, then let go
                try:
                    self._settled[blob] = self._read_settled(revision.commit, paths[blob], data)
                except InvalidFileError as error:
                    self._settled[blob] = error

        def settled() -> Iterator[tuple[Path, str, SettledCodes]]:
            for path, coder, blob in wanted:
                codes = self._settled[blob]
                if isinstance(codes, InvalidFileError):
                    raise codes
                yield path, coder, codes

        return units_from(settled())

    # --- reading and parsing, each file version once

    def _where(self) -> str:
        return self.folder or "the repository's top folder"

    def _study(self, data: bytes) -> Study:
        problems: list[Problem] = []
        study = build_study(parse_toml(data, self.study_file, "study file"), problems)
        if study is None:
            raise InvalidFileError(problems)
        return study

    def _codebook(self, data: bytes, study: Study, name: str) -> Codebook:
        problems: list[Problem] = []
        codebook = build_codebook(parse_toml(data, self.root / name, "codebook"), problems, study.keymap)
        errors = [problem for problem in problems if problem.is_error]
        if errors or codebook is None:
            raise InvalidFileError(errors or problems)
        return codebook

    def _parse(self, commit: Commit, key: tuple[str, ...], parse: Callable[[bytes], object], limit: int) -> object:
        """A TOML file of the study at a commit, parsed once per version; errors name the file and the commit."""
        if key not in self._toml:
            data = read_blobs(self.top, [key[1]], limit)[key[1]]
            try:
                if data is None:
                    raise PurerError(f"is larger than {limit // 1024} KiB at that commit; this is not a study's file")
                self._toml[key] = parse(data)
            except InvalidFileError as error:
                self._toml[key] = _at_commit(error, commit)
            except PurerError as error:
                self._toml[key] = PurerError(f"{key[0]} file at commit {commit.short}: {error.message}")
        parsed = self._toml[key]
        if isinstance(parsed, PurerError):
            raise parsed
        return parsed

    def _annotation_index(self, files: Mapping[str, str], transcripts: Sequence[Path]) -> dict[Path, dict[str, str]]:
        """Each transcript's annotation files at the commit, as `AnnotationFinder` finds them on disk."""
        by_place: dict[tuple[str, str], dict[str, str]] = {}
        for name, blob in files.items():
            folder, _, base = name.rpartition("/")
            split = split_annotation_name(base)
            if split is not None:
                by_place.setdefault((folder, split[0]), {})[split[1]] = blob
        index = {}
        for path in transcripts:
            relative = path.relative_to(self.root)
            folder = relative.parent.as_posix()
            found = by_place.get(("" if folder == "." else folder, path.stem))
            if found:
                index[path] = dict(sorted(found.items()))
        return index

    def _annotation_path(self, transcript: Path, coder: str) -> Path:
        return transcript.with_name(f"{transcript.stem}.{coder}.jsonl")

    def _read_settled(self, commit: Commit, path: Path, data: bytes | None) -> SettledCodes:
        where = Path(f"{path}@{commit.short}")
        if data is None:
            raise InvalidFileError(
                [Problem(where, None, f"is larger than {MAX_ANNOTATION_BYTES // 2**20} MiB; this is no coding")]
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InvalidFileError(
                [Problem(where, line, "not valid UTF-8; annotation files are UTF-8 JSON Lines")]
            ) from None
        parsed = parse_annotations(text, where)
        if parsed.errors:
            raise InvalidFileError(parsed.errors)
        return settled_codes(parsed.records)


def _at_commit(error: InvalidFileError, commit: Commit) -> InvalidFileError:
    """The same problems, each naming the file as `path@commit`."""
    return InvalidFileError(
        [
            Problem(Path(f"{problem.path}@{commit.short}"), problem.line, problem.message, problem.severity)
            for problem in error.problems
        ]
    )
