package dev.gatehouse.cluster.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of one node, on its disk: one JSON file per object under {@code dataDir/store/<kind>/},
 * each replaced atomically (write, fsync, rename, fsync directory) before the write returns.
 *
 * <p>On open, every file is read; a file that does not parse, or a certificate whose sealed key
 * does not open under its record's associated data (tampered, copied from another record, or
 * sealed with an unknown key), is reported in {@link #loadProblems()} and skipped, and the others
 * load. Left-over temporary files of an interrupted write are deleted: an upload cut short by a
 * crash is either fully there or not there at all.
 */
public final class FileStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A file that was skipped on load, and why. */
    public record LoadProblem(Path file, String reason) {
    }

    private final Path root;
    private final Sealer sealer;
    private final HybridClock clock = new HybridClock();
    private final Map<String, CertificateRecord> certificates = new ConcurrentHashMap<>();
    private final Map<String, TenantRecord> tenants = new ConcurrentHashMap<>();
    private final Map<String, TokenRecord> tokens = new ConcurrentHashMap<>();
    private final Map<String, PoolRecord> pools = new ConcurrentHashMap<>();
    private final Map<String, RouteRecord> routes = new ConcurrentHashMap<>();
    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    private final List<LoadProblem> problems = new ArrayList<>();

    private FileStore(Path root, Sealer sealer) {
        this.root = root;
        this.sealer = sealer;
    }

    /** Opens (creating if needed) the store under {@code dataDir/store}. */
    public static FileStore open(Path dataDir, Sealer sealer) throws IOException {
        FileStore s = new FileStore(dataDir.resolve("store"), sealer);
        s.load();
        return s;
    }

    private void load() throws IOException {
        for (String kind : List.of(Records.CERTIFICATES, Records.TENANTS, Records.TOKENS, Records.POOLS, Records.ROUTES)) {
            Path dir = root.resolve(kind);
            Files.createDirectories(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".") && name.contains(".tmp-")) {
                        Files.deleteIfExists(f); // an interrupted write: never acknowledged
                        continue;
                    }
                    if (!name.endsWith(".json")) {
                        continue;
                    }
                    try {
                        loadOne(kind, f);
                    } catch (IOException | RuntimeException e) {
                        reject(f, "unreadable: " + e.getMessage());
                    }
                }
            }
        }
        log.info("event=store_loaded dir={} certificates={} tenants={} tokens={} rejected={}", root,
                certificates.size(), tenants.size(), tokens.size(), problems.size());
    }

    private void loadOne(String kind, Path f) throws IOException {
        byte[] data = Files.readAllBytes(f);
        switch (kind) {
            case Records.CERTIFICATES -> {
                CertificateRecord r = JSON.readValue(data, CertificateRecord.class);
                try {
                    byte[] key = sealer.open(r.sealedKey(), r.keyAad());
                    java.util.Arrays.fill(key, (byte) 0);
                } catch (SealException e) {
                    reject(f, "certificate " + r.id() + ": sealed key " + e.getMessage());
                    return;
                }
                clock.observe(r.revision());
                certificates.put(r.id(), r);
            }
            case Records.TENANTS -> {
                TenantRecord r = JSON.readValue(data, TenantRecord.class);
                clock.observe(r.revision());
                tenants.put(r.id(), r);
            }
            case Records.TOKENS -> {
                TokenRecord r = JSON.readValue(data, TokenRecord.class);
                clock.observe(r.revision());
                tokens.put(r.id(), r);
            }
            case Records.POOLS -> {
                PoolRecord r = JSON.readValue(data, PoolRecord.class);
                clock.observe(r.revision());
                pools.put(r.name(), r);
            }
            default -> {
                RouteRecord r = JSON.readValue(data, RouteRecord.class);
                clock.observe(r.revision());
                routes.put(r.host(), r);
            }
        }
    }

    private void reject(Path f, String reason) {
        problems.add(new LoadProblem(f, reason));
        log.error("event=store_entry_rejected file={} reason={}", f, reason);
    }

    /** Files skipped when the store was opened. */
    public List<LoadProblem> loadProblems() {
        return List.copyOf(problems);
    }

    private Path file(String kind, String key) {
        return root.resolve(kind).resolve(HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + ".json");
    }

    private void write(String kind, String key, Object value) throws StoreException {
        try {
            AtomicFiles.write(file(kind, key), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value));
        } catch (IOException e) {
            throw new StoreException("cannot write " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    private boolean delete(String kind, String key) throws StoreException {
        try {
            return AtomicFiles.delete(file(kind, key));
        } catch (IOException e) {
            throw new StoreException("cannot delete " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Collection<CertificateRecord> certificates() {
        return List.copyOf(certificates.values());
    }

    @Override
    public Optional<CertificateRecord> certificate(String id) {
        return Optional.ofNullable(certificates.get(id));
    }

    @Override
    public synchronized void putCertificate(CertificateRecord record) throws StoreException {
        write(Records.CERTIFICATES, record.id(), record);
        certificates.put(record.id(), record);
        listeners.forEach(l -> l.certificatePut(record));
    }

    @Override
    public synchronized boolean removeCertificate(String id) throws StoreException {
        if (certificates.get(id) == null) {
            return false;
        }
        delete(Records.CERTIFICATES, id);
        certificates.remove(id);
        listeners.forEach(l -> l.certificateRemoved(id));
        return true;
    }

    @Override
    public Collection<TenantRecord> tenants() {
        return List.copyOf(tenants.values());
    }

    @Override
    public Optional<TenantRecord> tenant(String id) {
        return Optional.ofNullable(tenants.get(id));
    }

    @Override
    public synchronized void putTenant(TenantRecord tenant) throws StoreException {
        write(Records.TENANTS, tenant.id(), tenant);
        tenants.put(tenant.id(), tenant);
    }

    @Override
    public Collection<TokenRecord> tokens() {
        return List.copyOf(tokens.values());
    }

    @Override
    public Optional<TokenRecord> token(String id) {
        return Optional.ofNullable(tokens.get(id));
    }

    @Override
    public synchronized void putToken(TokenRecord token) throws StoreException {
        write(Records.TOKENS, token.id(), token);
        tokens.put(token.id(), token);
    }

    @Override
    public Collection<PoolRecord> pools() {
        return List.copyOf(pools.values());
    }

    @Override
    public synchronized void putPool(PoolRecord pool) throws StoreException {
        write(Records.POOLS, pool.name(), pool);
        pools.put(pool.name(), pool);
        listeners.forEach(StoreListener::routingChanged);
    }

    @Override
    public synchronized boolean removePool(String name) throws StoreException {
        if (!pools.containsKey(name)) {
            return false;
        }
        delete(Records.POOLS, name);
        pools.remove(name);
        listeners.forEach(StoreListener::routingChanged);
        return true;
    }

    @Override
    public Collection<RouteRecord> routes() {
        return List.copyOf(routes.values());
    }

    @Override
    public synchronized void putRoute(RouteRecord route) throws StoreException {
        write(Records.ROUTES, route.host(), route);
        routes.put(route.host(), route);
        listeners.forEach(StoreListener::routingChanged);
    }

    @Override
    public synchronized boolean removeRoute(String host) throws StoreException {
        if (!routes.containsKey(host)) {
            return false;
        }
        delete(Records.ROUTES, host);
        routes.remove(host);
        listeners.forEach(StoreListener::routingChanged);
        return true;
    }

    @Override
    public long nextRevision() {
        return clock.next();
    }

    @Override
    public void addListener(StoreListener listener) {
        listeners.add(listener);
    }

    @Override
    public Sealer sealer() {
        return sealer;
    }

    @Override
    public void close() {
        // every write is already durable
    }
}
