"""Config files: digestformat.toml and [tool.digestformat], found upward from the input."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from digestformat._config import (
    EMPTY,
    Config,
    _quote,
    _split_position,
    find_config,
    is_kind_name,
    load_config,
)
from digestformat.errors import DigestError

BUILTIN = ("introduction", "method")
ALLOWED = "the allowed keys are 'kinds' and 'headings'"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> DigestError:
    with pytest.raises(DigestError) as info:
        load_config(path, BUILTIN)
    return info.value


def check(exc: DigestError, msg: str, line: int | None, column: int | None) -> None:
    assert (exc.msg, exc.line, exc.column) == (msg, line, column)


# --- reading -------------------------------------------------------------------------------------------


def test_digestformat_toml(tmp_path: Path) -> None:
    path = write(
        tmp_path / "digestformat.toml",
        'kinds = ["case_study", "outlook"]\n[headings]\n'
        '"사례 연구" = "case_study"\n" Background " = "introduction"\n',
    )
    config = load_config(path, BUILTIN)
    assert config == Config(
        path, ("case_study", "outlook"), {"사례 연구": "case_study", " Background ": "introduction"}
    )
    assert isinstance(config.headings, MappingProxyType)
    assert list(config.headings) == ["사례 연구", " Background "]  # exactly as written, in order


def test_any_other_file_name_is_read_like_digestformat_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "my-settings.toml", '[headings]\nBackground = "method"\n')
    assert load_config(path, BUILTIN) == Config(path, (), {"Background": "method"})


def test_empty_digestformat_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", "")
    config = load_config(path, BUILTIN)
    assert config == Config(path, (), {})
    assert isinstance(config.headings, MappingProxyType)


def test_pyproject_with_the_table(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.digestformat]\nkinds = ["outlook"]\n\n'
        '[tool.digestformat.headings]\nOutlook = "outlook"\n\n[tool.ruff]\nline-length = 100\n',
    )
    assert load_config(path, BUILTIN) == Config(path, ("outlook",), {"Outlook": "outlook"})


@pytest.mark.parametrize("text", ['[project]\nname = "x"\n', "tool = 3\n", "[tool.ruff]\nline-length = 1\n"])
def test_pyproject_without_the_table(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    config = load_config(path, BUILTIN)
    assert config == Config(path, (), {})
    assert isinstance(config.headings, MappingProxyType)


def test_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "digestformat.toml"
    path.write_bytes(b'\xef\xbb\xbfkinds = ["outlook"]\n')
    assert load_config(path, BUILTIN).kinds == ("outlook",)


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "digestformat.toml"
    path.write_bytes(b'kinds = ["outlook"]\r\n[headings]\r\nX = "outlook"\r\n')
    assert load_config(path, BUILTIN) == Config(path, ("outlook",), {"X": "outlook"})


def test_empty_constant() -> None:
    assert Config(None, (), {}) == EMPTY
    assert isinstance(EMPTY.headings, MappingProxyType)
    with pytest.raises(AttributeError):
        EMPTY.kinds = ("x",)  # type: ignore[misc]


# --- finding -------------------------------------------------------------------------------------------


def _no_config_above(folder: Path) -> bool:
    return not any(
        (here / name).exists()
        for here in (folder, *folder.parents)
        for name in ("digestformat.toml", "pyproject.toml")
    )


def test_none_found_gives_empty(tmp_path: Path) -> None:
    if not _no_config_above(tmp_path.resolve()):
        pytest.skip("a config file above the temporary folder")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(tmp_path / "a" / "b", BUILTIN) is EMPTY
    assert find_config(tmp_path / "a" / "b" / "post.md", BUILTIN) is EMPTY


def test_start_is_a_file(tmp_path: Path) -> None:
    config_path = write(tmp_path / "digestformat.toml", 'kinds = ["outlook"]\n')
    post = write(tmp_path / "posts" / "post.md", "# x\n")
    assert find_config(post, BUILTIN) == Config(config_path.resolve(), ("outlook",), {})


def test_start_is_a_file_next_to_the_config(tmp_path: Path) -> None:
    config_path = write(tmp_path / "digestformat.toml", 'kinds = ["outlook"]\n')
    post = write(tmp_path / "post.md", "# x\n")
    assert find_config(post, BUILTIN).path == config_path.resolve()


def test_start_is_a_folder(tmp_path: Path) -> None:
    config_path = write(tmp_path / "digestformat.toml", 'kinds = ["outlook"]\n')
    (tmp_path / "posts").mkdir()
    assert find_config(tmp_path / "posts", BUILTIN).path == config_path.resolve()
    assert find_config(tmp_path, BUILTIN).path == config_path.resolve()


def test_start_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path = write(tmp_path / "digestformat.toml", 'kinds = ["outlook"]\n')
    (tmp_path / "posts").mkdir()
    monkeypatch.chdir(tmp_path / "posts")
    config = find_config(Path("post.md"), BUILTIN)
    assert config.path == config_path.resolve()
    assert config.path.is_absolute()


def test_nearest_folder_wins(tmp_path: Path) -> None:
    write(tmp_path / "digestformat.toml", 'kinds = ["far"]\n')
    near = write(tmp_path / "a" / "b" / "digestformat.toml", 'kinds = ["near"]\n')
    post = write(tmp_path / "a" / "b" / "c" / "post.md", "")
    assert find_config(post, BUILTIN) == Config(near.resolve(), ("near",), {})


def test_nearest_pyproject_with_the_table_beats_a_far_digestformat_toml(tmp_path: Path) -> None:
    write(tmp_path / "digestformat.toml", 'kinds = ["far"]\n')
    near = write(tmp_path / "a" / "pyproject.toml", '[tool.digestformat]\nkinds = ["near"]\n')
    assert find_config(tmp_path / "a" / "post.md", BUILTIN) == Config(near.resolve(), ("near",), {})


def test_digestformat_toml_beats_pyproject_in_one_folder(tmp_path: Path) -> None:
    ours = write(tmp_path / "digestformat.toml", 'kinds = ["ours"]\n')
    write(tmp_path / "pyproject.toml", '[tool.digestformat]\nkinds = ["pyproject"]\n')
    assert find_config(tmp_path / "post.md", BUILTIN) == Config(ours.resolve(), ("ours",), {})


def test_pyproject_without_the_table_is_skipped(tmp_path: Path) -> None:
    far = write(tmp_path / "pyproject.toml", '[tool.digestformat.headings]\nX = "method"\n')
    write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "a"\n[tool.ruff]\nline-length = 1\n')
    config = find_config(tmp_path / "a" / "post.md", BUILTIN)
    assert config == Config(far.resolve(), (), {"X": "method"})


def test_errors_in_the_found_config_raise(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.digestformat]\nkind = []\n")
    with pytest.raises(DigestError) as info:
        find_config(tmp_path / "post.md", BUILTIN)
    check(info.value, f"tool.digestformat.kind: unknown key: {ALLOWED}", 2, 1)
    assert info.value.__notes__ == [f"config file: {(tmp_path / 'pyproject.toml').resolve()}"]


def test_a_pyproject_that_is_not_toml_raises_on_the_walk(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project\n")
    with pytest.raises(DigestError, match="not valid TOML"):
        find_config(tmp_path / "post.md", BUILTIN)


def test_a_folder_named_like_a_config_is_passed_over(tmp_path: Path) -> None:
    far = write(tmp_path / "digestformat.toml", 'kinds = ["far"]\n')
    (tmp_path / "a" / "digestformat.toml").mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").mkdir()
    assert find_config(tmp_path / "a", BUILTIN).path == far.resolve()


def test_files_that_cannot_be_looked_at_are_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    far = write(tmp_path / "digestformat.toml", 'kinds = ["far"]\n')
    blocked = write(tmp_path / "a" / "digestformat.toml", 'kinds = ["near"]\n').resolve()
    real_is_file = Path.is_file

    def is_file(self: Path) -> bool:
        if self == blocked:
            raise PermissionError(13, "Permission denied")
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert find_config(tmp_path / "a", BUILTIN).path == far.resolve()


# --- reading errors ------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "digestformat.toml"
    exc = error_of(path)
    check(exc, "cannot read config file: No such file or directory", None, None)
    assert str(exc) == "cannot read config file: No such file or directory"
    assert exc.__notes__ == [f"config file: {path}"]


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "digestformat.toml"
    path.write_bytes(b'kinds = ["a"]\n# caf\xe9\n')
    exc = error_of(path)
    check(exc, "invalid UTF-8 at byte 19 (0xe9): expected UTF-8 text", 2, 6)
    assert exc.offset == 19
    assert exc.__notes__ == [f"config file: {path}"]


def test_bad_toml_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'kinds = ["a"]\n[headings]\n"x" = \n')
    exc = error_of(path)
    check(exc, "config file is not valid TOML: Invalid value", 3, 7)
    assert str(exc) == "3:7: config file is not valid TOML: Invalid value"
    assert exc.__notes__ == [f"config file: {path}"]
    assert exc.__cause__ is None
    assert exc.__suppress_context__


def test_bad_toml_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.digestformat]\nkinds = []\nkinds = []\n")
    check(error_of(path), "config file is not valid TOML: Cannot overwrite a value", 3, 11)


def test_bad_toml_at_end_of_document(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", "kinds = []\nheadings = ")
    check(error_of(path), "config file is not valid TOML: Invalid value", 2, 12)


def test_bad_toml_at_end_of_a_one_line_document(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", "kinds = ")
    check(error_of(path), "config file is not valid TOML: Invalid value", 1, 9)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Invalid value (at line 2, column 5)", ("Invalid value", 2, 5)),
        ("Odd (at line x) (at line 12, column 345)", ("Odd (at line x)", 12, 345)),
        ("Something else", ("Something else", None, None)),
        ("Odd (at line 2, column 5", ("Odd (at line 2, column 5", None, None)),
        ("Odd (at line 2; column 5)", ("Odd (at line 2; column 5)", None, None)),
        ("Odd (at line two, column 5)", ("Odd (at line two, column 5)", None, None)),
        ("Odd (at line 2, column ५)", ("Odd (at line 2, column ५)", None, None)),
        ("Odd (at line 2, column )", ("Odd (at line 2, column )", None, None)),
    ],
)
def test_split_position(message: str, expected: tuple[str, int | None, int | None]) -> None:
    assert _split_position(message, "a\nbc") == expected


# --- schema errors -------------------------------------------------------------------------------------


def test_table_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool]\ndigestformat = 3\n')
    exc = error_of(path)
    check(exc, "tool.digestformat: expected a table, got integer", 4, 1)
    assert exc.__notes__ == [f"config file: {path}"]


def test_unknown_key_in_digestformat_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", '# kind of config\nkinds = []\n[heading]\nX = "method"\n')
    check(error_of(path), f"heading: unknown key: {ALLOWED}", 3, 2)


def test_unknown_key_in_pyproject_is_searched_from_the_table(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\ndescription = "a kind of parser"\n\n[tool.digestformat]\nkind = ["x"]\n',
    )
    check(
        error_of(path),
        f"tool.digestformat.kind: unknown key: {ALLOWED}",
        5,
        1,
    )


def test_heading_words_outside_the_headings_table(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'Background = "introduction"\n')
    check(
        error_of(path), f"Background: unknown key: {ALLOWED} (heading words go in the headings table)", 1, 1
    )
    path = write(tmp_path / "pyproject.toml", '[tool.digestformat]\nBackground = "introduction"\n')
    check(
        error_of(path),
        f"tool.digestformat.Background: unknown key: {ALLOWED} "
        "(heading words go in the tool.digestformat.headings table)",
        2,
        1,
    )


def test_unknown_key_that_needs_quotes(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", '"head ings" = 1\n')
    check(error_of(path), f"'head ings': unknown key: {ALLOWED}", 1, 2)


def test_unknown_key_not_found_in_the_text(tmp_path: Path) -> None:
    # The key is written with an escape, so its text is not in the file: no position.
    path = write(tmp_path / "digestformat.toml", '"\\u006Bind" = 1\n')
    exc = error_of(path)
    check(exc, f"kind: unknown key: {ALLOWED}", None, None)
    assert str(exc) == f"kind: unknown key: {ALLOWED}"


def test_kinds_not_an_array(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.digestformat]\nkinds = "outlook"\n')
    check(error_of(path), "tool.digestformat.kinds: expected an array of kind names, got string", 2, 1)


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("1", "integer"),
        ("1.5", "float"),
        ("true", "boolean"),
        ("[]", "array"),
        ("{}", "table"),
        ("1979-05-27T07:32:00Z", "date-time"),
        ("1979-05-27", "date"),
        ("07:32:00", "time"),
    ],
)
def test_kind_not_a_string(tmp_path: Path, value: str, got: str) -> None:
    path = write(tmp_path / "digestformat.toml", f'# kinds\nkinds = [\n  "ok",\n  {value},\n]\n')
    check(error_of(path), f"kinds[1]: expected a string (a kind name), got {got}", 2, 1)


@pytest.mark.parametrize("name", ["Outlook", "1st", "case-study", "case study", "_x", "outlooK", "é"])
def test_bad_kind_name(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "pyproject.toml", f'[tool.digestformat]\nkinds = [\n  "ok",\n  "{name}",\n]\n')
    check(
        error_of(path),
        f"tool.digestformat.kinds[1]: invalid kind name {name!r}: expected a lowercase ASCII letter, "
        "then lowercase ASCII letters, digits or underscores",
        4,
        4,
    )


def test_empty_kind_name(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'kinds = [""]\n')
    check(
        error_of(path),
        "kinds[0]: invalid kind name '': expected a lowercase ASCII letter, "
        "then lowercase ASCII letters, digits or underscores",
        1,
        1,
    )


def test_kind_that_is_built_in(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'kinds = ["outlook", "method"]\n')
    check(error_of(path), "kinds[1]: kind 'method' is already built in: remove it from kinds", 1, 22)


def test_kind_listed_twice(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'kinds = [\n  "outlook",\n  "x",\n  "outlook",\n]\n')
    check(error_of(path), "kinds[2]: kind 'outlook' is listed twice", 2, 4)


def test_headings_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'headings = ["Background"]\n')
    check(error_of(path), "headings: expected a table of heading words = kind names, got array", 1, 1)


def test_heading_to_an_unknown_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\ndescription = "사례 연구"\n\n[tool.digestformat]\nkinds = ["case_study"]\n\n'
        '[tool.digestformat.headings]\n"사례 연구" = "case_stdy"\n',
    )
    exc = error_of(path)
    check(
        exc,
        "tool.digestformat.headings.'사례 연구': unknown kind 'case_stdy': "
        "expected one of the built-in kinds or those listed in kinds (case_study, introduction, method)",
        8,
        2,
    )
    assert exc.__notes__ == [f"config file: {path}"]


def test_heading_to_a_bare_key_unknown_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", '[headings]\nBackground = "intro"\n')
    check(
        error_of(path),
        "headings.Background: unknown kind 'intro': "
        "expected one of the built-in kinds or those listed in kinds (introduction, method)",
        2,
        1,
    )


def test_heading_in_an_inline_table_is_found_from_the_top(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", 'kinds = []\nheadings = { Background = "intro" }\n')
    exc = error_of(path)
    assert (exc.line, exc.column) == (2, 14)


def test_key_written_before_the_first_table_header_is_found_from_the_top(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[tool]\ndigestformat.kind = 1\n[tool.digestformat.headings]\nX = "method"\n',
    )
    check(error_of(path), f"tool.digestformat.kind: unknown key: {ALLOWED}", 2, 14)


@pytest.mark.parametrize(("value", "got"), [("1", "integer"), ('["method"]', "array"), ("{}", "table")])
def test_heading_not_a_string(tmp_path: Path, value: str, got: str) -> None:
    path = write(tmp_path / "digestformat.toml", f"[headings]\n'Related work' = {value}\n")
    check(error_of(path), f"headings.'Related work': expected a string (a kind name), got {got}", 2, 2)


def test_dotted_heading_is_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", '[headings]\nRelated.work = "method"\n')
    check(error_of(path), "headings.Related: expected a string (a kind name), got table", 2, 1)


@pytest.mark.parametrize(
    ("written", "where", "line", "column"),
    [
        ('""', "headings.''", 3, 1),
        ("'  '", "headings.'  '", 3, 1),
        ('"\\t"', 'headings."\\u0009"', None, None),
    ],
)
def test_empty_heading(
    tmp_path: Path, written: str, where: str, line: int | None, column: int | None
) -> None:
    path = write(tmp_path / "digestformat.toml", f'kinds = []\n[headings]\n{written} = "method"\n')
    check(
        error_of(path),
        f"{where}: the heading words are empty: write the words of a section heading",
        line,
        column,
    )


def test_empty_heading_in_pyproject(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.digestformat.headings]\nX = "method"\n" " = "method"\n')
    check(
        error_of(path),
        "tool.digestformat.headings.' ': the heading words are empty: write the words of a section heading",
        3,
        1,
    )


def test_commented_lines_are_passed_over(tmp_path: Path) -> None:
    path = write(tmp_path / "digestformat.toml", '[headings]\n# Background = "method"\nBackground = "x"\n')
    assert error_of(path).line == 3


# --- helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("a", True),
        ("case_study", True),
        ("x9_", True),
        ("", False),
        ("A", False),
        ("9a", False),
        ("a-b", False),
    ],
)
def test_is_kind_name(name: str, valid: bool) -> None:
    assert is_kind_name(name) is valid


@pytest.mark.parametrize(
    ("key", "quoted"),
    [
        ("Background", "Background"),
        ("a-b_9", "a-b_9"),
        ("", "''"),
        ("사례 연구", "'사례 연구'"),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ('it\'s "x" \\', '"it\'s \\"x\\" \\\\"'),
        ("a\tb", '"a\\u0009b"'),
        ("tag\U000e0001", '"tag\\U000E0001"'),
    ],
)
def test_quote(key: str, quoted: str) -> None:
    assert _quote(key) == quoted
