package dev.gatehouse.appliance.node;

/**
 * A node part failed to start; the parts started before it have been closed. The message names the
 * part ({@code ha/membership} for a step inside a part) before the cause's own message, so an
 * operator reading {@code gatehouse serve}'s error sees what failed and why.
 */
public final class PartStartException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String part;

    private PartStartException(String part, String detail, Throwable cause) {
        super("start failed in part " + part + ": " + detail, cause);
        this.part = part;
    }

    /** Part {@code name} failed with {@code e}; a failure inside the part's own lifecycle keeps its inner name. */
    static PartStartException of(String name, Exception e) {
        if (e instanceof PartStartException inner) {
            PartStartException p = new PartStartException(name + "/" + inner.part, inner.detail(), inner.getCause());
            for (Throwable s : inner.getSuppressed()) {
                p.addSuppressed(s);
            }
            return p;
        }
        String detail = e.getMessage() == null ? e.toString() : e.getMessage();
        return new PartStartException(name, detail, e);
    }

    /** The part that failed: {@code keys}, {@code cluster}, {@code ha/membership}... */
    public String part() {
        return part;
    }

    private String detail() {
        return getMessage().substring(("start failed in part " + part + ": ").length());
    }
}
