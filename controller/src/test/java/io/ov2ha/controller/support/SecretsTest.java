package io.ov2ha.controller.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class SecretsTest {

	@Test
	void masksTheSecretEverywhereInADefaultLayoutUrl() {
		String url = "https://OPENVIDUAPP:S3cr3t@ov.example.com/dashboard/#/layout-best-fit/ses_A/S3cr3t/443/false";
		assertThat(Secrets.maskUrl(url))
			.isEqualTo("https://OPENVIDUAPP:****@ov.example.com/dashboard/#/layout-best-fit/ses_A/****/443/false");
	}

	@Test
	void masksTheSecretOfALayoutWithoutBasicAuth() {
		String url = "https://ov.example.com/dashboard/#/layout-custom/ses_A/S3cr3t/443/true";
		assertThat(Secrets.maskUrl(url)).doesNotContain("S3cr3t");
	}

	@Test
	void masksTheSecretParameterOfACustomLayout() {
		String url = "https://ov.example.com/openvidu/layouts/mine/index.html?sessionId=ses_A&secret=S3cr3t";
		assertThat(Secrets.maskUrl(url)).isEqualTo("https://ov.example.com/openvidu/layouts/mine/index.html?sessionId=ses_A&secret=****");
	}

	@Test
	void leavesOtherVariablesAlone() {
		assertThat(Secrets.maskEnvironment(Map.of("URL", "http://u:p@h/", "RESOLUTION", "1280x720")))
			.containsEntry("RESOLUTION", "1280x720")
			.containsEntry("URL", "http://u:****@h/");
	}

	@Test
	void randomSecretsHaveTheLengthAndAlphabetAskedAndDiffer() {
		String a = Secrets.random(24);
		String b = Secrets.random(24);
		assertThat(a).hasSize(24).matches("[A-HJ-NP-Za-km-z2-9]+");
		assertThat(a).isNotEqualTo(b);
	}

	@Test
	void sha256OfAStringIsTheDigestOfItsUtf8Bytes() {
		assertThat(java.util.HexFormat.of().formatHex(Secrets.sha256("abc")))
			.isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	}

}
