package io.ov2ha.controller.web;

import java.io.IOException;
import java.io.Writer;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tomcat answers some bad requests itself, before Spring sees them. Let an encoded slash
 * through to the security firewall (which refuses it as problem+json) and make Tomcat's own
 * error pages problem+json instead of HTML.
 */
@Configuration(proxyBeanMethods = false)
class TomcatConfig {

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemJsonTomcat() {
		return factory -> {
			factory.addConnectorCustomizers(
					connector -> connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue()));
			factory.addContextCustomizers(context -> {
				if (context.getParent() instanceof StandardHost host) {
					host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
				}
			});
		};
	}

	/** Tomcat's last-resort error page, as a problem document without any server detail. */
	public static class ProblemErrorReportValve extends ErrorReportValve {

		@Override
		protected void report(Request request, Response response, Throwable throwable) {
			int reported = response.getStatus();
			if (reported < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
				return;
			}
			// Tomcat answers CONNECT itself with 501: a client's mistake, 405 like any unknown method
			int status = ProblemErrorController.answerStatus(reported);
			ProblemType type = ProblemErrorController.typeFor(status);
			try {
				if (status != reported) {
					response.setStatus(status);
					response.setHeader("Allow", ProblemErrorController.ALLOWED_METHODS);
				}
				response.setContentType("application/problem+json");
				response.setCharacterEncoding("UTF-8");
				Writer writer = response.getReporter();
				if (writer != null) {
					writer.write("{\"type\":\"" + type.type() + "\",\"title\":\"" + type.title() + "\",\"status\":"
							+ status + ",\"detail\":\"The request was rejected by the HTTP server.\"}");
					response.finishResponse();
				}
			}
			catch (IOException | IllegalStateException ex) {
				// the client is gone; nothing to report to
			}
		}

	}

}
