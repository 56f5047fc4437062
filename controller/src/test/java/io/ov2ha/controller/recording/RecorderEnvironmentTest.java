package io.ov2ha.controller.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ov2ha.controller.config.ConfigurationException;
import io.ov2ha.controller.config.HaProperties;
import io.ov2ha.controller.kernel.RecordingId;
import io.ov2ha.controller.support.Recordings;
import io.ov2ha.controller.support.TestSecrets;
import io.ov2ha.controller.web.ApiException;
import io.ov2ha.controller.web.ProblemType;
import tools.jackson.databind.json.JsonMapper;

/** Which layout URLs each setting allows (the API test covers the other variables). */
class RecorderEnvironmentTest {

	static final RecordingId ID = RecordingId.of("ses_env");

	private static RecorderEnvironment environment(HaProperties.Profile profile, String openviduUrl, String hosts) {
		HaProperties properties = new HaProperties(profile, null, null, null, null, null, null,
				new HaProperties.Storage(null, null, null, null, false, null,
						new HaProperties.Finalizer(openviduUrl, null, 0, 0, 0, null, null, null)),
				null, null);
		return new RecorderEnvironment(properties, new RecorderUrlProperties(hosts), JsonMapper.builder().build());
	}

	private static Map<String, String> env(String url) {
		Map<String, String> env = new LinkedHashMap<>(Recordings.openViduEnv(ID.value(), "1280x720", "25",
				"{\"id\":\"" + ID.value() + "\"}"));
		env.put("URL", url);
		return env;
	}

	private static boolean accepts(RecorderEnvironment environment, String url) {
		try {
			environment.check(ID, env(url));
			return true;
		}
		catch (ApiException ex) {
			assertThat(ex.problem()).isEqualTo(ProblemType.INVALID_RECORDER_ENVIRONMENT);
			assertThat(ex.getMessage()).doesNotContain(TestSecrets.OPENVIDU_SECRET);
			assertThat(ex.properties()).containsEntry("variable", "URL");
			return false;
		}
	}

	private static String layout(String origin) {
		return origin.replace("://", "://OPENVIDUAPP:" + TestSecrets.OPENVIDU_SECRET + "@")
				+ "/dashboard/#/layout-best-fit/ses_env/" + TestSecrets.OPENVIDU_SECRET + "/443/false";
	}

	@Test
	void hostAndPortOfOpenViduUrlAreAllowedNothingElse() {
		RecorderEnvironment e = environment(HaProperties.Profile.PRODUCTION, "https://OV.example.com", "");

		assertThat(accepts(e, layout("https://ov.example.com"))).isTrue();
		assertThat(accepts(e, layout("https://ov.example.com:443"))).isTrue();
		assertThat(accepts(e, layout("https://ov.example.com:8443"))).as("another port").isFalse();
		assertThat(accepts(e, layout("http://ov.example.com"))).as("http is port 80").isFalse();
		assertThat(accepts(e, layout("https://ov.example.com.evil.test"))).isFalse();
		assertThat(accepts(e, layout("http://169.254.169.254"))).isFalse();
		assertThat(accepts(e, layout("http://127.0.0.1:6379"))).isFalse();
		assertThat(accepts(e, "https://evil.test#@ov.example.com/")).isFalse();
		assertThat(accepts(e, "https://evil.test\\@ov.example.com/")).isFalse();
		assertThat(accepts(e, "https://ov.example.com /x")).isFalse();
		assertThat(accepts(e, "file:///etc/passwd")).isFalse();
		assertThat(accepts(e, "javascript:alert(1)")).isFalse();
		assertThat(accepts(e, "ftp://ov.example.com/")).isFalse();
		assertThat(accepts(e, "")).isFalse();
	}

	@Test
	void hostsOfTheAllowListMayUseAnyPort() {
		RecorderEnvironment e = environment(HaProperties.Profile.PRODUCTION, "", "composer.example.com, 10.0.0.7");

		assertThat(accepts(e, layout("https://composer.example.com:4443"))).isTrue();
		assertThat(accepts(e, layout("http://10.0.0.7"))).isTrue();
		assertThat(accepts(e, layout("https://ov.example.com"))).isFalse();
	}

	@Test
	void withNeitherSettingProductionRefusesEveryUrlAndLocalOnlyLoopback() {
		RecorderEnvironment production = environment(HaProperties.Profile.PRODUCTION, "", "");
		RecorderEnvironment local = environment(HaProperties.Profile.LOCAL, "", "");

		assertThat(accepts(production, layout("http://127.0.0.1:4443"))).isFalse();
		assertThatThrownBy(() -> production.check(ID, env(layout("https://ov.example.com"))))
			.hasMessageContaining("neither HA_OPENVIDU_URL nor HA_RECORDER_URL_HOSTS is set");
		assertThat(accepts(local, layout("http://127.0.0.1:4443"))).isTrue();
		assertThat(accepts(local, layout("http://localhost"))).isTrue();
		assertThat(accepts(local, layout("http://[::1]:5443"))).isTrue();
		assertThat(accepts(local, layout("https://ov.example.com"))).isFalse();
		assertThat(accepts(local, layout("http://127.0.0.1.evil.test"))).isFalse();
		assertThat(accepts(local, layout("http://10.0.0.1"))).isFalse();
	}

	@Test
	void badSettingsStopTheController() {
		assertThatThrownBy(() -> environment(HaProperties.Profile.PRODUCTION, "ov.example.com", ""))
			.isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("HA_OPENVIDU_URL");
		assertThatThrownBy(() -> new RecorderUrlProperties("ok.example.com,http://x/"))
			.isInstanceOf(ConfigurationException.class)
			.hasMessageContaining("HA_RECORDER_URL_HOSTS");
	}

}
