# Lambda container image for the classifier. Two stages:
#   builder: CPU-only torch + torchvision, modelbuild/ exports the int8 TorchScript model to /build/model
#   runtime: CPU-only torch and the runtime requirements (no torchvision), code and model
# Build with `sam build` (template.yaml Metadata) or:
#   docker build --build-arg WEIGHTS=imagenet -t image-classifier .

# Lambda's Python 3.12+ base images run Amazon Linux 2023 (glibc 2.34); 3.11 and older run
# Amazon Linux 2 (glibc 2.26), which cannot install torch 2.14's manylinux_2_28 wheels.
# 3.13, not 3.14: torch 2.14 says TorchScript (jit.script/save/load) is unsupported on 3.14+.
# tests/template/test_image_installs.py proves every install of both stages from this line.
ARG PYTHON_VERSION=3.13
ARG TORCH_VERSION=2.14.1
ARG TORCHVISION_VERSION=0.29.1
# CPU-only wheels: PyPI's Linux x86_64 torch is a multi-GB CUDA build, useless on Lambda.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

FROM public.ecr.aws/lambda/python:${PYTHON_VERSION} AS builder
ARG TORCH_VERSION
ARG TORCHVISION_VERSION
ARG TORCH_INDEX_URL
# imagenet | random (NOT for production) | a path under build-inputs/
ARG WEIGHTS=imagenet
# Empty: pick from the build platform (x86 on x86_64, qnnpack on arm64).
ARG QUANT_BACKEND=
ARG CALIBRATION_DIR=
WORKDIR /build
COPY requirements.txt ./
RUN pip install --no-cache-dir --index-url ${TORCH_INDEX_URL} \
        torch==${TORCH_VERSION} torchvision==${TORCHVISION_VERSION} \
    && pip install --no-cache-dir -r requirements.txt
COPY function/ function/
COPY modelbuild/ modelbuild/
COPY build-inputs/ build-inputs/
RUN python -m modelbuild.export --out /build/model --weights "${WEIGHTS}" \
        ${QUANT_BACKEND:+--backend "${QUANT_BACKEND}"} \
        ${CALIBRATION_DIR:+--calibration-dir "${CALIBRATION_DIR}"}

FROM public.ecr.aws/lambda/python:${PYTHON_VERSION} AS runtime
ARG TORCH_VERSION
ARG TORCH_INDEX_URL
COPY requirements.txt ./
RUN pip install --no-cache-dir --index-url ${TORCH_INDEX_URL} torch==${TORCH_VERSION} \
    && pip install --no-cache-dir -r requirements.txt \
    && rm requirements.txt
COPY function/ ${LAMBDA_TASK_ROOT}/function/
COPY --from=builder /build/model/ ${LAMBDA_TASK_ROOT}/model/
# modelbuild/ (export, calibration; needs torchvision) is copied into the builder stage only.
# Byte-compile now because the Lambda filesystem is read-only and compiling costs every cold start.
RUN python -m compileall -q ${LAMBDA_TASK_ROOT}/function
ENV MODEL_DIR=${LAMBDA_TASK_ROOT}/model
# torch 2.14 prints a C++ deprecation warning for quantized tensors on every model load;
# keep stderr (and so CloudWatch) for real errors.
ENV TORCH_CPP_LOG_LEVEL=ERROR
CMD ["function.handler.handler"]
