package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.certs.UploadPolicy;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the JSON bodies of the console's POST and PUT routes through {@link ConsoleApi#handle},
 * over a real {@link FileStore} holding two tenants, their tokens, a certificate, a pool and a
 * route, with ACME enabled (claims are stored; DNS is never asked). Invariants: {@code handle}
 * never throws; the status is one the API documents, never 500; a refusal (4xx) leaves the store
 * as it was. After a success the fixture is built anew, so every input starts from the same state.
 *
 * <p>Input layout: byte 0 picks the route ({@link #ROUTES}); byte 1 picks the caller (admin,
 * tenant {@code acme}, tenant {@code other}, no token, a forged token), and with bit {@code 0x80}
 * the text up to the first newline becomes the route's path parameter (percent-encoded as a
 * client may send it, or not). The rest is the body. Seeds: {@code ConsoleApiFuzzTestInputs}.
 */
class ConsoleApiFuzzTest {

    /** Method, path; {@code {}} is the path parameter. */
    static final List<String[]> ROUTES = List.of(
            new String[] {"POST", "/v1/tenants"},
            new String[] {"POST", "/v1/certificates"},
            new String[] {"PUT", "/v1/certificates/{}"},
            new String[] {"POST", "/v1/tokens"},
            new String[] {"PUT", "/v1/pools/{}"},
            new String[] {"PUT", "/v1/routes/{}"},
            new String[] {"POST", "/v1/domains"},
            new String[] {"POST", "/v1/tenants/{}/domains"});
    /** The path parameter of each route when the input does not give one. */
    private static final String[] DEFAULT_PARAMS = {null, null, "(certificate)", null, "web", "app.acme.test", null,
        "acme"};
    private static final Set<Integer> DOCUMENTED = Set.of(200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413,
            415, 422, 503);
    private static final DemoPki PKI = DemoPki.create("Console Fuzz CA");
    private static final DemoPki.Issued CERT = PKI.issueEc("app.acme.test", "www.acme.test");

    private static Path root;
    private static Fixture fixture;

    /** One node's console over its own store. */
    private record Fixture(Path dir, FileStore store, ConsoleApi api, List<String> authorizations,
            String certificateId) implements AutoCloseable {

        static Fixture create(Path dir) throws Exception {
            dev.gatehouse.appliance.testing.Services services = new dev.gatehouse.appliance.testing.Services(dir);
            FileStore store = services.store;
            TokenService tokens = services.tokens;
            TenantService tenants = services.tenants;
            CertificateService certificates = services.certificates;
            Principal admin = new Principal("setup", Principal.ADMIN);
            tenants.create(admin, "acme", "Acme");
            services.domains.claim(admin, "acme", "*.acme.test", true);
            services.domains.claim(admin, "acme", "acme.test", true);
            tenants.create(admin, "other", null);
            services.domains.claim(admin, "other", "other.test", true);
            String certId = certificates.upload(admin, new CertificateService.Upload("acme",
                    new String(Pem.certificates(CERT.chain()), StandardCharsets.US_ASCII),
                    new String(Pem.privateKey(CERT.key()), StandardCharsets.US_ASCII), null, null)).id();
            store.put(RecordKinds.POOLS, new PoolRecord("web", List.of("127.0.0.1:8080"), "round-robin", null, store.nextRevision()));
            store.put(RecordKinds.ROUTES, new RouteRecord("app.acme.test", "web", store.nextRevision()));
            List<String> auth = Arrays.asList(
                    "Bearer " + tokens.create(Principal.ADMIN, "fuzz admin").token(),
                    "Bearer " + tokens.create(Principal.TENANT_PREFIX + "acme", "fuzz acme").token(),
                    "Bearer " + tokens.create(Principal.TENANT_PREFIX + "other", "fuzz other").token(),
                    null,
                    "Bearer ghk_forged_0000000000000000");
            GatehouseConfig.Acme acmeConfig = ConfigLoader.parse("fuzz", "node: {name: fuzz}\n"
                    + "acme: {enabled: true, resolvers: ['127.0.0.1:53'], target: 198.51.100.7}\n").acme();
            ManagedCertificates managed = new ManagedCertificates(services.context, services.domains, certificates,
                    acmeConfig, "fuzz", false);
            ConsoleApi api = new ConsoleApi(services.console(), who -> Map.of(), () -> true,
                    new AcmeServices(managed, () -> { }));
            return new Fixture(dir, store, api, auth, certId);
        }

        /** Everything the store holds, comparable with {@code equals}. */
        List<Set<?>> snapshot() {
            return List.of(new HashSet<>(store.certificates()), new HashSet<>(store.tenants()),
                    new HashSet<>(store.records(RecordKinds.TOKENS)), new HashSet<>(store.pools()), new HashSet<>(store.records(RecordKinds.ROUTES)),
                    new HashSet<>(store.records(RecordKinds.DOMAINS)), new HashSet<>(store.records(RecordKinds.MANAGED)),
                    new HashSet<>(store.records(RecordKinds.CHALLENGES)));
        }

        @Override
        public void close() throws IOException {
            store.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @BeforeAll
    static void createFixture() throws Exception {
        // tmpfs when there is one: the store fsyncs every write, and a success rebuilds the fixture
        Path shm = Path.of("/dev/shm");
        root = Files.isWritable(shm) ? Files.createTempDirectory(shm, "console-fuzz") : Files.createTempDirectory("console-fuzz");
        fixture = Fixture.create(root.resolve("node"));
    }

    @AfterAll
    static void removeFixture() throws IOException {
        fixture.close();
        Files.deleteIfExists(root);
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void answersEveryBodyWithADocumentedStatusAndRefusalsChangeNothing(byte[] input) throws Exception {
        if (input.length < 2) {
            return;
        }
        String[] route = ROUTES.get((input[0] & 0xff) % ROUTES.size());
        String authorization = fixture.authorizations().get((input[1] & 0x7f) % fixture.authorizations().size());
        byte[] body = Arrays.copyOfRange(input, 2, input.length);
        String param = DEFAULT_PARAMS[ROUTES.indexOf(route)];
        if ("(certificate)".equals(param)) {
            param = fixture.certificateId();
        }
        if ((input[1] & 0x80) != 0 && param != null) {
            int nl = indexOf(body, (byte) '\n');
            param = new String(body, 0, nl, StandardCharsets.UTF_8);
            body = Arrays.copyOfRange(body, Math.min(body.length, nl + 1), body.length);
        }
        String path = param == null ? route[1] : route[1].replace("{}", param);

        List<Set<?>> before = fixture.snapshot();
        ApiResponse resp = fixture.api().handle(route[0], path, Map.of(), authorization, body, "127.0.0.1");

        assertThat(resp).isNotNull();
        assertThat(resp.status()).as("%s %s -> %s", route[0], path, resp.body()).isIn(DOCUMENTED);
        if (resp.status() >= 400) {
            assertThat(resp.body()).as("problem document").isInstanceOf(Map.class);
            assertThat(((Map<?, ?>) resp.body()).get("detail")).as("problem detail").isNotNull();
            assertThat(fixture.snapshot()).as("store after %s %s -> %s", route[0], path, resp.body())
                    .isEqualTo(before);
        } else if (!fixture.snapshot().equals(before)) {
            fixture.close();
            fixture = Fixture.create(root.resolve("node"));
        }
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return b.length;
    }
}
