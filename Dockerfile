# The image a JupyterHub (DockerSpawner, KubeSpawner) or a BinderHub (repo2docker reads this
# file) starts for each learner: Rust, the venv (JupyterLab, jupyterhub-singleuser, torch
# 2.4.0), evcxr_jupyter, the "Rust (ai4med)" kernelspec, the exercise notebooks and a warm
# kernel build, so that a learner's first kernel loads the crate in seconds instead of
# compiling it and its dependencies for minutes. `make image` builds it with podman and runs
# one notebook inside (tools/container.sh); environment.md ("Serving a class") has a
# JupyterHub configuration that uses it and what a class of 100 needs.
#
# BASE is the official Rust image; any Debian bookworm image with Rust 1.95 or newer on the
# PATH will do (tools/container.sh makes one from Debian's packages where Docker Hub is out of
# reach).
ARG BASE=docker.io/library/rust:1.95-slim-bookworm
FROM ${BASE}

ARG NB_USER=jovyan
ARG NB_UID=1000
# 1 keeps the solution notebooks in the image (a public Binder); a class image leaves them out.
ARG AI4MED_SOLUTIONS=0
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates gcc g++ libc6-dev make procps python3 python3-venv util-linux \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid "${NB_UID}" --shell /bin/bash "${NB_USER}" \
 && mkdir -p /opt/ai4med /opt/ai4med-cache \
 && chown -R "${NB_UID}" /opt/ai4med /opt/ai4med-cache "${CARGO_HOME:-/usr/local/cargo}"

# Everything heavy lives in AI4MED_CACHE, owned by the learner's user: the kernel writes its
# compiled cells into the build slots there.
ENV AI4MED_ROOT=/opt/ai4med \
    AI4MED_CACHE=/opt/ai4med-cache \
    PATH=/opt/ai4med-cache/venv/bin:/opt/ai4med-cache/tools/bin:${PATH} \
    JUPYTER_PREFER_ENV_PATH=1

COPY --chown=${NB_UID} . /opt/ai4med
USER ${NB_USER}
WORKDIR /opt/ai4med
RUN bash container/setup.sh

WORKDIR /home/${NB_USER}
EXPOSE 8888
# The entry point copies the exercises into the learner's home on first start (a JupyterHub
# usually mounts a fresh volume there), then runs the command: JupyterLab by default,
# `jupyterhub-singleuser` when a JupyterHub spawner starts it.
ENTRYPOINT ["/opt/ai4med/container/start"]
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser"]
