package io.ov2ha.controller.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The roles allowed to call an operation, for the API documentation ({@code x-roles}). The
 * rules themselves live in the security configuration; a test checks that both agree.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ApiRoles {

	/**
	 * The header every state-changing call made with ADMIN credentials must carry (any non-empty
	 * value): browsers cannot send it cross-site without a CORS preflight, which is never granted.
	 */
	String REQUESTED_BY_HEADER = "X-Requested-By";

	/** Role names ({@code RECORDER}, {@code ADMIN}); empty means public. */
	String[] value();

}
