package dev.gatehouse.appliance.accesslog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.Store;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Certificate id → tenant id for the access log's {@code tenant} field, from the node's local store
 * (always in step with the grid), cached for a short while so that a busy log does not look every
 * line up. Certificates loaded from {@code tls.certificateDirs} belong to no tenant: null.
 */
public final class TenantLookup implements Function<String, String> {

    private static final String NONE = "";

    private final Store store;
    private final Cache<String, String> cache = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofSeconds(30))
            .build();

    public TenantLookup(Store store) {
        this.store = store;
    }

    @Override
    public String apply(String certificateId) {
        String t = cache.get(certificateId, id -> {
            Optional<CertificateRecord> c = store.certificate(id);
            return c.map(CertificateRecord::tenant).filter(s -> !s.isEmpty()).orElse(NONE);
        });
        return NONE.equals(t) ? null : t;
    }
}
