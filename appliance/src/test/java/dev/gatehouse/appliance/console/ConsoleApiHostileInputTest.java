package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.certs.UploadPolicy;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.TenantRecord;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests that {@link ConsoleApiFuzzTest} found ending in an exception out of
 * {@link ConsoleApi#handle} or a 500, now refused with a problem that names the field.
 */
class ConsoleApiHostileInputTest {

    @TempDir
    Path dataDir;
    private dev.gatehouse.appliance.testing.Services services;
    private FileStore store;
    private ConsoleApi api;
    private String admin;

    @BeforeEach
    void buildApi() throws Exception {
        services = new dev.gatehouse.appliance.testing.Services(dataDir);
        store = services.store;
        api = new ConsoleApi(services.console(), who -> Map.of(), () -> true, null);
        admin = "Bearer " + services.tokens.create("admin", "test").token();
        store.put(RecordKinds.POOLS, new PoolRecord("web", List.of("127.0.0.1:8080"), "round-robin", null, store.nextRevision()));
    }

    @AfterEach
    void closeStore() throws Exception {
        services.close();
    }

    private ApiResponse call(String method, String path, String body) {
        return api.handle(method, path, Map.of(), admin, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                "127.0.0.1");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> problem(ApiResponse r) {
        return (Map<String, Object>) r.body();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "PUT, /v1/routes/App.Ame.T0st%%2E, host",
        "PUT, /v1/routes/%zz.example, host",
        "PUT, /v1/pools/web%, name",
        "DELETE, /v1/tokens/%4, id",
        "GET, /v1/tenants/%G0, tenant",
    })
    void refusesABrokenPercentEscapeInAPathParameter(String method, String path, String field) {
        // URLDecoder's IllegalArgumentException used to escape handle(), which promises never to throw
        ApiResponse r = call(method, path, "{\"pool\":\"web\",\"servers\":[\"127.0.0.1:80\"]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(problem(r)).containsEntry("type", "https://gatehouse.dev/problems/invalid-field")
                .containsEntry("field", field);
        assertThat((String) problem(r).get("detail")).startsWith(field + ": '").contains("%XX");
        assertThat(store.records(RecordKinds.ROUTES)).isEmpty();
    }

    @Test
    void refusesAPkcs12KeyWithoutCertificateWith422NotA500() throws Exception {
        dev.gatehouse.appliance.auth.Principal root = new dev.gatehouse.appliance.auth.Principal("t", "admin");
        services.tenants.create(root, "acme", "acme");
        services.domains.claim(root, "acme", "*.tenant-a.test", true);
        byte[] p12;
        try (InputStream in = getClass().getResourceAsStream("/dev/gatehouse/appliance/certs/Pkcs12UploadFuzzTestInputs/"
                + "storesOrRefusesAnyPkcs12Upload/key-without-certificate")) {
            byte[] seed = in.readAllBytes();
            p12 = Arrays.copyOfRange(seed, 1, seed.length);
        }
        ApiResponse r = call("POST", "/v1/certificates", "{\"tenant\":\"acme\",\"pkcs12\":\""
                + Base64.getEncoder().encodeToString(p12) + "\",\"password\":\"fuzz\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(problem(r)).containsEntry("type", "https://gatehouse.dev/problems/certificate-no-certificate")
                .containsEntry("field", "pkcs12");
        assertThat(store.certificates()).isEmpty();
    }
}
