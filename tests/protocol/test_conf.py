"""Protocol settings: one typed object; a wrong key or value fails naming the key."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from protocol.conf import ProtocolSettings, build_protocol_settings, protocol_settings


def test_with_no_overrides_the_settings_are_the_protocols_defaults():
    settings = build_protocol_settings({})
    assert settings == ProtocolSettings()
    assert (settings.return_interview_hours, settings.risk_assessment_red_hours) == (72, 4)
    assert (settings.repeat_episode_count, settings.repeat_window_days) == (3, 90)
    assert settings.return_interview_scope == "every_episode"


def test_protocol_settings_reads_django_settings_on_every_call(settings):
    settings.PROTOCOL = {"return_interview_hours": 48}
    assert protocol_settings().return_interview_hours == 48
    settings.PROTOCOL = {}
    assert protocol_settings().return_interview_hours == 72


def test_an_hours_setting_accepts_a_fraction_even_though_its_default_is_whole():
    assert (
        build_protocol_settings({"risk_assessment_red_hours": 4.5}).risk_assessment_red_hours == 4.5
    )


def test_an_hours_setting_accepts_a_whole_number():
    hours = build_protocol_settings({"return_interview_hours": 48}).return_interview_hours
    assert hours == 48
    assert isinstance(hours, float)


def test_an_unknown_key_is_refused_naming_it():
    with pytest.raises(ImproperlyConfigured, match="unknown settings: return_interview_days"):
        build_protocol_settings({"return_interview_days": 3})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("return_interview_hours", "72", "'return_interview_hours'] must be a number"),
        ("return_interview_hours", True, "'return_interview_hours'] must be a number"),
        ("panel_referral_days", 7.5, "'panel_referral_days'] must be a whole number"),
        ("repeat_episode_count", "3", "'repeat_episode_count'] must be a whole number"),
        ("repeat_episode_count", False, "'repeat_episode_count'] must be a whole number"),
        ("return_interview_scope", 1, "'return_interview_scope'] must be text"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(key, value, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("[", r"\[")):
        build_protocol_settings({key: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("return_interview_hours", 0),
        ("return_interview_hours", -72),
        ("return_interview_hours", float("inf")),
        ("return_interview_hours", float("nan")),
        ("strategy_review_days", 0),
    ],
)
def test_a_window_that_is_not_a_positive_number_is_refused_naming_the_key(key, value):
    with pytest.raises(ImproperlyConfigured, match=f"'{key}'.* must be positive"):
        build_protocol_settings({key: value})


def test_return_interview_scope_is_every_episode_or_criteria():
    assert build_protocol_settings(
        {"return_interview_scope": "criteria"}
    ).return_interview_scope == ("criteria")
    with pytest.raises(ImproperlyConfigured, match="return_interview_scope.*'every_episode' or"):
        build_protocol_settings({"return_interview_scope": "some"})


@pytest.mark.parametrize("value", [0, 1, 1.5])
def test_the_due_soon_fraction_is_strictly_between_0_and_1(value):
    with pytest.raises(ImproperlyConfigured, match="due_soon_fraction"):
        build_protocol_settings({"due_soon_fraction": value})
    assert build_protocol_settings({"due_soon_fraction": 0.5}).due_soon_fraction == 0.5


@pytest.mark.parametrize(("level", "accepted"), [(1, True), (4, True), (5, False)])
def test_the_mash_threshold_minimum_is_a_threshold_level_1_to_4(level, accepted):
    if accepted:
        assert (
            build_protocol_settings(
                {"mash_threshold_minimum_level": level}
            ).mash_threshold_minimum_level
            == level
        )
    else:
        with pytest.raises(ImproperlyConfigured, match="mash_threshold_minimum_level"):
            build_protocol_settings({"mash_threshold_minimum_level": level})


def test_a_protocol_setting_that_is_not_a_mapping_is_refused(settings):
    settings.PROTOCOL = [("return_interview_hours", 48)]
    with pytest.raises(ImproperlyConfigured, match="PROTOCOL must be a mapping"):
        protocol_settings()


def test_a_bad_django_setting_fails_when_read_naming_the_key(settings):
    settings.PROTOCOL = {"return_interview_hours": "seventy-two"}
    with pytest.raises(ImproperlyConfigured, match="return_interview_hours"):
        protocol_settings()


def test_every_number_of_the_protocol_is_a_setting():
    names = {field.name for field in dataclasses.fields(ProtocolSettings)}
    for rule_number in (
        "risk_assessment_red_hours",
        "risk_assessment_amber_hours",
        "risk_assessment_green_hours",
        "risk_assessment_unrated_hours",
        "absent_review_hours",
        "manager_escalation_hours",
        "strategy_meeting_missing_hours",
        "strategy_meeting_after_missing_hours",
        "repeat_episode_count",
        "repeat_window_days",
        "strategy_meeting_repeat_days",
        "strategy_discussion_missing_hours",
        "strategy_discussion_within_hours",
        "strategy_review_days",
        "mash_threshold_episode_count",
        "mash_threshold_window_months",
        "mash_threshold_minimum_level",
        "safe_and_well_check_hours",
        "return_interview_hours",
        "panel_referral_days",
        "senior_review_months",
        "home_office_notice_hours",
        "police_report_check_hours",
        "host_authority_sight_days",
    ):
        assert rule_number in names
