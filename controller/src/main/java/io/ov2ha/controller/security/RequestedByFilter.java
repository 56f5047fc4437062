package io.ov2ha.controller.security;

import java.io.IOException;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.util.StringUtils;
import org.springframework.web.filter.OncePerRequestFilter;

import io.ov2ha.controller.web.ApiRoles;
import io.ov2ha.controller.web.ProblemType;
import io.ov2ha.controller.web.Problems;

/**
 * Cross-site request forgery guard for admins: a browser that has cached the admin's Basic
 * credentials (Swagger UI is served) would attach them to a simple cross-site POST, PUT or
 * DELETE. Such requests cannot carry a custom header without a CORS preflight, which this
 * server never grants, so every state-changing call made with ADMIN credentials must send
 * {@value #HEADER} (any non-empty value); without it: 403 {@code requested-by-required}.
 * Recorder calls (RECORDER credentials) and OpenVidu's webhook (its own filter chain) are not
 * concerned. Runs after authorization, so a missing login is still 401 and a wrong role 403.
 */
final class RequestedByFilter extends OncePerRequestFilter {

	static final String HEADER = ApiRoles.REQUESTED_BY_HEADER;

	private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

	private static final String ADMIN_AUTHORITY = "ROLE_" + SecurityConfig.ADMIN;

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!SAFE_METHODS.contains(request.getMethod()) && isAdmin()
				&& !StringUtils.hasText(request.getHeader(HEADER))) {
			Problems.write(request, response, ProblemType.REQUESTED_BY_REQUIRED,
					"State-changing admin calls must send the header " + HEADER
							+ " (any non-empty value, e.g. X-Requested-By: ov2-ha-recorder); browsers do not send it"
							+ " cross-site.");
			return;
		}
		chain.doFilter(request, response);
	}

	private static boolean isAdmin() {
		Authentication auth = SecurityContextHolder.getContext().getAuthentication();
		return auth != null && auth.isAuthenticated()
				&& auth.getAuthorities().stream().anyMatch(a -> ADMIN_AUTHORITY.equals(a.getAuthority()));
	}

}
