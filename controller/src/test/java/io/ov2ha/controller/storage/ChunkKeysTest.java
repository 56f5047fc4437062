package io.ov2ha.controller.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

import io.ov2ha.controller.kernel.RecordingId;

/** Chunk names are the protocol's ASCII names whatever the JVM's default locale (issue 15, item 12). */
class ChunkKeysTest {

	@Test
	@ResourceLock(Resources.LOCALE)
	void chunkNamesUseAsciiDigitsInEveryLocale() {
		Locale before = Locale.getDefault(Locale.Category.FORMAT);
		try {
			for (String tag : new String[] { "th-TH-u-nu-thai", "ar-EG", "hi-IN-u-nu-deva", "fa-IR" }) {
				Locale.setDefault(Locale.Category.FORMAT, Locale.forLanguageTag(tag));
				assertThat(ChunkKeys.fileName(42, 3)).as(tag).isEqualTo("000042-e3.ts");
				assertThat(ChunkKeys.localPath(RecordingId.of("ses_A"), 7, 0)).as(tag)
					.isEqualTo("ses_A/chunks/000007-e0.ts");
				assertThat(ChunkKeys.parse(ChunkKeys.fileName(123456, 12))).as(tag)
					.contains(new ChunkKeys.SeqEpoch(123456, 12));
			}
		}
		finally {
			Locale.setDefault(Locale.Category.FORMAT, before);
		}
	}

}
