"""Notebook parameter checks: canonical values back, or one line per bad parameter."""

from __future__ import annotations

import dataclasses

import pytest

from analysis import comparisons, data
from analysis.errors import UserError
from analysis.params import Params, check_params


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
