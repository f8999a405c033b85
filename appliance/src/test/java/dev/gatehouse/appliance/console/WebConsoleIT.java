package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.HeadlessChromium;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real headless Chromium against a real node with demo-like data (two tenants,
 * certificates, a verified and a pending domain claim): log in, read the tables, filter by tenant,
 * sort by expiry, a wrong token, log out, and no CSP violation on the way. A screenshot of the
 * logged-in page is left in {@code target/ui-screenshots/web-console.png}.
 *
 * <p>Chromium trusts the node's self-signed console certificate by its key only
 * ({@code --ignore-certificate-errors-spki-list} with the SHA-256 of its SubjectPublicKeyInfo), not by
 * ignoring certificate errors wholesale.
 */
class WebConsoleIT {

    /** A display name a tenant controls: it must show as text and never run. */
    static final String HOSTILE = "<img src=x onerror=\"window.__pwned=1\"><b>Evil</b>";
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    @TempDir
    static Path data;
    static TestNode node;
    static String admin;
    static final DemoPki PKI = DemoPki.create("Web Console Test CA");

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.require();
        node = new TestNode(data);
        admin = node.adminToken();
        ok(node.call("POST", "/v1/tenants", admin, TestNode.json(Map.of("id", "tenant-a", "displayName", HOSTILE))));
        ok(node.call("POST", "/v1/tenants", admin, TestNode.json(Map.of("id", "tenant-b", "displayName", "Tenant B"))));
        ok(node.call("POST", "/v1/tenants/tenant-a/domains", admin, "{\"name\":\"*.tenant-a.test\"}"));
        ok(node.call("POST", "/v1/tenants/tenant-b/domains", admin, "{\"name\":\"shop.tenant-b.test\"}"));
        ok(node.call("POST", "/v1/domains", admin,
                "{\"name\":\"pending.tenant-b.test\",\"tenant\":\"tenant-b\",\"verified\":false}"));
        ok(node.call("PUT", "/v1/pools/web", admin, "{\"servers\":[\"127.0.0.1:" + node.backend.port()
                + "\"],\"policy\":\"round-robin\",\"healthPath\":\"/healthz\"}"));
        Instant now = Instant.now();
        upload("tenant-a", PKI.issue(DemoPki.ecKeys(), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(10)),
                "app.tenant-a.test"));
        upload("tenant-a", PKI.issue(DemoPki.ecKeys(), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(200)),
                "api.tenant-a.test"));
        upload("tenant-b", PKI.issue(DemoPki.ecKeys(), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)),
                "shop.tenant-b.test"));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    static void ok(TestNode.Reply r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 201);
    }

    static void upload(String tenant, DemoPki.Issued cert) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII));
        ok(node.call("POST", "/v1/certificates", admin, TestNode.json(m)));
    }

    /** The base64 SHA-256 of the console certificate's public key, as Chromium's SPKI allowlist wants it. */
    static String consoleSpki() throws Exception {
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(node.node.consoleCertificate())));
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(c.getPublicKey().getEncoded()));
    }

    /** Collects the page's CSP violations (this script comes from DevTools, so the CSP does not apply to it). */
    static final String CSP_PROBE = "window.__csp = [];"
            + "document.addEventListener('securitypolicyviolation', e => window.__csp.push("
            + "e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber), true);";

    static String js(String s) throws Exception {
        return TestNode.json(s); // a JSON string is a JavaScript string literal
    }

    @Test
    void adminLogsInReadsFiltersSortsAndLogsOutWithoutCspViolations() throws Exception {
        try (HeadlessChromium chrome = new HeadlessChromium(List.of(
                "--ignore-certificate-errors-spki-list=" + consoleSpki()))) {
            chrome.onNewDocument(CSP_PROBE);
            chrome.navigate(node.consoleUrl() + "/ui/");
            chrome.waitFor("document.body && document.body.dataset.state === 'login'", "the login form");
            assertThat(chrome.eval("document.getElementById('dashboard').hidden").asBoolean()).isTrue();

            // a wrong token: the login form again, with the error, and nothing kept
            login(chrome, "gh_not_a_real_token");
            chrome.waitFor("!document.getElementById('login-error').hidden", "the login error");
            assertThat(chrome.eval("document.getElementById('login-error').textContent").asText())
                    .startsWith("The token was refused");
            assertThat(chrome.eval("document.body.dataset.state").asText()).isEqualTo("login");
            assertThat(chrome.eval("sessionStorage.length").asInt()).isZero();

            login(chrome, admin);
            chrome.waitFor("document.body.dataset.state === 'ready'", "the dashboard");
            assertThat(chrome.eval("sessionStorage.getItem('gatehouse.console.token')").asText()).isEqualTo(admin);
            assertThat(chrome.eval("document.getElementById('login-view').hidden").asBoolean()).isTrue();

            // certificates: all three, soonest expiry first; the header sorts the other way
            assertThat(texts(chrome, "#certs-table tbody tr", "tenant")).containsExactly("tenant-a", "tenant-b",
                    "tenant-a");
            assertThat(cells(chrome, "certs-table", 1)).containsExactly("app.tenant-a.test", "shop.tenant-b.test",
                    "api.tenant-a.test");
            assertThat(cells(chrome, "certs-table", 2).get(0)).endsWith("(9 d)");
            assertThat(chrome.eval("document.querySelector('#certs-table tbody tr td:nth-child(3)').className").asText())
                    .isEqualTo("expiring");
            chrome.eval("document.getElementById('sort-expiry').click()");
            assertThat(cells(chrome, "certs-table", 1)).containsExactly("api.tenant-a.test", "shop.tenant-b.test",
                    "app.tenant-a.test");
            assertThat(chrome.eval("document.getElementById('expiry-header').getAttribute('aria-sort')").asText())
                    .isEqualTo("descending");

            // domains with their verification state, as the API reports it
            Map<String, String> api = new LinkedHashMap<>();
            for (JsonNode d : node.call("GET", "/v1/domains", admin, null).json().get("items")) {
                api.put(d.get("name").asText(), d.get("status").asText());
            }
            assertThat(api).containsEntry("*.tenant-a.test", "verified").containsEntry("shop.tenant-b.test", "verified")
                    .containsKey("pending.tenant-b.test");
            assertThat(api.get("pending.tenant-b.test")).isNotEqualTo("verified");
            for (Map.Entry<String, String> d : api.entrySet()) {
                assertThat(chrome.eval("document.querySelector('#domains-table tr[data-name=' + "
                        + js(TestNode.json(d.getKey())) + " + '] td:nth-child(3)').textContent").asText())
                        .as(d.getKey()).isEqualTo(d.getValue());
            }

            // pools, node facts, ACME disabled on this node
            assertThat(cells(chrome, "pools-table", 0)).containsExactly("web");
            assertThat(cells(chrome, "pools-table", 2)).containsExactly("127.0.0.1:" + node.backend.port());
            assertThat(chrome.eval("document.getElementById('node-facts').textContent").asText()).contains("test-node");
            assertThat(cells(chrome, "acme-table", 0)).containsExactly("ACME is disabled on this node");

            // the hostile display name is text, in the table and in the tenant filter; nothing ran
            assertThat(cells(chrome, "tenants-table", 1)).containsExactly(HOSTILE, "Tenant B");
            assertThat(chrome.eval("document.querySelector('#tenant-filter option[value=\"tenant-a\"]').textContent")
                    .asText()).contains(HOSTILE);
            assertThat(chrome.eval("typeof window.__pwned").asText()).isEqualTo("undefined");
            assertThat(chrome.eval("document.querySelectorAll('main img, main b').length").asInt()).isZero();

            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve("web-console.png"), chrome.screenshot());

            // filter by tenant: only that tenant's rows remain (certificates from ?tenant=, domains alike)
            chrome.eval("(() => { const s = document.getElementById('tenant-filter'); s.value = 'tenant-b';"
                    + " s.dispatchEvent(new Event('change')); })()");
            chrome.waitFor("document.body.dataset.state === 'ready' && document.querySelectorAll("
                    + "'#certs-table tbody tr').length === 1", "the tenant-b certificates");
            assertThat(texts(chrome, "#certs-table tbody tr", "tenant")).containsExactly("tenant-b");
            assertThat(texts(chrome, "#domains-table tbody tr", "tenant")).containsOnly("tenant-b").hasSize(2);
            Files.write(SCREENSHOTS.resolve("web-console-tenant-b.png"), chrome.screenshot());

            assertNoCspViolation(chrome);

            // a reload keeps the session (sessionStorage), logout ends it
            chrome.send("Page.reload", Map.of());
            chrome.waitFor("document.body && document.body.dataset.state === 'ready'", "the dashboard after a reload");
            chrome.eval("document.getElementById('logout').click()");
            chrome.waitFor("document.body.dataset.state === 'login'", "the login form after logout");
            assertThat(chrome.eval("sessionStorage.length").asInt()).isZero();
            assertThat(chrome.eval("document.querySelectorAll('#certs-table tbody tr').length").asInt()).isZero();
            assertNoCspViolation(chrome);

            List<String> unexpected = new ArrayList<>();
            for (String m : chrome.messages) {
                boolean the401 = m.contains("status of 401"); // the wrong token, as the browser logs it
                if ((m.contains("error") || m.contains("warning")) && !the401) {
                    unexpected.add(m);
                }
            }
            assertThat(unexpected).as("console errors and warnings").isEmpty();
        }
    }

    static void login(HeadlessChromium chrome, String token) throws Exception {
        chrome.eval("(() => { document.getElementById('token').value = " + js(token) + ";"
                + " document.getElementById('login-form').requestSubmit(); })()");
    }

    static void assertNoCspViolation(HeadlessChromium chrome) throws Exception {
        List<String> violations = new ArrayList<>();
        chrome.eval("window.__csp").forEach(v -> violations.add(v.asText()));
        assertThat(violations).as("securitypolicyviolation events").isEmpty();
        assertThat(chrome.messages).as("console messages").noneMatch(m -> m.contains("Content Security Policy")
                || m.contains("Refused to"));
    }

    /** A data attribute of every element matching the selector. */
    static List<String> texts(HeadlessChromium chrome, String selector, String attribute) throws Exception {
        List<String> out = new ArrayList<>();
        chrome.eval("[...document.querySelectorAll(" + js(selector) + ")].map(e => e.dataset[" + js(attribute) + "])")
                .forEach(v -> out.add(v.asText()));
        return out;
    }

    /** The text of column {@code column} of every body row of a table. */
    static List<String> cells(HeadlessChromium chrome, String table, int column) throws Exception {
        List<String> out = new ArrayList<>();
        chrome.eval("[...document.getElementById(" + js(table) + ").tBodies[0].rows].map(r => r.cells[" + column
                + "].textContent)").forEach(v -> out.add(v.asText()));
        return out;
    }
}
