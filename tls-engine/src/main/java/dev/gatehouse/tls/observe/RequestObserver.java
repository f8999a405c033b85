package dev.gatehouse.tls.observe;

/**
 * Hears of every finished request and every TLS handshake on the data plane: the access log and
 * the metrics registry are observers. Called on the event loop: an implementation must be cheap
 * and must never block (hand work to a bounded queue, count what it drops).
 */
public interface RequestObserver {

    /** Observes nothing. */
    RequestObserver NONE = new RequestObserver() {
    };

    default void onRequest(RequestRecord request) {
    }

    default void onHandshake(HandshakeRecord handshake) {
    }

    /** Both {@code a} and {@code b}, in that order. */
    static RequestObserver both(RequestObserver a, RequestObserver b) {
        return new RequestObserver() {
            @Override
            public void onRequest(RequestRecord request) {
                a.onRequest(request);
                b.onRequest(request);
            }

            @Override
            public void onHandshake(HandshakeRecord handshake) {
                a.onHandshake(handshake);
                b.onHandshake(handshake);
            }
        };
    }
}
