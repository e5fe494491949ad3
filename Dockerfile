# The container route: `docker build -t cognito-route-auditor .` then
# `docker run --rm cognito-route-auditor rules` (README, "In a container").
# Production install only: no test tools, no moto (demo and emulator stay outside the image).

FROM python:3.11-slim AS build
WORKDIR /src
# What the wheel is built from: the package, the rule catalog it bundles, and the metadata
# (pyproject.toml names README.md as the long description).
COPY pyproject.toml README.md ./
COPY auditor/ auditor/
COPY rules/ rules/
RUN pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/auditor
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --create-home --home-dir /home/auditor --uid 10001 auditor
# HOME is fixed so that `--user "$(id -u):$(id -g)"` still finds a mounted ~/.aws there.
USER auditor
WORKDIR /home/auditor
ENTRYPOINT ["auditor"]
CMD ["--help"]
