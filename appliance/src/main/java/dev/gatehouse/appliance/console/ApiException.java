package dev.gatehouse.appliance.console;

import dev.gatehouse.appliance.core.ServiceException;
import java.util.Map;

/**
 * A refused API call, rendered as an RFC 9457 problem document: {@code type} is a stable slug
 * (documented in the OpenAPI file), {@code detail} says what was wrong with which field.
 */
public final class ApiException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * What the problem document says, less its {@code instance}: {@code detail} is also the
     * exception's message, {@code field} the field at fault (null: none), {@code extra} members
     * added after the standard ones.
     */
    public record Problem(int status, String type, String title, String detail, String field,
            Map<String, Object> extra) {
        public Problem {
            extra = Map.copyOf(extra);
        }
    }

    private final transient Problem problem;

    public ApiException(int status, String type, String title, String detail, String field) {
        this(status, type, title, detail, field, Map.of());
    }

    public ApiException(int status, String type, String title, String detail, String field,
            Map<String, Object> extra) {
        super(detail);
        this.problem = new Problem(status, type, title, detail, field, extra);
    }

    /** The console's rendering of a service's refusal: the kind decides the status. */
    public static ApiException of(ServiceException e) {
        int status = switch (e.kind()) {
            case MALFORMED -> 400;
            case INVALID -> 422;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case THROTTLED -> 429;
            case UNAVAILABLE -> 503;
        };
        String title = e.title() != null ? e.title() : switch (e.kind()) {
            case MALFORMED -> "Bad request";
            case INVALID -> "Unprocessable content";
            case UNAUTHENTICATED -> "Unauthorized";
            case FORBIDDEN -> "Forbidden";
            case NOT_FOUND -> "Not found";
            case CONFLICT -> "Conflict";
            case THROTTLED -> "Too many requests";
            case UNAVAILABLE -> "Service unavailable";
        };
        return new ApiException(status, e.type(), title, e.getMessage(), e.field(), e.extra());
    }

    // the console's own refusals, named in the services' kinds: status and title come from of() alone

    public static ApiException badRequest(String type, String field, String detail) {
        return of(ServiceException.malformed(type, field, detail));
    }

    public static ApiException unprocessable(String type, String field, String detail) {
        return of(ServiceException.invalid(type, field, detail));
    }

    public static ApiException forbidden(String detail) {
        return of(ServiceException.forbidden(detail));
    }

    public static ApiException notFound(String what, String id) {
        return of(ServiceException.notFound(what, id));
    }

    public static ApiException conflict(String type, String field, String detail) {
        return of(ServiceException.conflict(type, field, detail));
    }

    public Problem problem() {
        return problem;
    }
}
