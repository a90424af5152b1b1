"""Per-model code rules (data) and the pure checker: each vendor constraint of seed 003's
notes, with Hypothesis over codes and names."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.codes import (
    GSM7_BASIC,
    MODELS_PATH,
    NoCodeFits,
    check_code,
    check_name,
    choose_code,
    code_fits,
    load_models,
    model_named,
    shipped_models,
)
from engine.errors import InvalidInputError

FAST = settings(max_examples=150, deadline=None)
codes = st.text(alphabet="0123456789", min_size=4, max_size=8)


def rules(code: str, model: str, others: list[str] | None = None) -> set[str]:
    return {v.rule for v in check_code(code, model_named(model), others or [])}


def test_every_shipped_model_loads_with_100_or_200_codes() -> None:
    models = shipped_models()
    assert {"nuki_keypad", "schlage_encode", "brivo_keypad", "tedee_keypad"} <= set(models)
    assert {m.max_codes for m in models.values()} == {100, 200}


def test_nuki_codes_have_no_zero_and_do_not_start_with_12() -> None:
    assert rules("123456", "nuki_keypad") == {"forbidden_prefix"}
    assert rules("345605", "nuki_keypad") == {"digits"}
    assert rules("34567", "nuki_keypad") == {"length"}
    assert rules("345678", "nuki_keypad") == set()


def test_schlage_codes_differ_in_their_first_four_digits() -> None:
    assert rules("482915", "schlage_encode", ["4829"]) == {"unique_prefix"}
    assert rules("482915", "schlage_encode", ["4828"]) == set()


def test_brivo_refuses_a_digit_three_times_in_a_row_and_tedee_runs_and_few_digits() -> None:
    assert rules("517772", "brivo_keypad") == {"triple_repeat"}
    assert rules("123456", "tedee_keypad") == {"sequence"}
    assert rules("654321", "tedee_keypad") == {"sequence"}
    assert rules("121212", "tedee_keypad") == {"min_distinct"}
    assert rules("111111", "generic_keypad") == {"all_same"}


def test_names_length_unique_and_gsm() -> None:
    nuki = model_named("nuki_keypad")
    assert {v.rule for v in check_name("A" * 21, nuki)} == {"name_length"}
    assert {v.rule for v in check_name("Ann (2)", nuki)} == {"name_charset"}
    assert {v.rule for v in check_name("Zoë ✓", nuki)} == {"name_charset"}
    assert {v.rule for v in check_name("ann", nuki, ["Ann"])} == {"name_unique"}
    assert check_name("Ann Lee", nuki, ["Bob"]) == []


@FAST
@given(code=codes, model=st.sampled_from(sorted(shipped_models())))
def test_the_checker_agrees_with_each_rule_read_directly(code: str, model: str) -> None:
    m = model_named(model)
    found = rules(code, model)
    assert ("length" in found) == (len(code) not in m.lengths)
    assert ("digits" in found) == any(c not in m.digits for c in code)
    assert ("all_same" in found) == (m.no_all_same and len(set(code)) == 1)
    triple = any(code[i] * 3 == code[i : i + 3] for i in range(len(code) - 2))
    assert ("triple_repeat" in found) == (m.no_triple_repeat and triple)
    assert ("forbidden_prefix" in found) == any(code.startswith(p) for p in m.forbidden_prefixes)


@FAST
@given(name=st.text(max_size=40))
def test_a_name_passes_only_in_the_gsm_alphabet_without_parentheses(name: str) -> None:
    found = {v.rule for v in check_name(name, model_named("generic_keypad"))}
    gsm = all(c in GSM7_BASIC and c not in "()" for c in name)
    assert ("name_charset" in found) == (not gsm)


@FAST
@given(
    chosen=st.lists(st.sampled_from(sorted(shipped_models())), min_size=1, max_size=3),
    taken=st.lists(codes, max_size=20),
    phone=st.none() | st.text(alphabet="0123456789+ ", max_size=14),
    seed=st.integers(0, 1000),
)
def test_a_chosen_code_fits_every_model_and_collides_with_nothing(
    chosen: list[str], taken: list[str], phone: str | None, seed: int
) -> None:
    models = [model_named(m) for m in chosen]
    try:
        code, source = choose_code(models, taken, random.Random(seed), phone=phone)
    except NoCodeFits:
        assert len(set.intersection(*(set(m.lengths) for m in models))) == 0
        return
    assert code_fits(code, models, taken)
    if source == "phone":
        assert phone is not None and "".join(c for c in phone if c.isdigit()).endswith(code)


def test_phone_digits_are_used_unless_they_break_a_rule_or_collide() -> None:
    nuki = [model_named("nuki_keypad")]
    rng = random.Random(1)
    assert choose_code(nuki, [], rng, phone="+1 555 384 756") == ("384756", "phone")
    assert choose_code(nuki, [], rng, phone="+1 555 384 750")[1] == "random"  # a zero
    assert choose_code(nuki, ["384756"], rng, phone="+1 555 384 756")[1] == "random"


def test_a_bad_rules_file_names_the_model_and_field() -> None:
    shipped = MODELS_PATH.read_text()
    with pytest.raises(InvalidInputError, match=r"f\.yaml:\d+: model `x` field `max_codes`"):
        load_models(shipped + "  x: {max_codes: -1}\n", "f.yaml")
    with pytest.raises(InvalidInputError, match="model `x` lacks field `default_length`"):
        load_models("defaults: {}\nmodels:\n  x: {}\n", "f.yaml")
