package dev.gatehouse.tls.sni;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/**
 * Picks a ClientHello's bundle in a {@link CertificateRegistry} and retains its key material for
 * the handshake. Completes at once when the material is cached; otherwise on a builder thread when
 * it is built (the returned future's listeners run on the event loop). When the bundle is replaced
 * while its material is being built, the name is selected again (up to {@value #MAX_ATTEMPTS} times).
 * A stale staple found on the way is handed back to the registry to withdraw, off the event loop.
 */
final class HandshakeSelection {

    private static final int MAX_ATTEMPTS = 3;

    private final CertificateRegistry registry;
    private final KeyMaterialCache cache;

    HandshakeSelection(CertificateRegistry registry, KeyMaterialCache cache) {
        this.registry = registry;
        this.cache = cache;
    }

    /** The bundle and its retained key material; null (succeeded) when the handshake must be refused. */
    Future<Selected> acquire(String sni, boolean ecdsaSupported, EventExecutor loop) {
        Served served = registry.selectForHandshake(sni, ecdsaSupported);
        if (served == null) {
            return loop.newSucceededFuture(null);
        }
        if (served.staple != null && !served.staple.freshAt(System.currentTimeMillis())) {
            registry.stapleExpired(served);
        }
        CompletableFuture<KeyMaterial> material = cache.acquire(served);
        KeyMaterial now = material.isDone() && !material.isCompletedExceptionally() ? material.getNow(null) : null;
        if (now != null) {
            return loop.newSucceededFuture(new Selected(served, now));
        }
        Promise<Selected> promise = loop.newPromise();
        whenAcquired(sni, ecdsaSupported, served, material, 1, promise);
        return promise;
    }

    private void whenAcquired(String sni, boolean ecdsaSupported, Served served,
            CompletableFuture<KeyMaterial> material, int attempt, Promise<Selected> promise) {
        material.whenComplete((m, error) -> {
            if (error != null) {
                promise.tryFailure(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            } else if (m != null) {
                if (!promise.trySuccess(new Selected(served, m))) {
                    m.release();
                }
            } else if (attempt >= MAX_ATTEMPTS) {
                promise.tryFailure(new SSLException("sni " + sni + ": certificate replaced " + attempt
                        + " times while its key material was built (expected: fewer concurrent changes)"));
            } else {
                // retired and released before we could retain it: the name's new bundle, or none
                Served again = registry.select(sni, ecdsaSupported);
                if (again == null) {
                    promise.trySuccess(null);
                } else {
                    whenAcquired(sni, ecdsaSupported, again, cache.acquire(again), attempt + 1, promise);
                }
            }
        });
    }
}
