package dev.gatehouse.tls.policy;

/**
 * A malformed entry in a CIDR list, naming where it is and why it was refused:
 * {@code ipAllow[17]: '10.0.0.0/33' prefix length above 32}. An {@link IllegalArgumentException}, so callers that
 * only want the message need not know this type; the {@link Refusal} is there for callers that build their own error.
 */
public final class InvalidCidrException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * What was refused.
     *
     * @param field  the field name given to {@link CidrSet#parse(String, java.util.List)}; "" from {@code parse(List)}
     * @param index  zero-based position of the bad entry in the list
     * @param entry  the entry as given (null for a null entry)
     * @param reason what is wrong with it, e.g. {@code prefix length above 32}
     */
    public record Refusal(String field, int index, String entry, String reason) implements java.io.Serializable {

        String message() {
            return field + "[" + index + "]: " + (entry == null ? "" : "'" + entry + "' ") + reason;
        }
    }

    private final Refusal refusal;

    InvalidCidrException(String field, int index, String entry, String reason) {
        this(new Refusal(field, index, entry, reason));
    }

    private InvalidCidrException(Refusal refusal) {
        super(refusal.message());
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
