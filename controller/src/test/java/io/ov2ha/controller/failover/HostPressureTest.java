package io.ov2ha.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading the kernel's CPU pressure line. */
class HostPressureTest {

	@Test
	void readsSomeAvg10() {
		String psi = "some avg10=96.97 avg60=90.47 avg300=71.29 total=7166024278\n"
				+ "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
		assertThat(HostPressure.parse(psi)).isEqualTo(96.97);
	}

	@Test
	void unknownWhenTheLineOrTheFieldIsMissingOrOutOfRange() {
		assertThat(HostPressure.parse("")).isNaN();
		assertThat(HostPressure.parse("full avg10=3.00 avg60=0.00\n")).isNaN();
		assertThat(HostPressure.parse("some avg60=3.00\n")).isNaN();
		assertThat(HostPressure.parse("some avg10=101.00 avg60=3.00\n")).isNaN();
	}

}
