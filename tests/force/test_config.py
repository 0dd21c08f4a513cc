"""Force configuration files: the shipped ones load, bad ones say exactly what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from constable.force.config import ForceConfigError, load_config, shipped_forces


def kent_data() -> dict[str, object]:
    path = Path(__file__).parents[2] / "src/constable/force/data/kent.yaml"
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "force.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_kent_and_west_yorkshire_ship() -> None:
    assert {"kent", "west-yorkshire"} <= set(shipped_forces())
    kent = load_config("kent")
    assert len(kent.districts) == 13
    assert kent.district("Folkestone & Hythe").census_name == "Shepway"
    assert kent.district("e07000111").name == "Sevenoaks"


def test_every_post_says_where_its_number_comes_from() -> None:
    for code in shipped_forces():
        for team in load_config(code).teams:
            for post in team.posts:
                assert post.source.strip(), (code, team.name, post.role)


def test_a_file_path_loads(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, kent_data())).code == "kent"


def test_an_unknown_force_lists_the_shipped_ones() -> None:
    with pytest.raises(ForceConfigError, match=r"shipped: .*kent"):
        load_config("atlantis")


def test_an_unknown_district_is_named() -> None:
    with pytest.raises(ForceConfigError, match=r"no district 'Narnia'.*Sevenoaks"):
        load_config("kent").district("Narnia")


def test_an_unknown_field_is_refused_with_its_place(tmp_path: Path) -> None:
    data = kent_data()
    data["districts"][0]["colour"] = "blue"  # type: ignore[index]
    with pytest.raises(ForceConfigError, match=r"force.yaml: districts.0.colour: Extra inputs"):
        load_config(write(tmp_path, data))


def test_a_bad_authority_code_is_refused(tmp_path: Path) -> None:
    data = kent_data()
    data["districts"][1]["code"] = "X123"  # type: ignore[index]
    with pytest.raises(ForceConfigError, match=r"districts.1.code"):
        load_config(write(tmp_path, data))


def test_a_post_needs_exactly_one_rule(tmp_path: Path) -> None:
    data = kent_data()
    data["teams"][0]["posts"][0]["per_1000_residents"] = 1.0  # type: ignore[index]
    with pytest.raises(ForceConfigError, match="exactly one of count"):
        load_config(write(tmp_path, data))


def test_reports_to_must_name_a_role(tmp_path: Path) -> None:
    data = kent_data()
    data["teams"][1]["posts"][0]["reports_to"] = "Emperor"  # type: ignore[index]
    with pytest.raises(ForceConfigError, match="reports to 'Emperor'"):
        load_config(write(tmp_path, data))


def test_repeated_districts_are_refused(tmp_path: Path) -> None:
    data = kent_data()
    data["districts"].append(dict(data["districts"][0]))  # type: ignore[attr-defined,index]
    with pytest.raises(ForceConfigError, match="district names repeated: Ashford"):
        load_config(write(tmp_path, data))


def test_broken_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("code: kent\ndistricts: [\n")
    with pytest.raises(ForceConfigError, match=r"broken.yaml: not valid YAML"):
        load_config(path)
