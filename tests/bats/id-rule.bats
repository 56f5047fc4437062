#!/usr/bin/env bats
# The recording id rule is checked on three sides of process boundaries: the controller (Java),
# the ops scripts (docker/lib/common.sh) and the recorder image (recorder-image/scripts/lib/config.sh).
# The controller's RecordingId is the reference; the two bash copies must say the same.

setup() {
	ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
	JAVA_RULE=$(sed -n 's/.*Pattern.compile("\(\[[^]]*\]\){1," + MAX_LENGTH + "}").*/\1/p' \
		"$ROOT/controller/src/main/java/io/ov2ha/controller/kernel/RecordingId.java")
	JAVA_MAX=$(sed -n 's/.*int MAX_LENGTH = \([0-9]*\);.*/\1/p' \
		"$ROOT/controller/src/main/java/io/ov2ha/controller/kernel/RecordingId.java")
	EXPECTED="^${JAVA_RULE}{1,${JAVA_MAX}}\$"
}

@test "the controller's rule is found" {
	[ "$JAVA_RULE" = '[A-Za-z0-9_~-]' ]
	[ "$JAVA_MAX" = 128 ]
}

@test "the ops scripts use the controller's rule" {
	grep -qF "[[ \$1 =~ ${EXPECTED} ]]" "$ROOT/docker/lib/common.sh"
}

@test "the recorder image uses the controller's rule" {
	grep -qF "[[ \$VIDEO_ID =~ ${EXPECTED} ]]" "$ROOT/recorder-image/scripts/lib/config.sh"
}
