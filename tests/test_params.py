"""Notebook parameter checks: canonical values back, or one line per bad parameter."""

from __future__ import annotations

import dataclasses

import pytest

from analysis import comparisons, data
from analysis.errors import UserError, given
from analysis.params import (
    Params,
    check_lang,
    check_params,
    check_province,
    check_year,
    resolve_peers,
)


def test_defaults():
    params = check_params()
    assert params.province == "Hải Dương"
    assert params.year == data.editions()[-1]
    assert params.lang == "vi"
    assert params.peers == tuple(comparisons.default_peers("Hải Dương", data.load_provinces()))
    assert "Hải Dương" not in params.peers and len(params.peers) > 0


def test_params_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        check_params().year = 2020  # type: ignore[misc]


@pytest.mark.parametrize("spelling", ["Hải Dương", "Hai Duong", "hai duong", "Tỉnh Hải Dương"])
def test_province_spellings_resolve_to_the_canonical_name(spelling):
    assert check_params(province=spelling).province == "Hải Dương"


def test_peers_are_canonical_deduplicated_and_exclude_the_province():
    params = check_params(province="Hai Duong", peers=["Hai Phong", "Hải Phòng", "Hải Dương",
                                                       "hung yen"])
    assert params.peers == ("Hải Phòng", "Hưng Yên")


@pytest.mark.parametrize("empty", [None, [], ()])
def test_empty_peers_mean_the_region_neighbours(empty):
    params = check_params(province="Cao Bằng", peers=empty)
    assert params.peers == tuple(comparisons.default_peers("Cao Bằng", data.load_provinces()))


@pytest.mark.parametrize("year", data.editions())
def test_every_edition_is_a_valid_year(year):
    assert check_params(year=year).year == year


def test_lang_is_normalised():
    assert check_params(lang="EN").lang == "en"
    assert check_params(lang=" vi ").lang == "vi"


def _message(**kwargs) -> str:
    with pytest.raises(UserError) as caught:
        check_params(**kwargs)
    return str(caught.value)


def test_unknown_province_names_the_parameter_and_the_closest():
    message = _message(province="Hai Duongg")
    assert message.count("\n") == 0
    assert "province='Hai Duongg'" in message and "closest: Hải Dương" in message


def test_year_without_edition_lists_the_editions():
    message = _message(year=2019)
    assert message.count("\n") == 0
    assert "year=2019" in message
    assert ", ".join(str(y) for y in data.editions()) in message


@pytest.mark.parametrize("year", ["twenty", 2022.5, True])
def test_year_that_is_not_a_year(year):
    assert "valid: " + ", ".join(str(y) for y in data.editions()) in _message(year=year)


def test_unknown_language_lists_vi_and_en():
    message = _message(lang="fr")
    assert message.count("\n") == 0
    assert "lang='fr'" in message and "valid: vi, en" in message


def test_unknown_peer_names_the_parameter_and_the_closest():
    message = _message(peers=["Hai Phongg", "Bac Ninh"])
    assert message.count("\n") == 0
    assert "peers" in message and "'Hai Phongg'" in message and "Hải Phòng" in message


def test_peers_must_be_a_list():
    assert "peers=3" in _message(peers=3)


def test_several_bad_parameters_give_one_line_each():
    lines = _message(year=2019, province="Nowhere", lang="fr").splitlines()
    assert len(lines) == 3
    assert [line.split("=")[0] for line in lines] == [
        "parameter year", "parameter province", "parameter lang"]


def test_returns_params_instance():
    assert isinstance(check_params(year=2022, province="Lai Châu", lang="en"), Params)


@pytest.mark.parametrize("given, closest", [("english", "en"), ("vn", "vi"), ("vietnamese", "vi")])
def test_language_suggestion(given, closest):
    assert f"closest: {closest}" in _message(lang=given)


def test_no_language_suggestion_when_nothing_is_close():
    assert "closest" not in _message(lang="fr")


# --- the same rules, named as the command line names them (`python -m analysis run`) ------------

def test_a_value_is_named_as_the_user_gave_it():
    assert given("year", 2019) == "parameter year=2019"
    assert given("--years", "2019") == "--years: '2019'"
    assert given("peers") == "parameter peers" and given("-p peers") == "-p peers"


def test_a_notebook_and_the_command_line_get_one_rule_and_one_message():
    editions = data.editions()
    _, in_notebook = check_year(2019, editions)
    _, on_command_line = check_year("2019", editions, name="--years", also_valid="all")
    assert in_notebook.removeprefix("parameter year=2019") == \
        on_command_line.removeprefix("--years: '2019'").replace(", or all", "")
    assert on_command_line.startswith("--years: '2019' is not a DTI edition with data; valid: ")
    assert check_lang("fr")[1] == "parameter lang='fr' is not a language of the briefs; valid: vi, en"
    assert check_lang("fr", name="--lang")[1] == \
        "--lang: 'fr' is not a language of the briefs; valid: vi, en"


def test_the_command_line_takes_what_a_notebook_takes():
    assert check_year("2022", data.editions(), name="--years") == (2022, None)
    assert check_lang("EN", name="--lang") == ("en", None)
    assert check_province("hai duong", name="--provinces") == ("Hải Dương", None)
    value, problem = check_province("Hai Duongg", name="--provinces")
    assert value is None and problem.startswith("--provinces: 'Hai Duongg' is not a known province")


def test_peers_resolve_in_order_each_as_given():
    assert resolve_peers(["hung yen", "Hải Phòng", "Hung Yen"]) == (
        ["Hưng Yên", "Hải Phòng", "Hưng Yên"], None)


def test_unknown_peers_are_all_named_with_their_closest():
    names, problem = resolve_peers(["Hai Phongg", "Ha Tayy", "Bắc Ninh"], name="-p peers")
    assert names is None and problem.count("\n") == 0
    assert problem.startswith("-p peers has unknown provinces: 'Hai Phongg' (closest: Hải Phòng")
    assert "; 'Ha Tayy' (closest: " in problem
    assert "Bắc Ninh" not in problem and problem.endswith(
        "valid: the 63 names in data/processed/provinces.csv")


def test_a_former_province_among_the_peers_names_its_successor_and_its_source():
    names, problem = resolve_peers(["Ha Tay"])  # the real data records Hà Tây -> Hà Nội
    assert names is None
    assert problem == ("parameter peers has unknown provinces: 'Ha Tay' (a former province, now "
                       "part of Hà Nội: use 'Hà Nội'; source: Wikipedia (English), "
                       "https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province "
                       "[wikipedia-org-832511]); valid: the 63 names in "
                       "data/processed/provinces.csv")


@pytest.mark.parametrize("spelling", ["Hà Tây", "Ha Tay", "ha tay", "HA TAY", "Tỉnh Hà Tây",
                                      "Ha  Tay "])
def test_every_spelling_of_a_former_province_names_its_successor(spelling):
    with pytest.raises(UserError) as error:
        check_params(province=spelling)
    assert str(error.value).splitlines() == [
        (f"parameter province={spelling!r} is a former province, now part of Hà Nội (source: "
         "Wikipedia (English), https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province "
         "[wikipedia-org-832511]); use 'Hà Nội'")]


def test_a_former_province_is_known_to_the_data_with_its_published_source():
    successor, source = data.former_province("Ha Tay")
    assert successor == "Hà Nội" and successor in set(data.load_provinces()["name"])
    page = data.load_sources().set_index("source_id").loc[source]
    assert page["url"] == "https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province"
    assert (page["publisher"], page["title"]) == ("Wikipedia (English)", "Hà Tây province")
    assert page["date_published"] == ""  # the article shows none; none is made up
    assert page["described_in"] == "raw/project/former_provinces.csv"
    assert data.former_province("Hà Nội") is None and data.former_province("Ha Tayy") is None


def test_an_empty_list_of_peers_resolves_to_an_empty_list():
    assert resolve_peers([]) == ([], None)
