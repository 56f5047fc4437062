package io.ov2ha.controller.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.ov2ha.controller.config.HaProperties.StorageMode;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.storage.ChunkStorageException.Kind;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Chunks in a bucket of an S3-compatible server, keys from {@link ChunkKeys}. Our own SHA-256
 * of every chunk (from its report) is checked by the finalizer after a download, so the SDK's
 * checksums are only used where the server requires them.
 */
public class S3ChunkStorage implements ChunkStorage, AutoCloseable {

	/** Part size of a multipart upload; below 16 MiB, the limit some servers put on chunked bodies. */
	static final int PART_SIZE = 8 * 1024 * 1024;

	/**
	 * Longest wait for one page of a listing, retries included: a finalization that cannot list
	 * S3 in time joins from the local chunk files instead, inside OpenVidu's 30 s stop window.
	 */
	static final Duration LIST_TIMEOUT = Duration.ofSeconds(8);

	private final S3Client s3;

	private final S3Presigner presigner;

	private final String bucket;

	private final String prefix;

	public S3ChunkStorage(S3Client s3, S3Presigner presigner, String bucket, String prefix) {
		this.s3 = s3;
		this.presigner = presigner;
		this.bucket = bucket;
		this.prefix = prefix;
	}

	@Override
	public StorageMode mode() {
		return StorageMode.S3;
	}

	public String bucket() {
		return bucket;
	}

	@Override
	public List<StoredChunk> list(RecordingId id, long createdAt) {
		String recordingPrefix = ChunkKeys.objectPrefix(prefix, id, createdAt);
		List<StoredChunk> chunks = new ArrayList<>();
		try {
			for (S3Object object : s3
				.listObjectsV2Paginator(r -> r.bucket(bucket)
					.prefix(recordingPrefix)
					.delimiter("/")
					.overrideConfiguration(o -> o.apiCallTimeout(LIST_TIMEOUT)))
				.contents()) {
				String name = object.key().substring(recordingPrefix.length());
				ChunkKeys.parse(name)
					.filter(se -> ChunkKeys.fileName(se.seq(), se.epoch()).equals(name))
					.ifPresent(se -> chunks.add(new StoredChunk(se.seq(), se.epoch(), object.key(), object.size())));
			}
		}
		catch (SdkException ex) {
			throw translate("list " + recordingPrefix, ex);
		}
		chunks.sort(Comparator.comparingLong(StoredChunk::seq).thenComparingLong(StoredChunk::epoch));
		return chunks;
	}

	@Override
	public void download(String storageKey, Path target) {
		Path partial = target.resolveSibling(target.getFileName() + ".part");
		try {
			Files.deleteIfExists(partial);
			s3.getObject(r -> r.bucket(bucket).key(storageKey), ResponseTransformer.toFile(partial));
			Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (SdkException ex) {
			deleteQuietly(partial);
			throw translate("download " + storageKey, ex);
		}
		catch (IOException ex) {
			deleteQuietly(partial);
			throw new ChunkStorageException(Kind.FAILED, "cannot write " + target.getFileName() + ": " + ex, ex);
		}
	}

	@Override
	public boolean exists(String storageKey) {
		try {
			s3.headObject(r -> r.bucket(bucket).key(storageKey));
			return true;
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				return false;
			}
			throw translate("head " + storageKey, ex);
		}
		catch (SdkException ex) {
			throw translate("head " + storageKey, ex);
		}
	}

	@Override
	public void delete(String storageKey) {
		try {
			s3.deleteObject(r -> r.bucket(bucket).key(storageKey));
		}
		catch (S3Exception ex) {
			if (ex.statusCode() != 404) {
				throw translate("delete " + storageKey, ex);
			}
		}
		catch (SdkException ex) {
			throw translate("delete " + storageKey, ex);
		}
	}

	@Override
	public String putFinal(RecordingId id, long createdAt, String fileName, Path file) {
		return put(ChunkKeys.finalKey(prefix, id, createdAt, fileName), "video/mp4", file);
	}

	@Override
	public String putChunk(RecordingId id, long createdAt, long seq, long epoch, Path file) {
		return put(ChunkKeys.objectKey(prefix, id, createdAt, seq, epoch), "video/mp2t", file);
	}

	/** Uploads a file (multipart above {@link #PART_SIZE}) and answers its key. */
	private String put(String key, String contentType, Path file) {
		String uploadId = null;
		try {
			long size = Files.size(file);
			if (size <= PART_SIZE) {
				s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType), RequestBody.fromFile(file));
				return key;
			}
			uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(contentType)).uploadId();
			List<CompletedPart> parts = new ArrayList<>();
			byte[] buffer = new byte[PART_SIZE];
			try (InputStream in = Files.newInputStream(file)) {
				int partNumber = 1;
				int n;
				while ((n = in.readNBytes(buffer, 0, PART_SIZE)) > 0) {
					int number = partNumber++;
					String upload = uploadId;
					String etag = s3
						.uploadPart(r -> r.bucket(bucket).key(key).uploadId(upload).partNumber(number),
								RequestBody.fromBytes(n == PART_SIZE ? buffer : Arrays.copyOf(buffer, n)))
						.eTag();
					parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
				}
			}
			String upload = uploadId;
			s3.completeMultipartUpload(
					r -> r.bucket(bucket).key(key).uploadId(upload).multipartUpload(m -> m.parts(parts)));
			return key;
		}
		catch (SdkException ex) {
			abortQuietly(key, uploadId);
			throw translate("upload " + key, ex);
		}
		catch (IOException ex) {
			abortQuietly(key, uploadId);
			throw new ChunkStorageException(Kind.FAILED, "cannot read " + file.getFileName() + ": " + ex, ex);
		}
	}

	@Override
	public Optional<URI> presignedGet(String key, Duration expiry) {
		try {
			return Optional.of(presigner
				.presignGetObject(p -> p.signatureDuration(expiry).getObjectRequest(r -> r.bucket(bucket).key(key)))
				.url()
				.toURI());
		}
		catch (java.net.URISyntaxException ex) {
			throw new ChunkStorageException(Kind.FAILED, "presigned URL is not a URI", ex);
		}
	}

	@Override
	public void check() {
		try {
			s3.headBucket(r -> r.bucket(bucket));
		}
		catch (SdkException ex) {
			throw translate("head bucket " + bucket, ex);
		}
	}

	/**
	 * Creates the bucket if it does not exist.
	 *
	 * @return true if it was created
	 */
	public boolean ensureBucket() {
		try {
			check();
			return false;
		}
		catch (ChunkStorageException ex) {
			if (ex.kind() != Kind.NOT_FOUND) {
				throw ex;
			}
		}
		try {
			s3.createBucket(r -> r.bucket(bucket));
			return true;
		}
		catch (BucketAlreadyOwnedByYouException ex) {
			return false;
		}
		catch (SdkException ex) {
			throw translate("create bucket " + bucket, ex);
		}
	}

	@Override
	public void close() {
		presigner.close();
		s3.close();
	}

	private void abortQuietly(String key, String uploadId) {
		if (uploadId == null) {
			return;
		}
		try {
			s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
		}
		catch (SdkException ignored) {
			// the server drops incomplete uploads by its own lifecycle rules
		}
	}

	private static void deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ignored) {
			// a leftover partial download is replaced by the next attempt
		}
	}

	static ChunkStorageException translate(String what, SdkException ex) {
		if (ex instanceof S3Exception s3ex) {
			int status = s3ex.statusCode();
			Kind kind = status == 404 ? Kind.NOT_FOUND
					: status >= 500 || status == 429 || status == 408 ? Kind.UNAVAILABLE : Kind.FAILED;
			String code = s3ex.awsErrorDetails() == null ? null : s3ex.awsErrorDetails().errorCode();
			return new ChunkStorageException(kind,
					"S3 " + what + " failed: status " + status + (code == null ? "" : " " + code), ex);
		}
		if (ex instanceof SdkClientException) {
			return new ChunkStorageException(Kind.UNAVAILABLE,
					"S3 " + what + " failed: " + firstLine(ex.getMessage()), ex);
		}
		return new ChunkStorageException(Kind.FAILED, "S3 " + what + " failed: " + firstLine(ex.getMessage()), ex);
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "no detail";
		}
		int nl = message.indexOf('\n');
		return nl < 0 ? message : message.substring(0, nl);
	}

}
