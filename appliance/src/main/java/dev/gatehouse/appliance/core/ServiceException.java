package dev.gatehouse.appliance.core;

import java.util.Map;

/**
 * A refusal by a service (tenants, certificates, domains, tokens, pools), in the service's own
 * terms: what kind of refusal, a stable slug naming the reason ({@code type}), the field at fault
 * and a detail naming the value and what was expected. It knows nothing of HTTP: the console alone
 * maps a {@link Kind} to a status code and renders a problem document.
 */
public final class ServiceException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The kinds of refusal a caller can act on. */
    public enum Kind {
        /** The request could not be read (not JSON, wrong type of a field). */
        MALFORMED,
        /** Readable but refused: a field's value is not acceptable. */
        INVALID,
        /** No valid credentials. */
        UNAUTHENTICATED,
        /** Valid credentials that may not do this. */
        FORBIDDEN,
        /** The object does not exist (or the caller may not know that it does). */
        NOT_FOUND,
        /** The object's current state does not allow it. */
        CONFLICT,
        /** Too many attempts; try again later. */
        THROTTLED,
        /** A dependency is down; nothing was changed. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String type;
    private final String title;
    private final String field;
    private final transient Map<String, Object> extra;

    public ServiceException(Kind kind, String type, String title, String detail, String field,
            Map<String, Object> extra) {
        super(detail);
        this.kind = kind;
        this.type = type;
        this.title = title;
        this.field = field;
        this.extra = Map.copyOf(extra);
    }

    public ServiceException(Kind kind, String type, String title, String detail, String field) {
        this(kind, type, title, detail, field, Map.of());
    }

    public ServiceException(Kind kind, String type, String detail, String field) {
        this(kind, type, null, detail, field, Map.of());
    }

    public static ServiceException malformed(String type, String field, String detail) {
        return new ServiceException(Kind.MALFORMED, type, detail, field);
    }

    public static ServiceException invalid(String type, String field, String detail) {
        return new ServiceException(Kind.INVALID, type, detail, field);
    }

    public static ServiceException unauthenticated(String detail) {
        return new ServiceException(Kind.UNAUTHENTICATED, "unauthorized", detail, null);
    }

    public static ServiceException forbidden(String detail) {
        return new ServiceException(Kind.FORBIDDEN, "forbidden", detail, null);
    }

    public static ServiceException notFound(String what, String id) {
        return new ServiceException(Kind.NOT_FOUND, "not-found", what + " '" + id + "' does not exist", null);
    }

    public static ServiceException conflict(String type, String field, String detail) {
        return new ServiceException(Kind.CONFLICT, type, detail, field);
    }

    public Kind kind() {
        return kind;
    }

    public String type() {
        return type;
    }

    /** A title more specific than the kind's, or null. */
    public String title() {
        return title;
    }

    public String field() {
        return field;
    }

    public Map<String, Object> extra() {
        return extra;
    }
}
