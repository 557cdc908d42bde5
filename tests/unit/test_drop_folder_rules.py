"""The drop folder's key rule, the sequencer order of S3 events, and the worker's byte budget."""

from __future__ import annotations

import json
import threading
import time

import pytest

from function.aws.s3 import ImageStore
from function.jobs.byte_budget import ByteBudget, OutOfTime, budget_bytes
from function.jobs.messages import SEQUENCER_WIDTH, parse_body, sequencer_order
from function.shared import errors
from function.shared.settings import Settings

DROPS = ImageStore("b", "incoming/", 100, strict=False)
UPLOADS = ImageStore("b", "uploads/", 100)


@pytest.mark.parametrize(
    "key",
    [
        "incoming/Final..v2.png",
        "incoming/a//b.jpg",
        "incoming/../../etc/passwd",
        "incoming/Фото.jpg",
        "incoming/写真 1+2.jpg",
        "incoming/tab\there",
        "incoming/" + "a" * 1015,  # 1024 bytes
        "incoming/" + "€" * 338 + "a",  # 9 + 1014 + 1 = 1024 bytes
    ],
)
def test_a_drop_folder_key_is_any_s3_name_under_the_prefix(key: str) -> None:
    assert DROPS.check_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "incoming/" + "a" * 1016,  # 1025 bytes
        "incoming/" + "€" * 339,  # 339 characters, 1026 bytes
        "incoming/",
        "uploads/x.jpg",
        "Incoming/x.jpg",
    ],
)
def test_only_what_cannot_be_a_key_there_is_refused(key: str) -> None:
    with pytest.raises(errors.InvalidS3Key):
        DROPS.check_key(key)


@pytest.mark.parametrize("key", ["uploads/a..b", "uploads/a//b", "uploads/Фото", "uploads/a b"])
def test_upload_keys_keep_the_strict_rule(key: str) -> None:
    with pytest.raises(errors.InvalidS3Key):
        UPLOADS.check_key(key)


def test_sequencers_compare_as_s3_documents_left_padded_then_lexicographic() -> None:
    older, newer = sequencer_order("9F1B2C3D4E5F6789"), sequencer_order("00A01B2C3D4E5F678901")
    assert older is not None
    assert newer is not None
    assert "9F1B2C3D4E5F6789" > "00A01B2C3D4E5F678901"  # as plain text the order is wrong
    assert older < newer
    assert sequencer_order("0055aed6dcd90281e5") == sequencer_order("0055AED6DCD90281E5")
    assert len(older) == SEQUENCER_WIDTH


@pytest.mark.parametrize("value", [None, "", "xyz", "0x1F", " 1F", "1_F", 17, "F" * 65])
def test_a_missing_or_odd_sequencer_orders_nothing(value: object) -> None:
    assert sequencer_order(value) is None


def test_s3_records_carry_their_sequencer() -> None:
    record = {"s3": {"bucket": {"name": "b"}, "object": {"key": "incoming/a+b", "sequencer": "0A"}}}
    body = json.dumps({"Records": [record]})
    [item] = parse_body(body)
    assert (item.s3_key, item.sequencer) == ("incoming/a b", "0" * (SEQUENCER_WIDTH - 2) + "0A")


def test_the_budget_fits_the_largest_object_and_a_quarter_of_memory(tmp_path) -> None:
    settings = Settings(model_dir=tmp_path, max_upload_bytes=200_000_000)
    assert budget_bytes(settings, 1024) == 268_435_456  # a quarter of 1024 MB
    assert budget_bytes(settings, 512) == 200_000_000  # never less than one object


def test_a_read_waits_until_bytes_are_given_back() -> None:
    budget = ByteBudget(100, time.monotonic() + 10)
    budget.acquire(60)
    waited = threading.Event()

    def second() -> None:
        budget.acquire(60)
        waited.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not waited.wait(0.2)  # 120 would not fit
    budget.release(60)
    assert waited.wait(5)
    thread.join()
    assert budget.peak == 60


def test_one_object_larger_than_the_budget_still_goes_alone() -> None:
    budget = ByteBudget(100, time.monotonic() + 10)
    budget.acquire(500)
    assert budget.used == 500


def test_waiting_ends_at_the_deadline() -> None:
    budget = ByteBudget(100, time.monotonic() + 0.2)
    budget.acquire(80)
    started = time.monotonic()
    with pytest.raises(OutOfTime):
        budget.acquire(80)
    assert time.monotonic() - started < 2
