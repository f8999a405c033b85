package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ETag}, {@code If-Match}, {@code Idempotency-Key} and cursors over the real HTTPS console
 * with curl: the headers cross {@link ConsoleConnection} both ways, not only the route table.
 */
class ApiConventionsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DemoPki PKI = DemoPki.create("Conventions IT CA");

    @TempDir
    static Path data;
    static TestNode node;
    static String admin;
    static String tenant;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("curl");
        node = new TestNode(data);
        admin = node.adminToken();
        assertThat(node.call("POST", "/v1/tenants", admin, "{\"id\":\"tenant-a\"}").status()).isEqualTo(201);
        assertThat(node.call("POST", "/v1/domains", admin, "{\"name\":\"*.tenant-a.test\",\"tenant\":\"tenant-a\","
                + "\"verified\":true}").status()).isEqualTo(201);
        tenant = node.call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:tenant-a\"}").json().get("token").asText();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** One curl exchange: status, response headers (lower-case names), body. */
    record Exchange(int status, Map<String, String> headers, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    static Exchange curl(String method, String path, String token, Path body, String... headers) throws Exception {
        Path head = Files.createTempFile(data, "head", ".txt");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-X", method, "--cacert",
                node.node.consoleCertificate().toString(), "-H", "Authorization: Bearer " + token, "-D", head.toString(),
                "-w", "\n%{http_code}"));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", "@" + body));
        }
        for (String h : headers) {
            cmd.addAll(List.of("-H", h));
        }
        cmd.add(node.consoleUrl() + path);
        Tools.Result r = Tools.run(cmd, null, 30);
        String out = r.stdout();
        int nl = out.lastIndexOf('\n');
        Map<String, String> h = new LinkedHashMap<>();
        for (String line : Files.readAllLines(head)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return new Exchange(Integer.parseInt(out.substring(nl + 1).trim()), h, out.substring(0, Math.max(nl, 0)));
    }

    @Test
    void aRetriedUploadOverHttpsIsReplayedAndAStaleIfMatchIsRefused() throws Exception {
        Path body = Files.writeString(data.resolve("upload.json"), NodeFixtures.uploadBody("tenant-a",
                PKI.issueEc("app.tenant-a.test")));
        Exchange first = curl("POST", "/v1/certificates", tenant, body, "Idempotency-Key: it-upload-1");
        Exchange retry = curl("POST", "/v1/certificates", tenant, body, "Idempotency-Key: it-upload-1");
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(retry.headers()).containsEntry("idempotent-replayed", "true");
        String id = first.json().get("id").asText();
        assertThat(node.call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items"))
                .extracting(c -> c.get("id").asText()).containsExactly(id);

        String etag = first.headers().get("etag");
        assertThat(etag).isEqualTo("\"" + first.json().get("revision").asText() + "\"");
        Exchange replaced = curl("PUT", "/v1/certificates/" + id, tenant, Files.writeString(data.resolve("again.json"),
                NodeFixtures.uploadBody("tenant-a", PKI.issueEc("app.tenant-a.test"))), "If-Match: " + etag);
        assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
        Exchange stale = curl("DELETE", "/v1/certificates/" + id, tenant, null, "If-Match: " + etag);
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.headers()).containsEntry("etag", replaced.headers().get("etag"))
                .containsEntry("content-type", "application/problem+json");
        assertThat(stale.json().get("type").asText()).isEqualTo("https://gatehouse.dev/problems/revision-mismatch");
        assertThat(curl("GET", "/v1/certificates/" + id, tenant, null).status()).isEqualTo(200);
        assertThat(curl("DELETE", "/v1/certificates/" + id, tenant, null, "If-Match: " + replaced.headers().get("etag"))
                .status()).isEqualTo(204);
    }

    @Test
    void pagesTenantsOverHttpsAndRefusesACursorOfAnotherScope() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(node.call("POST", "/v1/tenants", admin, "{\"id\":\"page-" + i + "\"}").status()).isEqualTo(201);
        }
        List<String> ids = new ArrayList<>();
        String cursor = null;
        String firstCursor = null;
        do {
            Exchange page = curl("GET", "/v1/tenants?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin, null);
            assertThat(page.status()).isEqualTo(200);
            page.json().get("items").forEach(t -> ids.add(t.get("id").asText()));
            cursor = page.json().get("next").isNull() ? null : page.json().get("next").asText();
            firstCursor = firstCursor == null ? cursor : firstCursor;
        } while (cursor != null && ids.size() < 100);
        assertThat(ids).doesNotHaveDuplicates().contains("tenant-a", "page-0", "page-4").hasSize(6);

        Exchange foreign = curl("GET", "/v1/tenants?cursor=" + firstCursor, tenant, null);
        assertThat(foreign.status()).isEqualTo(400);
        assertThat(foreign.json().get("type").asText()).isEqualTo("https://gatehouse.dev/problems/invalid-cursor");
    }
}
