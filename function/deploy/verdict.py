"""Succeeded or Failed: the new version's answers against the golden set.

Every golden image must come back 200, with the recorded top-1 (class index AND label: a
labels file in the wrong order keeps the index and changes the name), from the model version
the build recorded. 100% agreement, no tolerance: the build kept only images whose lead
survives int8 and another engine's rounding (modelbuild/golden.py), so a flip is a fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from function.deploy.answers import Answer
from function.deploy.golden_set import GoldenImage, GoldenSet

REQUIRED_AGREEMENT = 1.0


@dataclass(frozen=True)
class Verdict:
    problems: tuple[str, ...]
    agreement: float  # share of golden images answered 200 with the recorded top-1

    @property
    def status(self) -> str:
        return "Failed" if self.problems else "Succeeded"


def judge(golden: GoldenSet, answers: list[Answer]) -> Verdict:
    if len(answers) != len(golden.images):
        return Verdict((f"{len(answers)} answers for {len(golden.images)} golden images",), 0.0)
    pairs = list(zip(golden.images, answers, strict=True))
    problems = [found for pair in pairs for found in _problems(*pair, golden.model_version)]
    agreement = sum(_agrees(image, answer) for image, answer in pairs) / len(pairs)
    if agreement < REQUIRED_AGREEMENT:
        problems.append(f"top-1 agreement {agreement:.0%}, required {REQUIRED_AGREEMENT:.0%}")
    return Verdict(tuple(problems), agreement)


def _agrees(image: GoldenImage, answer: Answer) -> bool:
    answered = answer.status == 200 and answer.problem is None
    return answered and (answer.index, answer.label) == (image.index, image.label)


def _problems(image: GoldenImage, answer: Answer, version: str) -> list[str]:
    name = image.name
    if answer.status != 200 or answer.problem is not None:
        return [f"{name}: {answer.problem or f'HTTP {answer.status}'}"]
    found = []
    if answer.model_version != version:
        found.append(f"{name}: model version {answer.model_version}, the build recorded {version}")
    if (answer.index, answer.label) != (image.index, image.label):
        found.append(
            f"{name}: top-1 {answer.label!r} (#{answer.index}), expected {image.label!r} "
            f"(#{image.index}, lead {image.margin:.3g} nats)"
        )
    return found
