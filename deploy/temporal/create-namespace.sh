#!/bin/sh
# Runs after the Temporal frontend is healthy: creates the namespace the worker uses and registers
# the custom search attributes the measure workflows write. Idempotent: what exists is left alone.
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must name the Temporal frontend}"
namespace="${NAMESPACE:-default}"
retention="${RETENTION:-90d}"
# name=type, as in src/workflows/search-attributes.ts (test/deploy.test.ts keeps the two lists equal).
search_attributes="RemediationProgram=Keyword RemediationMeasure=Keyword RemediationStatus=Keyword RemediationOwner=Keyword RemediationNextDue=Datetime"

attempt=0
until temporal operator cluster health >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 60 ]; then
    echo "Temporal at $TEMPORAL_ADDRESS did not answer within two minutes" >&2
    exit 1
  fi
  sleep 2
done

if ! temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  temporal operator namespace create --namespace "$namespace" --retention "$retention"
fi

for pair in $search_attributes; do
  name=${pair%%=*}
  type=${pair#*=}
  if ! temporal operator search-attribute list --namespace "$namespace" | grep -qw "$name"; then
    temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "$type"
  fi
done
echo "namespace $namespace ready, search attributes registered"
