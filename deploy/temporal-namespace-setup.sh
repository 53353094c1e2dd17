#!/bin/sh
# One-shot job run in the temporalio/admin-tools image after the Temporal server is up:
# creates the namespace the app uses (if missing) and registers Metagov's custom search
# attributes on it. Idempotent: re-running it changes nothing.
#
# The temporal CLI reads TEMPORAL_ADDRESS (set in docker-compose.yml) for --address.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_NAMESPACE_RETENTION:=72h}"
export TEMPORAL_ADDRESS

# Retries a command up to $1 times, 3 s apart.
retry() {
  max="$1"
  shift
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "${n}" -ge "${max}" ]; then
      echo "Giving up after ${max} attempts: $*" >&2
      return 1
    fi
    sleep 3
  done
}

echo "Waiting for the Temporal server at ${TEMPORAL_ADDRESS}..."
retry 60 temporal operator cluster health

# Describe and create are retried together: if a create went through but its reply was lost (or
# another run created the namespace meanwhile), the next round's describe finds it, instead of the
# job failing on "already exists".
ensure_namespace() {
  if temporal operator namespace describe --namespace "${TEMPORAL_NAMESPACE}" >/dev/null 2>&1; then
    echo "Namespace '${TEMPORAL_NAMESPACE}' exists"
    return 0
  fi
  echo "Creating namespace '${TEMPORAL_NAMESPACE}' (retention ${TEMPORAL_NAMESPACE_RETENTION})"
  temporal operator namespace create \
    --namespace "${TEMPORAL_NAMESPACE}" \
    --retention "${TEMPORAL_NAMESPACE_RETENTION}"
}
retry 20 ensure_namespace

# With SQL visibility, custom search attributes belong to a namespace; the server's namespace
# cache may take a few seconds to see a namespace just created, hence the retries.
# Adding an attribute that already exists with the same type is a no-op.
echo "Registering search attributes on '${TEMPORAL_NAMESPACE}'"
retry 20 temporal operator search-attribute create \
  --namespace "${TEMPORAL_NAMESPACE}" \
  --name MetagovCommunity --type Keyword \
  --name MetagovProcess --type Keyword \
  --name MetagovStatus --type Keyword

temporal operator search-attribute list --namespace "${TEMPORAL_NAMESPACE}"
echo "Temporal namespace setup complete"
