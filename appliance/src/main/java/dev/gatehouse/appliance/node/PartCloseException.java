package dev.gatehouse.appliance.node;

import java.util.List;
import java.util.stream.Collectors;

/** Parts of a part's own lifecycle whose close threw; every other close ran. */
final class PartCloseException extends Exception {

    private static final long serialVersionUID = 1L;

    private PartCloseException(String message, Throwable cause) {
        super(message, cause);
    }

    static PartCloseException of(String owner, List<Lifecycle.CloseFailure> failed) {
        String parts = failed.stream().map(f -> f.part() + " (" + f.cause() + ")").collect(Collectors.joining(", "));
        PartCloseException e = new PartCloseException("close failed in " + owner + ": " + parts,
                failed.get(0).cause());
        failed.stream().skip(1).forEach(f -> e.addSuppressed(f.cause()));
        return e;
    }
}
