# Sourced by abra: versions of configs and entrypoints the compose files name.
export LOOKALIKE_ENTRYPOINT_VERSION=v1
