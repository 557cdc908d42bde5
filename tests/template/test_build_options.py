"""`make model` and the Dockerfile's builder stage pass every custom-model option to the
export, under the names the README gives (checked statically: no Docker engine here)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

from cfn import REPO
from test_dockerfile import stages

from modelbuild.export import _parser

CUSTOM_MODEL_ARGS = (
    "ARCH",
    "LABELS",
    "EVAL_DIR",
    "MAX_ACCURACY_DROP",
    "RESIZE",
    "CROP",
    "MEAN",
    "STD",
)
CUSTOM_BUILD = {
    "WEIGHTS": "build-inputs/ckpt.pt",
    "LABELS": "build-inputs/labels.txt",
    "ARCH": "resnet50",
    "CALIBRATION_DIR": "build-inputs/photos",
    "EVAL_DIR": "build-inputs/holdout",
    "MAX_ACCURACY_DROP": "1.5",
    "RESIZE": "160",
    "CROP": "128",
    "MEAN": "0.5,0.5,0.5",
    "STD": "0.25,0.25,0.25",
}


def export_arguments(command: str, values: dict[str, str]) -> list[str]:
    """The export's argv from a shell command line, with ${VAR:+...} expanded as sh does."""
    command = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m[1], ""), command)
    command = re.sub(r"\$\{(\w+):\+([^}]*)\}", lambda m: m[2] if values.get(m[1]) else "", command)
    words = shlex.split(command)
    return words[words.index("modelbuild.export") + 1 :]


def assert_custom_build(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    assert args.weights == CUSTOM_BUILD["WEIGHTS"]
    assert str(args.labels) == CUSTOM_BUILD["LABELS"]
    assert args.arch == "resnet50"
    assert str(args.calibration_dir) == CUSTOM_BUILD["CALIBRATION_DIR"]
    assert str(args.eval_dir) == CUSTOM_BUILD["EVAL_DIR"]
    assert args.max_accuracy_drop == 1.5
    assert (args.resize, args.crop) == (160, 128)
    assert (args.mean, args.std) == ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))


def dockerfile_export_command() -> str:
    builder = stages()[0]
    (command,) = [rest for keyword, rest in builder if keyword == "RUN" and "modelbuild" in rest]
    return command


def test_the_builder_stage_declares_every_custom_model_arg() -> None:
    declared = {rest.split("=")[0] for keyword, rest in stages()[0] if keyword == "ARG"}
    assert set(CUSTOM_MODEL_ARGS) <= declared


def builder_arg_defaults() -> dict[str, str]:
    """What Docker substitutes for a build arg nobody passed: its ARG line's default."""
    declared = [rest.partition("=") for keyword, rest in stages()[0] if keyword == "ARG"]
    return {name: default for name, _, default in declared}


def test_docker_build_args_reach_the_export() -> None:
    values = {**builder_arg_defaults(), **CUSTOM_BUILD}
    assert_custom_build(export_arguments(dockerfile_export_command(), values))


def test_docker_model_format_reaches_the_export() -> None:
    command = dockerfile_export_command()
    assert _parser().parse_args(export_arguments(command, builder_arg_defaults())).format == (
        "torchscript"
    )
    values = {**builder_arg_defaults(), "MODEL_FORMAT": "onnx"}
    assert _parser().parse_args(export_arguments(command, values)).format == "onnx"


def test_docker_defaults_build_the_imagenet_model() -> None:
    args = _parser().parse_args(
        export_arguments(dockerfile_export_command(), builder_arg_defaults())
    )
    assert (args.weights, args.arch, args.labels, args.eval_dir) == (
        "imagenet",
        "resnet18",
        None,
        None,
    )
    assert (args.resize, args.crop) == (256, 224)


def make_model_command(*assignments: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["make", "-n", "model", *assignments],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    joined = result.stdout.replace("\\\n", " ")
    (command,) = [line for line in joined.splitlines() if "modelbuild.export" in line]
    return command


def test_make_model_passes_every_option() -> None:
    command = make_model_command(*(f"{name}={value}" for name, value in CUSTOM_BUILD.items()))
    assert_custom_build(export_arguments(command, {}))


def test_make_model_defaults_are_unchanged() -> None:
    args = _parser().parse_args(export_arguments(make_model_command(), {}))
    assert (args.weights, args.arch, args.labels, args.eval_dir) == (
        "imagenet",
        "resnet18",
        None,
        None,
    )
    assert args.max_accuracy_drop == 2
    random = _parser().parse_args(export_arguments(make_model_command("WEIGHTS=random"), {}))
    assert random.weights == "random"


def test_generic_names_in_the_shell_environment_are_ignored() -> None:
    """ARCH=x86_64 is common in shells; `make model` must not turn it into --arch x86_64."""
    shell = {"ARCH": "x86_64", "MEAN": "3", "LABELS": "/etc/passwd", "CROP": "1"}
    args = _parser().parse_args(export_arguments(make_model_command(env=shell), {}))
    assert (args.arch, args.labels, args.mean, args.crop) == (
        "resnet18",
        None,
        (0.485, 0.456, 0.406),
        224,
    )
    explicit = make_model_command("ARCH=resnet34", env=shell)
    assert _parser().parse_args(export_arguments(explicit, {})).arch == "resnet34"
