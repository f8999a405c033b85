package dev.gatehouse.appliance.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.appliance.testing.Services;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * PKCS#12 uploads that {@link Pkcs12UploadFuzzTest} showed ending in a NullPointerException (the
 * console's 500): a key entry without a certificate and a secret-key entry. Each is now a 422
 * naming the {@code pkcs12} field. The files are the fuzz test's seeds (openssl/keytool made).
 */
class Pkcs12UploadTest {

    private static final Principal ADMIN = new Principal("test", Principal.ADMIN);

    @TempDir
    Path dataDir;
    private Services services;
    private FileStore store;
    private CertificateService certificates;

    @BeforeEach
    void openStore() throws Exception {
        services = new Services(dataDir, Clock.fixed(Instant.parse("2027-06-01T00:00:00Z"), ZoneOffset.UTC),
                List.of(new java.net.InetSocketAddress("127.0.0.1", 9)));
        store = services.store;
        services.tenants.create(ADMIN, "fuzz", null);
        services.domains.claim(ADMIN, "fuzz", "*.tenant-a.test", true);
        services.domains.claim(ADMIN, "fuzz", "app.tenant-a.test", true);
        certificates = services.certificates;
    }

    @AfterEach
    void closeStore() throws Exception {
        services.close();
    }

    /** A seed file without its leading fuzz-control byte, base64 as the API takes it. */
    private static String seed(String name) throws IOException {
        try (InputStream in = Pkcs12UploadTest.class.getResourceAsStream(
                "Pkcs12UploadFuzzTestInputs/storesOrRefusesAnyPkcs12Upload/" + name)) {
            byte[] b = in.readAllBytes();
            return Base64.getEncoder().encodeToString(Arrays.copyOfRange(b, 1, b.length));
        }
    }

    private ServiceException refusal(String seed, String password) throws IOException {
        ServiceException e = catchThrowableOfType(ServiceException.class, () -> certificates.upload(ADMIN,
                new CertificateService.Upload("fuzz", null, null, seed(seed), password)));
        assertThat(e).as("refused").isNotNull();
        return e;
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', value = {
        // a key without its certificate; a secret-key entry where a private key belongs
        "key-without-certificate | fuzz     | certificate-no-certificate | has no certificate",
        "secret-key-entry        | fuzzfuzz | certificate-no-private-key | holds a secret key, not a private key",
    })
    void refusesABundleWithoutACertificateAndPrivateKeyNamingThePkcs12Field(String seed, String password, String type,
            String message) throws Exception {
        ServiceException e = refusal(seed, password);
        assertThat(e.kind()).isEqualTo(ServiceException.Kind.INVALID);
        assertThat(e.type()).isEqualTo(type);
        assertThat(e.field()).isEqualTo("pkcs12");
        assertThat(e.getMessage()).contains(message);
        assertThat(store.certificates()).isEmpty();
    }

    @Test
    void storesAWellFormedPkcs12Bundle() throws Exception {
        CertificateRecord r = certificates.upload(ADMIN,
                new CertificateService.Upload("fuzz", null, null, seed("ec-p256-aes-pbkdf2"), "fuzz"));
        assertThat(r.names()).containsExactly("app.tenant-a.test", "*.tenant-a.test");
        assertThat(store.certificates()).hasSize(1);
    }
}
