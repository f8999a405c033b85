package dev.gatehouse.tls.policy;

/**
 * A malformed entry in a CIDR list, naming where it is and why it was refused:
 * {@code ipAllow[17]: '10.0.0.0/33' prefix length above 32}. An {@link IllegalArgumentException}, so callers that
 * only want the message need not know this type; the fields are there for callers that build their own error.
 */
public final class InvalidCidrException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final int index;
    private final String entry;
    private final String reason;

    InvalidCidrException(String field, int index, String entry, String reason) {
        super(field + "[" + index + "]: " + (entry == null ? "" : "'" + entry + "' ") + reason);
        this.field = field;
        this.index = index;
        this.entry = entry;
        this.reason = reason;
    }

    /** The field name given to {@link CidrSet#parse(String, java.util.List)}; "" from {@code parse(List)}. */
    public String field() {
        return field;
    }

    /** Zero-based position of the bad entry in the list. */
    public int index() {
        return index;
    }

    /** The entry as given (null for a null entry). */
    public String entry() {
        return entry;
    }

    /** What is wrong with it, e.g. {@code prefix length above 32}. */
    public String reason() {
        return reason;
    }
}
