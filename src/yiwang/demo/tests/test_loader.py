"""Reading the demo files: what is accepted, and how mistakes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.core.errors import LoadError
from yiwang.demo import loader
from yiwang.identity import domain
from yiwang.identity.constants import Role


def _problems(data_dir: Path) -> list[str]:
    with pytest.raises(LoadError) as caught:
        loader.read_world(data_dir)
    return [str(p) for p in caught.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_world_reads_and_has_what_the_design_promises() -> None:
    world = loader.read_world()
    levels = [r.level for r in world.regions]
    assert levels == ["nation", "province", "city", "district", "district"]
    assert (world.name_zh, world.name_en) == ("演示市", "Demo City")
    assert len(world.departments) == 10
    assert {d.name_zh for d in world.departments} >= {"演示市公安局", "演示市数据局"}
    roles = {role for s in world.staff for _, role in s.memberships}
    assert roles == set(Role.values)
    # Working roles exist in several departments, not just one.
    for role in (Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN, Role.DATA_OFFICER):
        departments = {d for s in world.staff for d, r in s.memberships if r == role}
        assert len(departments) >= 2, role
    platform = [s for s in world.staff if ("data_bureau", Role.PLATFORM_ADMIN) in s.memberships]
    assert platform
    for person in world.people:
        if person.national_id:
            domain.check_national_id(person.national_id)
    assert any(p.passport_number and p.nationality for p in world.people)
    for firm in world.firms:
        domain.check_uscc(firm.uscc)
        assert firm.representatives


def test_logins_cover_every_account_with_the_demo_password() -> None:
    world = loader.read_world()
    logins = loader.logins(world)
    usernames = {login.username for login in logins}
    assert usernames == {s.username for s in world.staff} | {
        p.username for p in world.people if p.username
    }
    assert {login.password for login in logins} == {world.password}
    sites = {login.username: login.site for login in logins}
    assert sites["platform.admin"] == "/admin/"
    assert sites["amr.reviewer"] == "/backoffice/"
    assert sites["wang.fang"] == "/"


def test_broken_yaml_names_the_file_and_line(data_copy: Path) -> None:
    _edit(data_copy / "people.yaml", "  - name: 李伟", "  - name: [李伟")
    (problem,) = _problems(data_copy)
    assert problem.startswith("people.yaml: line ")
    assert "not valid YAML" in problem


def test_schema_violation_names_the_path_inside_the_file(data_copy: Path) -> None:
    _edit(data_copy / "departments.yaml", "  - code: tax\n", "  - code: tax\n    budget: 3\n")
    (problem,) = _problems(data_copy)
    assert problem.startswith("departments.yaml: departments[5]: ")
    assert "'budget' was unexpected" in problem


def test_an_unquoted_number_is_explained(data_copy: Path) -> None:
    _edit(
        data_copy / "people.yaml",
        'national_id: "990102198803140028"',
        "national_id: 990102198803140028",
    )
    (problem,) = _problems(data_copy)
    assert problem.startswith("people.yaml: people[0].national_id: ")
    assert "put it in quotes" in problem


def test_a_wrong_check_digit_is_reported_with_its_path(data_copy: Path) -> None:
    _edit(data_copy / "people.yaml", '"990105197911020036"', '"990105197911020037"')
    problems = _problems(data_copy)
    assert problems[0] == (
        "people.yaml: people[1].national_id: '990105197911020037' is not valid: "
        "the check digit does not match; please re-check the number"
    )


def test_every_problem_is_reported_at_once(data_copy: Path) -> None:
    _edit(
        data_copy / "staff.yaml",
        "{department: tax, role: reviewer}",
        "{department: taxes, role: reviewer}",
    )
    _edit(
        data_copy / "staff.yaml",
        "{department: tax, role: approver}",
        "{department: tax, role: boss}",
    )
    _edit(
        data_copy / "firms.yaml", '{person: "990105196505300054"', '{person: "990105196505300099"'
    )
    problems = _problems(data_copy)
    assert any(
        p.startswith("staff.yaml: staff[18].memberships[0].department: 'taxes'") for p in problems
    )
    assert any(p.startswith("staff.yaml: staff[19].memberships[0].role: 'boss'") for p in problems)
    assert any(p.startswith("firms.yaml: firms[1].representatives[0].person:") for p in problems)


def test_ids_in_the_generated_range_are_refused(data_copy: Path) -> None:
    # A hand-written person with sequence 123 could collide with a generated one.
    first17 = "99010219880314123"
    number = first17 + domain.national_id_check_char(first17)
    _edit(data_copy / "people.yaml", '"990102198803140028"', f'"{number}"')
    problems = _problems(data_copy)
    assert problems[0].startswith("people.yaml: people[0].national_id:")
    assert "used by generated people" in problems[0]


def test_duplicate_user_names_are_refused(data_copy: Path) -> None:
    _edit(data_copy / "people.yaml", "{username: li.wei}", "{username: amr.reviewer}")
    (problem,) = _problems(data_copy)
    assert problem.startswith("people.yaml: people[1].account.username: 'amr.reviewer'")


def test_a_weak_demo_password_is_refused(data_copy: Path) -> None:
    _edit(data_copy / "world.yaml", "password: demo-password-2026", "password: '1234567890'")
    problems = _problems(data_copy)
    assert problems[0].startswith("world.yaml: password: rejected for ")


def test_a_missing_file_is_named(data_copy: Path) -> None:
    (data_copy / "firms.yaml").unlink()
    (problem,) = _problems(data_copy)
    assert problem.startswith("firms.yaml: file not found")
