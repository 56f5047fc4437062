package io.ov2ha.controller.web;

import java.io.IOException;

/** Thrown while reading a request body that grows past the configured limit. */
class PayloadTooLargeException extends IOException {

	PayloadTooLargeException(long limit) {
		super("request body exceeds " + limit + " bytes");
	}

}
