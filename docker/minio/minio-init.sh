#!/bin/sh
# One-shot init job of the bundled MinIO (runs in the minio/mc image, POSIX sh):
#   - the chunk bucket, private (no anonymous access);
#   - the controller's user: read, write, list and delete in that bucket;
#   - the recorders' user: write and read back objects under the chunk prefix only, and list
#     names under that prefix; nothing else.
# Idempotent: run at every start; changed secrets in .env are applied again.
# The root credentials travel in MC_HOST_ov2ha (environment), never on a command line.
set -eu

: "${MINIO_URL:=http://minio:9000}"
ALIAS=ov2ha

fail() {
	echo "event=minio_init.failed reason=\"$*\"" >&2
	exit 1
}

require() {
	for name in "$@"; do
		eval "value=\${$name:-}"
		[ -n "$value" ] || fail "$name is empty in docker/.env"
	done
}

# policy_attach POLICY USER: attach, tolerating "already attached".
policy_attach() {
	if ! out=$(mc admin policy attach "$ALIAS" "$1" --user "$2" 2>&1); then
		case $out in
		*already*) ;;
		*) fail "attaching policy $1 to $2: $out" ;;
		esac
	fi
}

main() {
	require MINIO_ROOT_USER MINIO_ROOT_PASSWORD HA_S3_BUCKET HA_S3_ACCESS_KEY HA_S3_SECRET_KEY \
		HA_RECORDER_S3_ACCESS_KEY HA_RECORDER_S3_SECRET_KEY
	[ "$HA_S3_ACCESS_KEY" != "$HA_RECORDER_S3_ACCESS_KEY" ] ||
		fail "HA_S3_ACCESS_KEY and HA_RECORDER_S3_ACCESS_KEY must differ (two users, two policies)"
	prefix=${HA_S3_PREFIX:-}
	scheme=${MINIO_URL%%://*}
	hostport=${MINIO_URL#*://}
	export MC_HOST_ov2ha="${scheme}://${MINIO_ROOT_USER}:${MINIO_ROOT_PASSWORD}@${hostport}"

	tries=0
	until mc ready "$ALIAS" >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ "$tries" -lt 60 ] || fail "MinIO at $MINIO_URL not ready after 60 s"
		sleep 1
	done

	mc mb --ignore-existing "$ALIAS/$HA_S3_BUCKET" >/dev/null
	mc anonymous set none "$ALIAS/$HA_S3_BUCKET" >/dev/null

	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	cat >"$work/controller.json" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": ["arn:aws:s3:::${HA_S3_BUCKET}"]},
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::${HA_S3_BUCKET}/*"]}
  ]
}
JSON
	cat >"$work/recorder.json" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:ListBucket"],
     "Resource": ["arn:aws:s3:::${HA_S3_BUCKET}"],
     "Condition": {"StringLike": {"s3:prefix": ["${prefix}*"]}}},
    {"Effect": "Allow",
     "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::${HA_S3_BUCKET}/${prefix}*"]}
  ]
}
JSON
	mc admin policy create "$ALIAS" ov2ha-controller "$work/controller.json" >/dev/null
	mc admin policy create "$ALIAS" ov2ha-recorder "$work/recorder.json" >/dev/null
	# `user add` on an existing user updates its secret (a changed .env takes effect).
	mc admin user add "$ALIAS" "$HA_S3_ACCESS_KEY" "$HA_S3_SECRET_KEY" >/dev/null
	mc admin user add "$ALIAS" "$HA_RECORDER_S3_ACCESS_KEY" "$HA_RECORDER_S3_SECRET_KEY" >/dev/null
	policy_attach ov2ha-controller "$HA_S3_ACCESS_KEY"
	policy_attach ov2ha-recorder "$HA_RECORDER_S3_ACCESS_KEY"
	echo "event=minio_init.done bucket=$HA_S3_BUCKET prefix=${prefix:-<none>} anonymous=none"
}

main "$@"
