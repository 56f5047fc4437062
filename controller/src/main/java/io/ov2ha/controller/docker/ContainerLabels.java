package io.ov2ha.controller.docker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import io.ov2ha.controller.kernel.RecordingId;

/**
 * The labels and names of backup recorders. Every backup carries all of these labels, so any
 * controller can find it again after a restart by label alone.
 *
 * <pre>
 * io.ov2ha.managed=true                 started by an OV2 HA controller
 * io.ov2ha.role=backup
 * io.ov2ha.recording-id=&lt;id&gt;
 * io.ov2ha.recording-created-at=&lt;ms&gt;    with the id: the unique recording (OpenVidu reuses ids)
 * io.ov2ha.epoch=&lt;epoch&gt;
 * io.ov2ha.controller=&lt;controller id&gt;  the controller that started it
 * </pre>
 *
 * The name is {@code ov2ha-backup-<id with ~ as _>-e<epoch>}: it never equals nor starts with
 * OpenVidu's {@code recording_<id>}, so OpenVidu's name clashes cannot happen.
 *
 * <p>
 * A warm standby recorder carries {@code io.ov2ha.managed=true}, {@code io.ov2ha.role=standby},
 * {@code io.ov2ha.standby-resolution=<WxH>} and the controller label, and is named
 * {@code ov2ha-standby-<12 hex>} while it waits. Labels cannot change after creation: a standby
 * handed a recording takes that recording's backup name instead, so its name tells whether it
 * is still free.
 */
public final class ContainerLabels {

	public static final String MANAGED = "io.ov2ha.managed";

	public static final String ROLE = "io.ov2ha.role";

	public static final String RECORDING_ID = "io.ov2ha.recording-id";

	public static final String RECORDING_CREATED_AT = "io.ov2ha.recording-created-at";

	public static final String EPOCH = "io.ov2ha.epoch";

	public static final String CONTROLLER = "io.ov2ha.controller";

	/**
	 * The image name a backup was started from ({@code HA_RECORDER_IMAGE}); the container itself
	 * is created from that image's id, which OpenVidu's startup cleanup cannot match.
	 */
	public static final String IMAGE = "io.ov2ha.image";

	public static final String ROLE_BACKUP = "backup";

	public static final String ROLE_STANDBY = "standby";

	public static final String STANDBY_RESOLUTION = "io.ov2ha.standby-resolution";

	/** The name of a standby that no recording was handed to yet starts with this. */
	public static final String STANDBY_NAME_PREFIX = "ov2ha-standby-";

	private static final Pattern DOCKER_ID = Pattern.compile("[0-9a-f]{64}");

	private ContainerLabels() {
	}

	public static Map<String, String> backup(RecordingId id, long createdAt, long epoch, String controllerId) {
		Map<String, String> labels = new LinkedHashMap<>();
		labels.put(MANAGED, "true");
		labels.put(ROLE, ROLE_BACKUP);
		labels.put(RECORDING_ID, id.value());
		labels.put(RECORDING_CREATED_AT, Long.toString(createdAt));
		labels.put(EPOCH, Long.toString(epoch));
		labels.put(CONTROLLER, controllerId);
		return labels;
	}

	public static Map<String, String> standby(String resolution, String controllerId) {
		Map<String, String> labels = new LinkedHashMap<>();
		labels.put(MANAGED, "true");
		labels.put(ROLE, ROLE_STANDBY);
		labels.put(STANDBY_RESOLUTION, resolution);
		labels.put(CONTROLLER, controllerId);
		return labels;
	}

	/**
	 * The labels that select the warm standby recorders (free or handed a recording) started from
	 * this recorder image ({@code HA_RECORDER_IMAGE}): a deployment never touches another's.
	 */
	public static Map<String, String> managedStandbys(String image) {
		return Map.of(MANAGED, "true", ROLE, ROLE_STANDBY, IMAGE, image);
	}

	/** The labels that select every backup recorder. */
	public static Map<String, String> managedBackups() {
		return Map.of(MANAGED, "true", ROLE, ROLE_BACKUP);
	}

	public static String backupName(RecordingId id, long epoch) {
		return "ov2ha-backup-" + id.value().replace('~', '_') + "-e" + epoch;
	}

	/** Whether the value is a complete Docker container id: the only form ever acted on. */
	public static boolean isExactId(String containerId) {
		return containerId != null && DOCKER_ID.matcher(containerId).matches();
	}

	/** The first 12 characters of an id, for logs. */
	public static String shortId(String containerId) {
		if (containerId == null) {
			return "";
		}
		return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
	}

}
