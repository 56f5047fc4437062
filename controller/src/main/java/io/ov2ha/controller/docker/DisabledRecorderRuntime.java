package io.ov2ha.controller.docker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The runtime when failover is disabled ({@code HA_FAILOVER_ENABLED=false}): every call refuses. */
final class DisabledRecorderRuntime implements RecorderRuntime {

	static final String REASON = "failover is disabled (HA_FAILOVER_ENABLED=false)";

	private final String endpoint;

	DisabledRecorderRuntime(String endpoint) {
		this.endpoint = endpoint;
	}

	private static RecorderRuntimeException disabled() {
		return new RecorderRuntimeException(RecorderRuntimeException.Kind.UNAVAILABLE, REASON, null);
	}

	@Override
	public RuntimeStatus status() {
		return new RuntimeStatus(false, endpoint, "", "", REASON, Instant.now(), false, "");
	}

	@Override
	public boolean imagePresent(String image) {
		throw disabled();
	}

	@Override
	public String startBackup(BackupSpec spec) {
		throw disabled();
	}

	@Override
	public void rename(String containerId, String newName) {
		throw disabled();
	}

	@Override
	public void copyFiles(String containerId, String folder, Map<String, byte[]> files) {
		throw disabled();
	}

	@Override
	public boolean hasFile(String containerId, String path) {
		throw disabled();
	}

	@Override
	public Optional<RecorderContainer> inspect(String containerId) {
		throw disabled();
	}

	@Override
	public Optional<RecorderContainer> inspectByExactName(String name) {
		throw disabled();
	}

	@Override
	public List<RecorderContainer> listByLabels(Map<String, String> labels) {
		throw disabled();
	}

	@Override
	public StopResult stopGracefully(String containerId, Duration timeout) {
		throw disabled();
	}

	@Override
	public boolean kill(String containerId) {
		throw disabled();
	}

	@Override
	public boolean remove(String containerId) {
		throw disabled();
	}

	@Override
	public AutoCloseable subscribe(RuntimeEventListener listener) {
		return () -> {
		};
	}

}
