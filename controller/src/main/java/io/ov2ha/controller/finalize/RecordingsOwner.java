package io.ov2ha.controller.finalize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import io.ov2ha.controller.config.HaProperties;

/**
 * The owner of the files the controller writes into OpenVidu's recordings folder (the final
 * MP4, {@code <id>.info}, {@code <id>.jpg}, {@code .recording.<id>}): {@code HA_RECORDINGS_OWNER}
 * ({@code uid:gid}, numeric), or by default the owner of the recordings folder itself, which
 * OpenVidu created. Without it the files would belong to the controller's own user (uid 10001 in
 * the image), which has no user on the host. Changing the owner needs CAP_CHOWN (the image's
 * entrypoint keeps it); a failure is logged once and leaves the file as it is: the recording
 * stays valid, only its owner differs.
 */
@Component
class RecordingsOwner {

	private static final Log LOG = LogFactory.getLog(RecordingsOwner.class);

	private static final Pattern UID_GID = Pattern.compile("(\\d{1,9}):(\\d{1,9})");

	/** A numeric owner. */
	record Owner(int uid, int gid) {

		@Override
		public String toString() {
			return uid + ":" + gid;
		}

	}

	/** What {@link #apply} did. */
	enum Outcome {

		CHANGED, UNCHANGED, SKIPPED, FAILED

	}

	private final Path root;

	private final Owner configured;

	private final AtomicBoolean warned = new AtomicBoolean();

	RecordingsOwner(HaProperties properties) {
		this.root = properties.recordingsDir();
		this.configured = parse(properties.storage().finalizer().recordingsOwner());
	}

	/** {@code uid:gid} as numbers (checked when the settings are bound); null for an empty value. */
	static Owner parse(String value) {
		if (!StringUtils.hasText(value)) {
			return null;
		}
		Matcher m = UID_GID.matcher(value.trim());
		if (!m.matches()) {
			throw new IllegalArgumentException("HA_RECORDINGS_OWNER is not uid:gid");
		}
		return new Owner(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
	}

	/** The owner files get: the configured one, else the recordings folder's; null if neither is known. */
	Owner owner() {
		if (configured != null) {
			return configured;
		}
		try {
			return new Owner((Integer) Files.getAttribute(root, "unix:uid"), (Integer) Files.getAttribute(root, "unix:gid"));
		}
		catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * Gives a regular file (never a link's target) the owner. Never throws: a failure is logged
	 * (once per process with the reason) and the file keeps its owner.
	 */
	Outcome apply(Path file) {
		Owner owner = owner();
		if (owner == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			return Outcome.SKIPPED;
		}
		try {
			int uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
			int gid = (Integer) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS);
			if (uid == owner.uid() && gid == owner.gid()) {
				return Outcome.UNCHANGED;
			}
			if (uid != owner.uid()) {
				Files.setAttribute(file, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
			}
			if (gid != owner.gid()) {
				Files.setAttribute(file, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
			}
			return Outcome.CHANGED;
		}
		catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException ex) {
			if (warned.compareAndSet(false, true)) {
				LOG.warn("event=finalize.owner_failed owner=" + owner + " reason=" + ex.getClass().getSimpleName()
						+ " hint=\"the controller needs CAP_CHOWN to give recordings their owner (HA_RECORDINGS_OWNER)\"");
			}
			return Outcome.FAILED;
		}
	}

}
