package dev.gatehouse.appliance.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only audit trail, one JSON object per line: when, who (token id and scope), what action on
 * which object, and the outcome. Never holds secrets: no tokens, keys or request bodies.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public AuditLog(Path file) throws IOException {
        this.file = file;
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Records one action.
     *
     * @param who     the caller, or null for the node itself
     * @param action  e.g. {@code certificate.upload}
     * @param object  e.g. {@code certificate/crt_1a2b}
     * @param outcome {@code ok} or the problem type
     */
    public synchronized void record(Principal who, String action, String object, String outcome, String client) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("actor", who == null ? "node" : who.tokenId());
        line.put("scope", who == null ? "node" : who.scope());
        line.put("action", action);
        line.put("object", object);
        line.put("outcome", outcome);
        if (client != null) {
            line.put("client", client);
        }
        try {
            byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            Files.write(file, bytes, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            log.error("event=audit_write_failed file={} action={} cause={}", file, action, e.toString());
        }
    }

    @Override
    public void close() {
        // each line is written and synced on its own
    }
}
