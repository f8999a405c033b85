package dev.gatehouse.appliance.accesslog;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.tls.observe.HandshakeRecord;
import dev.gatehouse.tls.observe.RequestRecord;
import java.net.InetSocketAddress;
import java.util.List;

/** Records as the engine fills them, for the access-log tests. */
final class Records {

    /** 2026-12-01T09:30:00.123Z */
    static final long START = 1_796_117_400_123L;

    private Records() {
    }

    static RequestRecord request(String host, String path, String query, String requestId) {
        return new RequestRecord(START, new InetSocketAddress("192.0.2.7", 51234), "app.tenant-a.test", host,
                "crt_a", "app", "10.0.0.5:8080", "GET", path, "HTTP/2", 200, 12, 3456, 2_345_678, 456_789,
                10_111_213, 12_345_678, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "X25519", false, requestId, null,
                null, query);
    }

    static RequestRecord request(String requestId) {
        return request("app.tenant-a.test", "/p", null, requestId);
    }

    static HandshakeRecord refused(String sni) {
        return new HandshakeRecord(START, new InetSocketAddress("192.0.2.8", 40000), sni, null, "unknown_sni", null,
                null, null, 345_000);
    }

    static GatehouseConfig.AccessLog settings(int queueSize, int sample, int perSecond) {
        return new GatehouseConfig.AccessLog(true, "-", List.of(), false, sample, perSecond, queueSize);
    }
}
