"""Certificates of official results (contest-operations.md, Certificates): issued per
participant, drawn as PDFs read back with poppler and zbar, checked by anyone at
/verify/<code>, revoked by organisers or by a disqualification, zipped per university."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from sqlalchemy import func, select

from quiz.accounts.models import Role
from quiz.audit.models import AuditEntry
from quiz.certificates import services as certificates
from quiz.certificates.models import OVERALL, Certificate, round_scope
from quiz.clock import now
from quiz.operations import integrity
from quiz.operations.models import IntegritySignal
from quiz.results import services as results
from tests.conftest import log_in
from tests.operations.test_integrity import attempt_of, twins_round
from tests.operations.test_regrading import KEYS, after_close, closed_round

EN = {"Accept-Language": "en"}


def needs(*tools: str) -> None:
    """Skip without the tools on a newcomer's machine; fail under CI."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"certificates cannot be checked under CI without {missing}")
        pytest.skip(f"needs {missing}")


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def qr_of(pdf: bytes, tmp_path) -> str:
    """The page drawn by pdftoppm, then its QR code read by zbar."""
    path = tmp_path / "q.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    read = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    return read.stdout.strip()


def official_round(db_session, make_user, make_university):
    """Three students of two universities, scoring 4, 3 and 2 of 4; one reads English."""
    home, other = make_university(), make_university()
    best = make_user(university=home, full_name="Nguyễn Thị Hồng Nhung", locale="en")
    second = make_user(university=home, full_name="Trần Văn Đức")
    third = make_user(university=other, full_name="Lê Thị Ánh Tuyết")
    answers = [
        {k: "a" for k in KEYS},
        {k: "a" for k in KEYS[:3]},
        {k: "a" for k in KEYS[:2]},
    ]
    round_ = closed_round(db_session, [best, second, third], answers, now())
    return round_, (best, second, third), (home, other)


def in_force(db_session, student):
    return db_session.scalar(
        select(Certificate).where(
            Certificate.student_id == student.id, Certificate.revoked_at.is_(None)
        )
    )


def test_certificates_are_issued_once_official_and_say_who_scored_what_in_their_language(
    app, db_session, make_user, make_university, tmp_path
):
    needs("pdftotext", "pdftoppm", "zbarimg")
    round_, (best, second, third), (home, _other) = official_round(
        db_session, make_user, make_university
    )
    organiser = log_in(app, make_user(Role.ORGANISER))
    with after_close(round_):
        early = organiser.post("/api/v1/certificates", json={"round_id": round_.id})
        assert early.status_code == 409 and early.json["error"]["code"] == "not_official"
        assert db_session.scalar(select(func.count()).select_from(Certificate)) == 0
        results.make_official(db_session, round_.id, actor_id=None)
        issued = organiser.post(f"/organiser/certificates/issue?round={round_.id}")
        assert issued.status_code == 302
        page = organiser.get("/organiser/certificates", headers=EN).get_data(as_text=True)
        assert f'data-scope="round:{round_.id}" data-in-force="3"' in page
        again = organiser.post("/api/v1/certificates", json={"round_id": round_.id})
        assert again.json == {"issued": 0, "kept": 3, "revoked": 0}

        mine = log_in(app, second)
        listed = mine.get("/certificates").get_data(as_text=True)
        code = certificates.shown(in_force(db_session, second).code)
        assert f'data-certificate="{code}"' in listed
        pdf = mine.get(f"/certificates/{code}.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        english = log_in(app, best).get(
            f"/certificates/{certificates.shown(in_force(db_session, best).code)}.pdf"
        )
    said = text_of(pdf.data, tmp_path)
    # Vietnamese as written, from the embedded font: name, university, score, rank, code.
    for expected in (
        "GIẤY CHỨNG NHẬN",
        "Trần Văn Đức",
        home.name_vi,
        "Vòng chấm lại",
        "Điểm: 3 / 4",
        "Hạng 2 / 3",
        code,
    ):
        assert expected in said, expected
    assert qr_of(pdf.data, tmp_path) == f"{app.config['BASE_URL']}/verify/{code}"
    said_en = text_of(english.data, tmp_path)
    assert "CERTIFICATE" in said_en and "Nguyễn Thị Hồng Nhung" in said_en
    assert "Rank 1 of 3 · top 1%" in said_en and home.name_en in said_en
    assert db_session.scalar(
        select(AuditEntry.details).where(AuditEntry.action == "certificates.issue")
    ) == {"issued": 3, "kept": 0, "revoked": 0}


def test_anyone_checks_a_certificate_by_its_code_and_an_unknown_code_is_a_plain_404(
    app, db_session, make_user, make_university
):
    round_, (best, _second, _third), _ = official_round(db_session, make_user, make_university)
    with after_close(round_):
        results.make_official(db_session, round_.id, actor_id=None)
        certificates.issue_round(db_session, round_.id, actor_id=None)
    db_session.commit()
    code = certificates.shown(in_force(db_session, best).code)
    anyone = app.test_client()
    page = anyone.get(f"/verify/{code}", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is valid" in text
    assert "Nguyễn Thị Hồng Nhung" in text and "Rank 1 of 3" in text
    assert best.email not in text
    typed = anyone.get(f"/verify/{code.replace('-', '').lower().replace('0', 'o')}", headers=EN)
    assert typed.status_code == 200  # as read off the paper
    api = anyone.get(f"/api/v1/certificates/{code}")
    assert api.json["valid"] is True and api.json["rank"] == 1 and "email" not in api.json
    unknown = anyone.get("/verify/ABCD-2345-WXYZ", headers=EN)
    nonsense = anyone.get("/verify/%3Cscript%3E", headers=EN)
    assert unknown.status_code == nonsense.status_code == 404
    # The same page for a well-formed code and for nonsense (but for the address in the
    # language links): nothing tells them apart.
    assert unknown.get_data(as_text=True) == nonsense.get_data(as_text=True).replace(
        "/verify/&lt;script&gt;", "/verify/ABCD-2345-WXYZ"
    )
    assert anyone.get("/api/v1/certificates/ABCD-2345-WXYZ").status_code == 404


def test_an_organiser_revokes_a_certificate_with_a_reason_and_the_page_says_so(
    app, db_session, make_user, make_university
):
    round_, (best, _second, _third), _ = official_round(db_session, make_user, make_university)
    organiser = log_in(app, make_user(Role.ORGANISER))
    with after_close(round_):
        results.make_official(db_session, round_.id, actor_id=None)
        certificates.issue_round(db_session, round_.id, actor_id=None)
        code = certificates.shown(in_force(db_session, best).code)
        blank = organiser.post(
            "/organiser/certificates/revoke", data={"code": code, "reason": " "}, headers=EN
        )
        assert blank.status_code == 422 and in_force(db_session, best) is not None
        wrong = organiser.post(
            "/organiser/certificates/revoke",
            data={"code": "ZZZZ-ZZZZ-ZZZZ", "reason": "Nhầm."},
            headers=EN,
        )
        assert wrong.status_code == 422 and "No certificate has this code." in wrong.get_data(
            as_text=True
        )
        done = organiser.post(
            "/organiser/certificates/revoke", data={"code": code, "reason": "Sai tên."}
        )
        assert done.status_code == 302
        twice = organiser.post(f"/api/v1/certificates/{code}/revoke", json={"reason": "Lần nữa."})
        assert twice.status_code == 409
    assert in_force(db_session, best) is None
    page = app.test_client().get(f"/verify/{code}", headers=EN).get_data(as_text=True)
    assert "data-revoked" in page and "Sai tên." not in page  # the reason stays internal
    assert app.test_client().get(f"/api/v1/certificates/{code}").json["valid"] is False


def test_a_disqualification_revokes_at_once_and_issuing_again_follows_the_new_results(
    app, db_session, make_user, make_university
):
    round_, users = twins_round(db_session, make_user, make_university)
    copier = users[1]
    with after_close(round_):
        results.make_official(db_session, round_.id, actor_id=None)
        first = certificates.issue_round(db_session, round_.id, actor_id=None)
        assert first.issued == 6
        results.reopen(db_session, round_.id, "Bài chép.", actor_id=None)
        integrity.scan(db_session, round_.id, actor_id=None)
        signal = db_session.scalar(select(IntegritySignal))
        integrity.decide(
            db_session,
            round_.id,
            signal.id,
            decision="disqualify",
            attempts=[attempt_of(db_session, copier, round_).id],
            reason="Chép bài.",
            actor_id=None,
        )
        assert in_force(db_session, copier) is None
        assert db_session.scalar(
            select(Certificate.revoked_reason).where(Certificate.student_id == copier.id)
        ) == ("disqualified: Chép bài.")
        results.make_official(db_session, round_.id, actor_id=None)
        again = certificates.issue_round(db_session, round_.id, actor_id=None)
    # Five left, each now "of 5": every one said "of 6", so each is succeeded.
    assert (again.issued, again.kept, again.revoked) == (5, 0, 5)
    assert in_force(db_session, copier) is None
    assert {
        c.facts["participants"]
        for c in db_session.scalars(select(Certificate).where(Certificate.revoked_at.is_(None)))
    } == {5}


def test_a_coordinator_downloads_their_own_universitys_certificates_in_one_zip(
    app, db_session, make_user, make_university, tmp_path
):
    round_, (best, second, third), (home, other) = official_round(
        db_session, make_user, make_university
    )
    with after_close(round_):
        results.make_official(db_session, round_.id, actor_id=None)
        certificates.issue_round(db_session, round_.id, actor_id=None)
    db_session.commit()
    coordinator = log_in(app, make_user(Role.COORDINATOR, university=home))
    listed = coordinator.get("/coordinator/certificates").get_data(as_text=True)
    assert f'data-scope="round:{round_.id}" data-in-force="2"' in listed
    response = coordinator.get(f"/coordinator/certificates.zip?round={round_.id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert [re.sub(r"-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\.pdf$", "", n) for n in names] == [
        "00001-nguyen-thi-hong-nhung",
        "00002-tran-van-duc",
    ]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert all(archive.read(n).startswith(b"%PDF-") for n in names)
    other_page = coordinator.get(
        f"/coordinator/certificates.zip?round={round_.id}&university={other.code}"
    )
    assert other_page.status_code == 403
    student = log_in(app, third)
    assert student.get(f"/coordinator/certificates.zip?round={round_.id}").status_code == 403
    foreign = certificates.shown(in_force(db_session, third).code)
    assert coordinator.get(f"/certificates/{foreign}.pdf").status_code == 404
    assert log_in(app, second).get(f"/certificates/{foreign}.pdf").status_code == 404


def test_the_overall_ranking_is_certified_once_every_ranked_round_is_official(
    app, db_session, make_user, make_university, make_round
):
    round_, (best, _second, _third), _ = official_round(db_session, make_user, make_university)
    practice = make_round(ranked=False)
    organiser = log_in(app, make_user(Role.ORGANISER))
    with after_close(round_):
        results.make_official(db_session, round_.id, actor_id=None)
        unranked = organiser.post(f"/organiser/certificates/issue?round={practice.id}")
        assert unranked.status_code == 404
        later = make_round(opens_at=now(), closes_at=now() + (round_.closes_at - round_.opens_at))
        refused = organiser.post("/api/v1/certificates", json={})
        assert refused.status_code == 409
        db_session.delete(later)
        db_session.flush()
        done = organiser.post("/api/v1/certificates", json={"round_id": None})
        assert done.status_code == 200 and done.json["issued"] == 3
        bad = organiser.post("/api/v1/certificates", json={"round_id": "one", "x": 1})
        assert bad.status_code in (400, 422)
    overall = db_session.scalar(
        select(Certificate).where(Certificate.scope == OVERALL, Certificate.student_id == best.id)
    )
    assert overall.facts["title"] is None and overall.facts["rank"] == 1
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.scope == round_scope(round_.id))
        )
        == 0
    )  # only the overall ones were asked for
