"""The export's part sizes: S3 takes at most 10,000 parts of 5 MiB to 5 GiB (all but the
last), and an object of up to 5 TiB; fixed 8 MiB parts would end a file near 80 GB."""

from __future__ import annotations

from function.aws.multipart import MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES, part_bytes

MiB, GiB, TiB = 1024**2, 1024**3, 1024**4


def test_the_first_thousand_parts_are_8_mib() -> None:
    assert part_bytes(1) == part_bytes(1000) == 8 * MiB


def test_parts_grow_after_the_first_thousand() -> None:
    assert part_bytes(1001) == 16 * MiB
    assert part_bytes(2001) == 32 * MiB
    sizes = [part_bytes(n) for n in range(1, MAX_PARTS + 1)]
    assert sizes == sorted(sizes)


def test_every_part_is_within_s3s_bounds_with_room_for_a_batch_past_it() -> None:
    assert (5 * MiB, 5 * GiB, 10_000) == (MIN_PART_BYTES, MAX_PART_BYTES, MAX_PARTS)
    sizes = [part_bytes(n) for n in range(1, MAX_PARTS + 1)]
    assert min(sizes) >= MIN_PART_BYTES
    # A part is sent once a batch of rows takes it past its size: a GiB of room is left.
    assert part_bytes(MAX_PARTS) == max(sizes) == 4 * GiB <= MAX_PART_BYTES - GiB


def test_ten_thousand_parts_hold_s3s_largest_object() -> None:
    assert sum(part_bytes(n) for n in range(1, MAX_PARTS + 1)) >= 5 * TiB
    assert sum(part_bytes(n) for n in range(1, 1001)) < 80 * 10**9  # where 8 MiB parts ended
