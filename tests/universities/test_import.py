"""Importing universities from CSV (``quiz universities import``)."""

from __future__ import annotations

from sqlalchemy import func, select

from quiz.universities.models import University

HEADER = "code,name_vi,name_en,short_name,city\n"


def count(db_session):
    return db_session.scalar(select(func.count(University.id)))


def write(tmp_path, text, name="unis.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_then_updates_by_code(runner, tmp_path, db_session):
    first = write(
        tmp_path,
        HEADER + "hust,Đại học Bách khoa Hà Nội,Hanoi University of Science "
        "and Technology,HUST,Hà Nội\n",
    )
    result = runner.invoke(args=["universities", "import", first])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    second = write(
        tmp_path,
        HEADER + "HUST,Đại học Bách khoa Hà Nội,Hanoi University of Science "
        "and Technology,BKHN,Hà Nội\n",
        "second.csv",
    )
    result = runner.invoke(args=["universities", "import", second])
    assert "1 updated" in result.output
    university = db_session.scalar(select(University).where(University.code == "HUST"))
    assert university.short_name == "BKHN"


def test_extra_columns_are_allowed(runner, tmp_path):
    path = write(
        tmp_path,
        "code,name_vi,name_en,short_name,city,website\n"
        "X1,Trường X,X University,,Huế,https://x.example\n",
    )
    assert runner.invoke(args=["universities", "import", path]).exit_code == 0


def test_a_bad_line_imports_nothing_and_names_the_line(runner, tmp_path, db_session):
    before = count(db_session)
    path = write(
        tmp_path,
        HEADER + "A1,Trường A,A University,,Hà Nội\n"
        "B1,Trường B,B University,,Hà Nội\n"
        ",Trường C,,C,Hà Nội\n",
    )
    result = runner.invoke(args=["universities", "import", path])
    assert result.exit_code == 1
    assert "Line 4" in result.output or "Dòng 4" in result.output
    assert count(db_session) == before


def test_duplicate_codes_in_one_file_are_refused(runner, tmp_path, db_session):
    before = count(db_session)
    path = write(tmp_path, HEADER + "A1,Trường A,A University,,Hà Nội\na1,Trường A,A,,Huế\n")
    result = runner.invoke(args=["universities", "import", path])
    assert result.exit_code == 1
    assert "3" in result.output
    assert count(db_session) == before


def test_missing_columns_are_refused(runner, tmp_path):
    path = write(tmp_path, "code,name\nA,B\n")
    result = runner.invoke(args=["universities", "import", path])
    assert result.exit_code == 1
    assert "name_vi" in result.output


def test_a_file_that_is_not_utf8_is_refused(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "A1,Trường A,A,,Hà Nội\n").encode("utf-16"))
    result = runner.invoke(args=["universities", "import", str(path)])
    assert result.exit_code == 1
    assert "UTF-8" in result.output


def test_bundled_dataset_has_at_least_160_distinct_universities(runner, db_session):
    from quiz.cli import bundled_universities

    path_text = bundled_universities()
    lines = [line for line in path_text.splitlines()[1:] if line]
    assert len(lines) >= 160
    codes = [line.split(",")[0] for line in lines]
    assert len(set(codes)) == len(codes)
