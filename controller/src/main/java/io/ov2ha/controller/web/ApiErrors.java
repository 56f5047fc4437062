package io.ov2ha.controller.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The problems an operation may answer besides the ones every operation has (400 for a bad
 * id or body, 401, 403, 413, 503). {@link OpenApiConfig} documents each with an example.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ApiErrors {

	ProblemType[] value();

}
